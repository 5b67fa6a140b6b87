"""
What each badge says: its label, message and colour, as a pure function of the package facts.

``../shared/BADGES.md`` is the contract this module implements; nothing here does I/O.
"""

import enum
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, List, Mapping, Optional, Tuple, Union

import attrs
from packaging.version import InvalidVersion, Version

from pypipins import colors, names
from pypipins.facts import Downloads, PackageFacts

STYLES = ("flat", "flat-square", "plastic", "for-the-badge", "social")
#: What C{?period=} may ask of a downloads badge.
PERIODS = ("day", "week", "month")


@attrs.frozen
class Badge:
    """
    The two texts of a badge and the colour of its right side (a colour name or ``#rrggbb``).
    """

    label: str
    message: str
    color: str
    is_error: bool = False


#: The query parameters L{Options} reads.
QUERY_PARAMETERS = ("style", "label", "color", "labelColor", "period", "text", "framework")


@attrs.frozen
class Options:
    """
    What the query string of a badge URL asks for (its L{QUERY_PARAMETERS}), already checked.
    """

    style: str = "flat"
    label: Optional[str] = None
    color: Optional[str] = None
    label_color: Optional[str] = None
    period: str = "month"
    text: str = "pypi"
    #: For the frameworks badge: a key of L{FRAMEWORKS}, or L{None} when the one asked for
    #: is not one of them.
    framework: Optional[str] = "django"

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "Options":
        """
        Options from query parameters; values that make no sense fall back to the defaults.
        """
        style = query.get("style", "flat")
        period = query.get("period", "month")
        color = query.get("color")
        label_color = query.get("labelColor")
        return cls(
            style=style if style in STYLES else "flat",
            label=query.get("label"),
            color=colors.parse(color) if color is not None else None,
            label_color=colors.parse(label_color) if label_color is not None else None,
            period=period if period in PERIODS else "month",
            text="version" if query.get("text") == "version" else "pypi",
            framework=_framework(query.get("framework", "django")),
        )


def _framework(value: str) -> Optional[str]:
    value = value.strip().lower()
    return value if value in FRAMEWORKS else None


# -- downloads ------------------------------------------------------------------------------

_METRIC_SUFFIXES = "kMGTPEZY"


def metric(n: int) -> str:
    """
    A count the way shields.io writes it: ``999``, ``1k``, ``1.1k``, ``10k``, ``1M``, ``1.6G``.
    """
    sign = "-" if n < 0 else ""
    for power in range(len(_METRIC_SUFFIXES), 0, -1):
        if abs(n) >= 1000**power:
            # The same float division as shields' JavaScript, then rounding of its exact
            # binary value half up, as toFixed() and Math.round() do.
            scaled = Decimal(abs(n) / 1000**power)
            if scaled < 10:
                one_decimal = scaled.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                if one_decimal % 1 != 0:
                    return f"{sign}{one_decimal}{_METRIC_SUFFIXES[power - 1]}"
            rounded = int(scaled.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
            if rounded < 1000 or power == len(_METRIC_SUFFIXES):
                return f"{sign}{rounded}{_METRIC_SUFFIXES[power - 1]}"
            return f"{sign}1{_METRIC_SUFFIXES[power]}"
    return str(n)


def downloads_color(n: int) -> str:
    if n <= 0:
        return "red"
    if n < 10:
        return "yellow"
    if n < 100:
        return "yellowgreen"
    if n < 1000:
        return "green"
    return "brightgreen"


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

_LICENSE_ALIASES = {
    "OSI Approved :: Apache Software License": "Apache-2.0",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0",
    "OSI Approved :: Zero-Clause BSD (0BSD)": "0BSD",
}
_BRACKETED_ACRONYM = re.compile(r"\(([^)]+)\)")
_BARE_LOWER_WORD = re.compile(r"^[a-z0-9]+$")
_LICENSE_FIELD_MAX = 40


def _short_license(classifier: str) -> str:
    """
    A short name for the part of a classifier after ``License :: ``.
    """
    if classifier in _LICENSE_ALIASES:
        return _LICENSE_ALIASES[classifier]
    name = classifier.split(" :: ")[-1].replace(" License", "", 1)
    acronym = _BRACKETED_ACRONYM.search(name)
    if acronym is not None:
        name = acronym.group(1)
    if _BARE_LOWER_WORD.match(name):
        name = name.upper()
    return name


def licenses(facts: PackageFacts) -> List[str]:
    """
    The package's license names, first rule of BADGES.md that applies; empty when unknown.
    """
    if facts.license_expression.strip():
        return [facts.license_expression.strip()]
    field = facts.license.strip()
    if field and len(field.splitlines()) == 1 and len(field) < _LICENSE_FIELD_MAX and field.upper() != "UNKNOWN":
        return [field]
    names: List[str] = []
    for classifier in facts.classifiers:
        if classifier.startswith("License :: "):
            name = _short_license(classifier[len("License :: ") :])
            if name not in names:
                names.append(name)
    if len(names) > 1:
        names = [name for name in names if name != "DFSG approved"]
    return names


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


#: ``?framework=`` -> the name its classifiers use, ``Framework :: <name> :: X.Y``.
FRAMEWORKS = {
    "django": "Django",
    "django-cms": "Django CMS",
    "plone": "Plone",
    "wagtail": "Wagtail",
    "zope": "Zope",
    "odoo": "Odoo",
    "aws-cdk": "AWS CDK",
    "jupyterlab": "Jupyter :: JupyterLab",
}


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


# -- the tables: kinds and reasons ---------------------------------------------------------


class Reason(enum.Enum):
    """
    Why a badge has no facts to say; each dialect words it in its own table.
    """

    INVALID_NAME = "invalid name"
    UNKNOWN_INDEX = "unknown index"
    INVALID_VERSION = "invalid version"
    NOT_COUNTED = "not counted"
    NOT_FOUND = "not found"
    VERSION_NOT_FOUND = "version not found"
    UNAVAILABLE = "unavailable"
    QUEUED = "queued"

    @property
    def lasting(self) -> bool:
        """
        Whether it holds until the server is started otherwise, so what it says may be kept.
        """
        return self in _LASTING


_LASTING = frozenset({Reason.INVALID_NAME, Reason.UNKNOWN_INDEX, Reason.INVALID_VERSION, Reason.NOT_COUNTED})

#: Reason -> the message and colour an error badge says it with.
Errors = Mapping[Reason, Tuple[str, str]]

FactsFunction = Callable[[PackageFacts, Options], Badge]
DownloadsFunction = Callable[[Downloads, Options], Badge]


@attrs.frozen
class KindDoc:
    """
    What the site's page of a badge kind says of it beyond its name, aliases and label.
    """

    shows: str
    #: Query parameters only this kind reads: (name, meaning).
    parameters: Tuple[Tuple[str, str], ...] = ()
    #: Query strings worth an example of their own.
    examples: Tuple[str, ...] = ()


@attrs.frozen
class Kind:
    """
    One badge kind of a dialect: everything the routes, caches and pages know of it.
    """

    name: str
    #: The left text before any C{?label=}; error badges keep it too.
    label: str
    #: What the badge says: of a release's facts, or (when C{downloads}) of download counts.
    say: Union[FactsFunction, DownloadsFunction]
    #: Seconds browsers and caches may keep the badge: a version changes with each release,
    #: a license or a list of Pythons rarely.
    max_age: int = 3600
    aliases: Tuple[str, ...] = ()
    downloads: bool = False
    #: The label when it depends on the query (C{?text=}, C{?framework=}).
    label_for: Optional[Callable[[Options], str]] = None
    doc: Optional[KindDoc] = None

    def own_label(self, options: Options) -> str:
        return self.label if self.label_for is None else self.label_for(options)


@attrs.frozen
class Dialect:
    """
    A set of badge routes: its kinds, and how it words each L{Reason}.

    @ivar downloads_errors: the words of the downloads kinds, where they differ.
    """

    kinds: Tuple[Kind, ...]
    errors: Errors
    downloads_errors: Optional[Errors] = None
    by_name: Mapping[str, Kind] = attrs.field(init=False)

    @by_name.default
    def _by_name(self) -> Mapping[str, Kind]:
        return {name: kind for kind in self.kinds for name in (kind.name, *kind.aliases)}

    def kind(self, name: str) -> Optional[Kind]:
        """
        The kind a URL names, by its name or an alias; L{None} for none.
        """
        return self.by_name.get(name)

    def error(self, kind: Kind, reason: Reason, options: Options) -> Badge:
        """
        The badge saying C{reason}, under C{kind}'s own label.
        """
        errors = self.downloads_errors if kind.downloads and self.downloads_errors else self.errors
        message, color = errors[reason]
        return Badge(kind.own_label(options), message, color, is_error=True)


#: The longest text a badge shows; longer ones are cut.
MAX_TEXT = 255

# Characters XML 1.0 does not allow (C0 controls but tab and newlines, lone surrogates,
# U+FFFE and U+FFFF): an SVG holding one is not an image.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def customize(badge: Badge, options: Options) -> Badge:
    """
    The badge with the user's ``label`` and ``color``, its texts cut to L{MAX_TEXT} and rid
    of characters XML forbids; as shields does, an error keeps its own colour so that it
    still reads as one.
    """
    if options.label is not None:
        badge = attrs.evolve(badge, label=options.label)
    if options.color is not None and not badge.is_error:
        badge = attrs.evolve(badge, color=options.color)
    label = _NOT_XML.sub("", badge.label)[:MAX_TEXT]
    message = _NOT_XML.sub("", badge.message)[:MAX_TEXT]
    if (label, message) != (badge.label, badge.message):
        badge = attrs.evolve(badge, label=label, message=message)
    return badge
