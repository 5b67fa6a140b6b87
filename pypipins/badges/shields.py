"""
What the badges of shields.io's PyPI routes say (C{/pypi/v/<package>.svg} and the like), as
shields says it, so that a README moves from img.shields.io to pypipins by changing the host
only: a C{v} before versions, C{ | } between list items, shields' licence colours and error
texts. Pure functions of the same package facts the pypipins badges read.
"""

import re
from typing import Any, Dict, List, Tuple

from packaging.version import InvalidVersion, Version

from pypipins.badges import pypip
from pypipins.badges import (
    FRAMEWORKS, Badge, Dialect, DownloadsFunction, Errors, FactsFunction, Kind, Options, Reads,
    Reason, downloads_color, free_threaded, licenses, metric, platforms,
)
from pypipins.facts import Downloads, PackageFacts

# -- versions -------------------------------------------------------------------------------

#: shields puts no C{v} before a version that does not start with a digit, nor before a date.
_NO_V = re.compile(r"^[^0-9]|[0-9]{4}-[0-9]{2}-[0-9]{2}")


def add_v(version: str) -> str:
    if version.startswith("v") or _NO_V.search(version):
        return version
    return "v" + version


def pep440_color(version: str) -> str:
    """
    Orange for a pre-release or a 0.x, blue for a release, grey when it is not PEP 440.
    """
    try:
        parsed = Version(version)
    except InvalidVersion:
        return "lightgrey"
    return "orange" if parsed.is_prerelease or parsed.public.startswith("0.") else "blue"


def version_badge(facts: PackageFacts, options: Options) -> Badge:
    return Badge("pypi", add_v(facts.version), pep440_color(facts.version))


# -- licences -------------------------------------------------------------------------------

_PERMISSIVE = (
    "AFL-3.0 Apache-2.0 Artistic-2.0 BSD-2-Clause BSD-3-Clause BSD-3-Clause-Clear BSL-1.0 "
    "CC-BY-4.0 ECL-2.0 ISC MIT MS-PL NCSA PostgreSQL Zlib"
).split() + ["BSD", "Apache 2.0"]
_COPYLEFT = (
    "AGPL-1.0-only AGPL-1.0-or-later AGPL-3.0-only AGPL-3.0-or-later CC-BY-SA-4.0 EPL-1.0 "
    "EPL-2.0 EUPL-1.1 GPL-1.0-only GPL-1.0-or-later GPL-2.0-only GPL-2.0-or-later GPL-3.0-only "
    "GPL-3.0-or-later LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1-only LGPL-2.1-or-later "
    "LGPL-3.0-only LGPL-3.0-or-later LPPL-1.3c MPL-2.0 MS-RL OFL-1.1 OSL-3.0 "
    "GPL GPL-2.0 GPL-3.0 GPLv2 GPLv2+ GPLv3 GPLv3+ LGPL LGPL-2.1 LGPL-3.0 LGPLv2 LGPLv2+ "
    "LGPLv3 LGPLv3+ AGPL-3.0 AGPLv3+ MPL EPL"
).split() + ["MPL 1.1", "MPL 2.0"]
_PUBLIC_DOMAIN = ["CC0-1.0", "Unlicense", "WTFPL", "CC0"]

#: Licence -> (priority, colour): of several licences, the colour of the most liberal wins.
_LICENSE_COLORS: Dict[str, Tuple[int, str]] = {
    **{name: (1, "orange") for name in _COPYLEFT},
    **{name: (2, "green") for name in _PERMISSIVE},
    **{name: (3, "#7cd958") for name in _PUBLIC_DOMAIN},
}


def license_color(names: List[str]) -> str:
    known = [_LICENSE_COLORS[name] for name in names if name in _LICENSE_COLORS]
    return max(known)[1] if known else "lightgrey"


def license_badge(facts: PackageFacts, options: Options) -> Badge:
    names = licenses(facts)
    if not names:
        return Badge("license", "missing", "red")
    return Badge("license", ", ".join(names), license_color(names))


# -- classifiers ----------------------------------------------------------------------------


def _matching(pattern: "re.Pattern[str]", facts: PackageFacts) -> List[str]:
    """
    The first group of each classifier C{pattern} matches, lower-cased, as shields reads them.
    """
    found = []
    for classifier in facts.classifiers:
        match = pattern.match(classifier)
        if match is not None and match.group(1):
            found.append(match.group(1).lower())
    return found


_PY_VERSION = re.compile(r"^Programming Language :: Python :: ([\d.]+)$")
_PY_ONLY = re.compile(r"^Programming Language :: Python :: (\d+) :: Only$")


def _coerced(version: str) -> Tuple[int, int, int]:
    """
    The first three numbers of a version, zeros for the missing ones (semver's coerce).
    """
    numbers = [int(part) for part in re.findall(r"\d+", version)[:3]]
    return tuple(numbers + [0] * (3 - len(numbers)))  # type: ignore[return-value]


def py_versions_badge(facts: PackageFacts, options: Options) -> Badge:
    found = _matching(_PY_VERSION, facts) or _matching(_PY_ONLY, facts)
    # "3" says no more than "3.12" beside it
    shown = {
        v for v in found
        if not (v in ("2", "3") and any(other.startswith(v + ".") for other in found))
    }
    if not shown:
        return Badge("python", "missing", "red")
    return Badge("python", " | ".join(sorted(shown, key=_coerced)), "blue")


_IMPLEMENTATION = re.compile(r"^Programming Language :: Python :: Implementation :: (\S+)$")


def implementation_badge(facts: PackageFacts, options: Options) -> Badge:
    # without a classifier shields assumes CPython
    found = _matching(_IMPLEMENTATION, facts) or ["cpython"]
    return Badge("implementation", " | ".join(sorted(found)), "blue")


_STATUS = re.compile(r"^Development Status :: (\d - \S+)$")
_STATUS_COLORS = {
    "planning": "red", "pre-alpha": "red", "alpha": "red", "beta": "yellow",
    "stable": "brightgreen", "mature": "brightgreen", "inactive": "red",
}


def status_badge(facts: PackageFacts, options: Options) -> Badge:
    found = sorted(_matching(_STATUS, facts))
    # shields says "unknown" for a package without the classifier, since 2024
    status = found[-1].split(" - ")[-1].replace("production/stable", "stable") if found else "unknown"
    return Badge("status", status, _STATUS_COLORS.get(status, "lightgrey"))


def types_badge(facts: PackageFacts, options: Options) -> Badge:
    # only the classifiers: shields does not know stubs packages by their names
    if "Typing :: Typed" in facts.classifiers:
        return Badge("types", "typed", "brightgreen")
    if "Typing :: Stubs Only" in facts.classifiers:
        return Badge("types", "stubs", "brightgreen")
    return Badge("types", "untyped", "red")


# -- frameworks -----------------------------------------------------------------------------

#: C{/pypi/frameworkversions/<framework>/}: the name shields writes of each of L{FRAMEWORKS},
#: the last part of its classifier's (C{Jupyter :: JupyterLab} is JupyterLab).
FRAMEWORK_NAMES = {key: classifier.split(" :: ")[-1] for key, classifier in FRAMEWORKS.items()}


def framework_versions_for(framework: str) -> FactsFunction:
    """
    The badge of C{/pypi/frameworkversions/<framework>/}: the versions the classifiers name,
    as pypip.in's frameworks badge reads them, joined shields' way; lightgrey words when
    there are none, which name the package (and release) as the URL spells them, as shields'
    do (L{Options.asked_as}; PyPI's name only when no route set it).
    """
    name = FRAMEWORK_NAMES[framework]

    def framework_versions_badge(facts: PackageFacts, options: Options) -> Badge:
        versions = pypip.framework_versions(facts, framework)
        if not versions:
            asked = options.asked_as or facts.name
            return Badge("versions", f"{name} versions are missing for {asked}", "lightgrey", is_error=True)
        return Badge(f"{name.lower()} versions", " | ".join(versions), "blue")

    return framework_versions_badge


# -- wheels ---------------------------------------------------------------------------------


def platforms_badge(facts: PackageFacts, options: Options) -> Badge:
    return platforms(facts, " | ")


def free_threaded_badge(facts: PackageFacts, options: Options) -> Badge:
    return free_threaded(facts, " | ")


# -- downloads ------------------------------------------------------------------------------


def downloads_for(period: str) -> DownloadsFunction:
    """
    The badge of shields' downloads route that counts C{period}.
    """

    def downloads_badge(downloads: Downloads, options: Options) -> Badge:
        n = getattr(downloads, "last_" + period)
        return Badge("downloads", f"{metric(n)}/{period}", downloads_color(n))

    return downloads_badge


#: shields' downloads route -> the period it counts (not C{?period=}'s L{pypipins.badges.PERIODS}).
ROUTE_PERIODS = {"dd": "day", "dw": "week", "dm": "month"}

# -- the table ------------------------------------------------------------------------------

#: shields' PyPI routes, C{/pypi/<kind>/<package>.<ext>}; the max-ages are pypip.in's kinds'.
KINDS: Tuple[Kind[Any], ...] = (
    Kind("v", "pypi", version_badge, 300),
    Kind("l", "license", license_badge),
    Kind("pyversions", "python", py_versions_badge),
    Kind("implementation", "implementation", implementation_badge),
    Kind("status", "status", status_badge),
    # pypip.in's and shields' say the same
    Kind("wheel", "wheel", pypip.wheel_badge, 1800),
    Kind("format", "format", pypip.format_badge, 1800),
    Kind("types", "types", types_badge),
    # not shields' routes: pypipins' badges, in shields' way of joining lists
    Kind("platforms", "platforms", platforms_badge, 1800),
    Kind("free-threaded", "free-threaded", free_threaded_badge, 1800),
    Kind("vulnerabilities", "vulnerabilities", pypip.vulnerabilities_badge, reads=Reads.VULNERABILITIES),
    # shields' own error label is "versions"; its badges say the framework's name
    *(Kind(f"frameworkversions/{framework}", "versions", framework_versions_for(framework), says_asked=True)
      for framework in FRAMEWORK_NAMES),
    *(Kind(route, "downloads", downloads_for(period), reads=Reads.DOWNLOADS)
      for route, period in ROUTE_PERIODS.items()),
)

#: shields says "not found" for any name or version not on PyPI; "unknown index" and "not
#: counted off PyPI" are pypipins' words (shields has no named indexes), and so is "queued"
#: (where shields says "rate limited by upstream service").
ERRORS: Errors = {
    Reason.INVALID_NAME: ("package or version not found", "red"),
    Reason.UNKNOWN_INDEX: ("unknown index", "red"),
    Reason.INVALID_VERSION: ("package or version not found", "red"),
    Reason.NOT_COUNTED: ("not counted off PyPI", "lightgrey"),
    # no shields route reads the Simple API; pypip.in's words, for a table without holes
    Reason.NO_SIMPLE_API: ("no simple api", "lightgrey"),
    Reason.NO_JSON_API: ("no json api", "lightgrey"),
    Reason.NOT_FOUND: ("package or version not found", "red"),
    Reason.VERSION_NOT_FOUND: ("package or version not found", "red"),
    # the upstream failing, with nothing kept
    Reason.UNAVAILABLE: ("inaccessible", "lightgrey"),
    Reason.QUEUED: ("queued", "lightgrey"),
}
#: A downloads route takes no release: only the package can be missing.
DOWNLOADS_ERRORS: Errors = {
    **ERRORS,
    Reason.INVALID_NAME: ("package not found", "red"),
    Reason.INVALID_VERSION: ("package not found", "red"),
    Reason.NOT_FOUND: ("package not found", "red"),
    Reason.VERSION_NOT_FOUND: ("package not found", "red"),
}

SHIELDS = Dialect(KINDS, ERRORS, DOWNLOADS_ERRORS)
