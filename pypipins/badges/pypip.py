"""
pypip.in's badge routes, C{/<kind>/<package>/badge.<ext>}: what each kind says, as pure
functions of the facts (``../shared/BADGES.md`` is the contract), and one table of the kinds,
from which the routes, their cache lifetimes, the labels of error badges and the site's pages
all read. Adding a kind is one L{Kind} here and its pure function.
"""

import re
from typing import List, Optional, Tuple

import attrs
from packaging.version import InvalidVersion, Version

from pypipins import names
from pypipins.badges import (
    FRAMEWORKS, PERIODS, Badge, Dialect, Errors, Kind, KindDoc, Options, Reads, Reason,
    downloads_color, free_threaded, licenses, metric, platforms, vulnerabilities,
)
from pypipins.facts import Downloads, PackageFacts, ProjectFacts, ReleaseProvenance

# -- downloads ------------------------------------------------------------------------------


def downloads_badge(downloads: Downloads, options: Options) -> Badge:
    n = getattr(downloads, "last_" + options.period)
    return Badge("downloads", f"{metric(n)}/{options.period}", downloads_color(n))


# -- version --------------------------------------------------------------------------------


def version_color(version: str) -> str:
    try:
        parsed = Version(version)
    except InvalidVersion:
        return "lightgrey"
    # is_prerelease is true for dev releases too
    return "orange" if parsed.is_prerelease else "brightgreen"


def version_badge(facts: PackageFacts, options: Options) -> Badge:
    return Badge(options.text, facts.version, version_color(facts.version))


def pre_badge(facts: PackageFacts, options: Options) -> Badge:
    """
    The newest release, pre-releases included: what C{pip install --pre} would take. A
    release's own document (C{?version=}) lists no others, so it says that release.
    """
    newest = facts.newest or facts.version
    return Badge("pre-release", newest, version_color(newest))


# -- files ----------------------------------------------------------------------------------


def wheel_badge(facts: PackageFacts, options: Options) -> Badge:
    if "bdist_wheel" in facts.packagetypes:
        return Badge("wheel", "yes", "brightgreen")
    return Badge("wheel", "no", "red")


def egg_badge(facts: PackageFacts, options: Options) -> Badge:
    if "bdist_egg" in facts.packagetypes:
        return Badge("egg", "yes", "red")
    return Badge("egg", "no", "brightgreen")


def format_badge(facts: PackageFacts, options: Options) -> Badge:
    if "bdist_wheel" in facts.packagetypes:
        return Badge("format", "wheel", "brightgreen")
    if "bdist_egg" in facts.packagetypes:
        return Badge("format", "egg", "red")
    return Badge("format", "source", "yellow")


# -- license --------------------------------------------------------------------------------


def license_badge(facts: PackageFacts, options: Options) -> Badge:
    names = licenses(facts)
    if not names:
        return Badge("license", "unknown", "red")
    return Badge("license", ", ".join(names), "blue")


# -- python versions ------------------------------------------------------------------------

_PY_VERSION = re.compile(r"^Programming Language :: Python :: (\d+(?:\.\d+)*)$")
_PY_ONLY = re.compile(r"^Programming Language :: Python :: (\d+) :: Only$")


def _version_key(version: str) -> Tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def python_versions(facts: PackageFacts) -> List[str]:
    """
    The Python versions the classifiers name, sorted as numbers; empty when none does.
    """
    versions = _matches(_PY_VERSION, facts.classifiers)
    if not versions:
        versions = _matches(_PY_ONLY, facts.classifiers)
    majors_with_minor = {v.split(".")[0] for v in versions if "." in v}
    versions = [v for v in versions if "." in v or v not in majors_with_minor]
    return sorted(versions, key=_version_key)


def _matches(pattern: "re.Pattern[str]", classifiers: Tuple[str, ...]) -> List[str]:
    found: List[str] = []
    for classifier in classifiers:
        match = pattern.match(classifier)
        if match is not None and match.group(1) not in found:
            found.append(match.group(1))
    return found


def py_versions_badge(facts: PackageFacts, options: Options) -> Badge:
    versions = python_versions(facts)
    if versions:
        return Badge("python", ", ".join(versions), "blue")
    if facts.requires_python.strip():
        return Badge("python", "".join(facts.requires_python.split()), "blue")
    return Badge("python", "unknown", "lightgrey")


# -- implementation -------------------------------------------------------------------------

_IMPLEMENTATION = "Programming Language :: Python :: Implementation :: "


def implementation_badge(facts: PackageFacts, options: Options) -> Badge:
    names = sorted(
        {c[len(_IMPLEMENTATION) :].lower() for c in facts.classifiers if c.startswith(_IMPLEMENTATION)}
    )
    return Badge("implementation", ", ".join(names) or "cpython", "blue")


# -- status ---------------------------------------------------------------------------------

_STATUS = re.compile(r"^Development Status :: (\d+) - (.+)$")
_STATUS_COLORS = {1: "red", 2: "red", 3: "red", 4: "yellow", 5: "brightgreen", 6: "brightgreen", 7: "red"}


def status_badge(facts: PackageFacts, options: Options) -> Badge:
    best: Optional[Tuple[int, str]] = None
    for classifier in facts.classifiers:
        match = _STATUS.match(classifier)
        if match is not None:
            level = (int(match.group(1)), match.group(2))
            if best is None or level[0] > best[0]:
                best = level
    if best is None:
        return Badge("status", "unknown", "lightgrey")
    text = best[1].strip().lower()
    if text == "production/stable":
        text = "stable"
    return Badge("status", text, _STATUS_COLORS.get(best[0], "lightgrey"))


# -- typing, requirements, frameworks ---------------------------------------------------------


def types_badge(facts: PackageFacts, options: Options) -> Badge:
    name = names.normalize(facts.name) if facts.name and names.is_valid(facts.name) else ""
    if "Typing :: Typed" in facts.classifiers:
        return Badge("types", "typed", "brightgreen")
    if "Typing :: Stubs Only" in facts.classifiers or name.startswith("types-") or name.endswith("-stubs"):
        return Badge("types", "stubs", "brightgreen")
    return Badge("types", "untyped", "red")


def requires_badge(facts: PackageFacts, options: Options) -> Badge:
    specifier = "".join(facts.requires_python.split())
    if not specifier:
        return Badge("requires python", "any", "lightgrey")
    return Badge("requires python", specifier, "blue")


def framework_versions(facts: PackageFacts, framework: str) -> List[str]:
    """
    The versions of C{framework} (a key of L{FRAMEWORKS}) the classifiers name, as numbers sort.
    """
    pattern = re.compile(r"^Framework :: " + re.escape(FRAMEWORKS[framework]) + r" :: (\d+(?:\.\d+)*)$")
    return sorted(_matches(pattern, facts.classifiers), key=_version_key)


def frameworks_badge(facts: PackageFacts, options: Options) -> Badge:
    if options.framework is None:
        return Badge("framework versions", "unknown framework", "red", is_error=True)
    label = f"{options.framework} versions"
    versions = framework_versions(facts, options.framework)
    if not versions:
        return Badge(label, "unknown", "lightgrey")
    return Badge(label, ", ".join(versions), "blue")


def djversions_badge(facts: PackageFacts, options: Options) -> Badge:
    return frameworks_badge(facts, attrs.evolve(options, framework="django"))


# -- project status and provenance (PEP 792, PEP 740) ---------------------------------------

_PROJECT_STATUS_COLORS = {
    "active": "brightgreen", "archived": "orange", "deprecated": "orange", "quarantined": "red",
}


def project_status_badge(project: ProjectFacts, options: Options) -> Badge:
    """
    PEP 792's status as written; a status PEP 792 does not name (yet) is lightgrey.
    """
    return Badge("project", project.status, _PROJECT_STATUS_COLORS.get(project.status, "lightgrey"))


#: Publishers' kinds whose repository is a place on the web: the badge says where.
_FORGES = {"github": "github.com", "gitlab": "gitlab.com"}


def provenance_badge(release: ReleaseProvenance, options: Options) -> Badge:
    """
    Who published the release's files, when every file is attested by one publisher;
    otherwise, first that applies: no file attested, C{none}; publishers that differ,
    C{mixed} (even if some files are not attested: two publishers is the louder news); some
    files only, C{partial}.
    """
    if release.attested == 0 or not release.publishers:
        return Badge("provenance", "none", "lightgrey")
    if len(release.publishers) > 1:
        return Badge("provenance", "mixed", "orange")
    if release.attested < release.files:
        return Badge("provenance", "partial", "yellow")
    publisher = release.publishers[0]
    kind = publisher.kind.lower()
    if kind in _FORGES and publisher.repository:
        return Badge("provenance", f"{_FORGES[kind]}/{publisher.repository}", "brightgreen")
    return Badge("provenance", kind, "brightgreen")


# -- wheels and vulnerabilities -------------------------------------------------------------


def platforms_badge(facts: PackageFacts, options: Options) -> Badge:
    return platforms(facts, ", ")


def free_threaded_badge(facts: PackageFacts, options: Options) -> Badge:
    return free_threaded(facts, ", ")


def vulnerabilities_badge(facts: PackageFacts, options: Options) -> Badge:
    return vulnerabilities(facts)


# -- the table ------------------------------------------------------------------------------


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
    Kind("d", "downloads", downloads_badge, 3600, aliases=("download",), reads=Reads.DOWNLOADS, doc=KindDoc(
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
    Kind("project-status", "project", project_status_badge, 3600, reads=Reads.PROJECT, doc=KindDoc(
        "The project's status on PyPI (PEP 792), from its Simple API page: active "
        "(brightgreen), archived or deprecated (orange), quarantined (red), any other "
        "lightgrey. A quarantined project, which PyPI's JSON API no longer shows, still has "
        "its badge.")),
    Kind("provenance", "provenance", provenance_badge, 300, reads=Reads.PROVENANCE, doc=KindDoc(
        "Who published the release's files through Trusted Publishing, as their PEP 740 "
        "attestations say: github.com/owner/repo, gitlab.com/group/repo, or the publisher's "
        "kind, brightgreen, when every file is attested by one publisher; partial (yellow), "
        "mixed (orange) or none (lightgrey) otherwise.")),
    Kind("platforms", "platforms", platforms_badge, 1800, doc=KindDoc(
        "The operating systems the latest release has wheels for, from the wheels' names "
        "(every tag of a compressed tag set): linux, macos, windows, android, ios, blue; "
        "any (brightgreen) when a wheel is for any platform; no wheels, lightgrey.")),
    Kind("free-threaded", "free-threaded", free_threaded_badge, 1800, doc=KindDoc(
        "The CPython versions whose free-threaded build (PEP 703) has a wheel: 3.14t for a "
        "cp314t wheel, 3.15t+ for an abi3t wheel of cp315 and later, brightgreen; else pure "
        "python (brightgreen) for pure wheels only, no (red) when the wheels built for an "
        "ABI have none for it (a pure fallback beside them does not count), no wheels "
        "(lightgrey). PyPy's wheels are not counted.")),
    Kind("vulnerabilities", "vulnerabilities", vulnerabilities_badge, 3600,
         reads=Reads.VULNERABILITIES, doc=KindDoc(
        "How many vulnerabilities PyPI knows in the latest release (from OSV, those "
        "withdrawn left out): none known, brightgreen; N known, red. With ?version=, in "
        "that release; no json api (lightgrey) from an index of api=simple, whose pages "
        "list none.")),
)

ERRORS: Errors = {
    Reason.INVALID_NAME: ("invalid package name", "red"),
    Reason.UNKNOWN_INDEX: ("unknown index", "red"),
    Reason.INVALID_VERSION: ("invalid version", "red"),
    # download counts come from pypistats.org, which counts PyPI's downloads only
    Reason.NOT_COUNTED: ("not counted off PyPI", "lightgrey"),
    # status and provenance are read from a Simple API, which an api=json index has not
    Reason.NO_SIMPLE_API: ("no simple api", "lightgrey"),
    # vulnerabilities are read from a JSON API, which an api=simple index has not
    Reason.NO_JSON_API: ("no json api", "lightgrey"),
    Reason.NOT_FOUND: ("package not found", "red"),
    Reason.VERSION_NOT_FOUND: ("version not found", "red"),
    Reason.UNAVAILABLE: ("unavailable", "lightgrey"),
    # counts wait their turn in pypistats' request budget: the next load shows them
    Reason.QUEUED: ("queued", "lightgrey"),
}

PYPIP = Dialect(KINDS, ERRORS)
