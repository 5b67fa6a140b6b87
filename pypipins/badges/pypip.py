"""
pypip.in's badge routes, C{/<kind>/<package>/badge.<ext>}: one table of its kinds, from which
the routes, their cache lifetimes, the labels of error badges and the site's pages all read.
Adding a kind is one L{Kind} here and its pure function.
"""

from pypipins.badges import (
    FRAMEWORKS, PERIODS, Dialect, Errors, Kind, KindDoc, Options, Reason,
    djversions_badge, downloads_badge, egg_badge, format_badge, frameworks_badge,
    implementation_badge, license_badge, pre_badge, py_versions_badge, requires_badge,
    status_badge, types_badge, version_badge, wheel_badge,
)


def _version_label(options: Options) -> str:
    return options.text


def _frameworks_label(options: Options) -> str:
    return f"{options.framework} versions" if options.framework else "framework versions"


#: Every kind, in the order the home page shows them; the texts are README's and BADGES.md's.
KINDS = (
    Kind("v", "pypi", version_badge, 300, aliases=("version",), label_for=_version_label, doc=KindDoc(
        "The latest version on PyPI, brightgreen; orange for a pre- or development "
        "release, lightgrey for a version that is not PEP 440.",
        (("text", "the left text: pypi (the default) or version."),), ("text=version",))),
    Kind("pre", "pre-release", pre_badge, 300, doc=KindDoc(
        "The newest release of all, pre-releases included (what pip install --pre takes): "
        "orange for a pre-release, brightgreen when the newest is a release; yanked "
        "releases are passed over.")),
    Kind("d", "downloads", downloads_badge, 3600, aliases=("download",), downloads=True, doc=KindDoc(
        "Recent downloads from pypistats.org, written as shields.io writes numbers "
        "(61k/month); red for none, then yellow, yellowgreen, green, brightgreen from a "
        "thousand.",
        (("period", ", ".join(PERIODS) + "; month by default."),), ("period=week", "period=day"))),
    Kind("wheel", "wheel", wheel_badge, 1800, doc=KindDoc(
        "Whether the latest release has a wheel: yes (brightgreen) or no (red).")),
    Kind("egg", "egg", egg_badge, 1800, doc=KindDoc(
        "Whether the latest release has an egg: yes (red) or no (brightgreen).")),
    Kind("format", "format", format_badge, 1800, doc=KindDoc(
        "The best file format of the latest release: wheel (brightgreen), egg (red) or "
        "source (yellow).")),
    Kind("license", "license", license_badge, 3600, doc=KindDoc(
        "The license: the PEP 639 license expression, else a short license field, else "
        "short names of the License classifiers (MIT, BSD, Apache-2.0...); unknown in red.")),
    Kind("py_versions", "python", py_versions_badge, 3600, doc=KindDoc(
        "The Python versions the classifiers name (3.9, 3.10, 3.11), else requires_python; "
        "unknown in lightgrey.")),
    Kind("implementation", "implementation", implementation_badge, 3600, doc=KindDoc(
        "The Python implementations the classifiers name (cpython, pypy); cpython when "
        "none does.")),
    Kind("status", "status", status_badge, 3600, doc=KindDoc(
        "The development status from the classifiers (planning, alpha, beta, stable, "
        "mature, inactive); the highest wins.")),
    Kind("types", "types", types_badge, 3600, doc=KindDoc(
        "typed (classifier Typing :: Typed) or stubs (Typing :: Stubs Only, or a types-* "
        "or *-stubs name), brightgreen; else untyped, red.")),
    Kind("requires", "requires python", requires_badge, 3600, doc=KindDoc(
        "The release's requires_python, blue; any, lightgrey, when it is unset.")),
    Kind("frameworks", "django versions", frameworks_badge, 3600, label_for=_frameworks_label, doc=KindDoc(
        "The versions of a framework the classifiers name (Framework :: Django :: 4.2), "
        "sorted as numbers; unknown when none.",
        (("framework", ", ".join(FRAMEWORKS) + "; django by default."),),
        ("framework=plone",))),
    Kind("djversions", "django versions", djversions_badge, 3600, doc=KindDoc(
        "The Django versions the classifiers name: frameworks for Django, under shields' "
        "name.")),
)

ERRORS: Errors = {
    Reason.INVALID_NAME: ("invalid package name", "red"),
    Reason.UNKNOWN_INDEX: ("unknown index", "red"),
    Reason.INVALID_VERSION: ("invalid version", "red"),
    # download counts come from pypistats.org, which counts PyPI's downloads only
    Reason.NOT_COUNTED: ("not counted off PyPI", "lightgrey"),
    Reason.NOT_FOUND: ("package not found", "red"),
    Reason.VERSION_NOT_FOUND: ("version not found", "red"),
    Reason.UNAVAILABLE: ("unavailable", "lightgrey"),
    # counts wait their turn in pypistats' request budget: the next load shows them
    Reason.QUEUED: ("queued", "lightgrey"),
}

PYPIP = Dialect(KINDS, ERRORS)
