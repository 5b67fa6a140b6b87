"""
What a badge says, and the words both dialects share: L{Badge}, the query's L{Options}, the
types of a dialect's table (L{Kind}, L{Dialect}) and the L{Reason}s a badge has no facts to
say; numbers and licenses as both write them. Each dialect's kinds and their pure functions
are in its own module: L{pypipins.badges.pypip}, L{pypipins.badges.shields}.

``../shared/BADGES.md`` is the contract; nothing here does I/O.
"""

import enum
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import (
    Any, Callable, Final, Generic, List, Mapping, Optional, Sequence, Tuple, TypeVar, overload,
)

import attrs
from twisted.internet.defer import Deferred

from pypipins.render import colors
from pypipins.badges import query as shields_query
from pypipins.facts import (
    ANY, BINARY, PURE, Answer, Downloads, FactsReader, PackageFacts, ProjectFacts,
    ReleaseProvenance,
)
from pypipins.render.svg import STYLES

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


#: The query parameters L{Options} reads (C{link} may be given twice: see L{LINK_PARAMETER}).
QUERY_PARAMETERS = (
    "style", "label", "color", "labelColor", "period", "text", "framework",
    "logo", "logoColor", "logoSize", "cacheSeconds", "maxAge", *shields_query.LEGACY_COLORS,
)

#: The one query parameter read more than once: shields draws a link for each side.
LINK_PARAMETER = "link"


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
    #: C{?logo=}: a simple-icons name, or a data URI (L{pypipins.render.logos} finds it).
    logo: Optional[str] = None
    #: C{?logoColor=}, as given: a named icon is filled with it when it is a colour.
    logo_color: Optional[str] = None
    #: C{?logoSize=auto}: an icon that is not square is drawn as wide as it is.
    logo_size_auto: bool = False
    #: C{?link=}, checked: at most two, C{""} for a left side without a link.
    links: Tuple[str, ...] = ()
    #: C{?cacheSeconds=} (or C{maxAge}): the max-age asked, never lower than the route's own.
    cache_seconds: Optional[int] = None
    #: Not of the query: the package, and C{/<release>} when one is asked, as the URL spells
    #: them, which shields repeats in some of its words (a kind that L{Kind.says_asked}); set
    #: by the route.
    asked_as: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str], links: Sequence[str] = ()) -> "Options":
        """
        Options from query parameters (the first value of each) and the C{link} values;
        values that make no sense fall back to the defaults.
        """
        query = shields_query.legacy_colors(query)
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
            logo=shields_query.logo(query.get("logo")),
            logo_color=query.get("logoColor") or None,
            logo_size_auto=query.get("logoSize") == "auto",
            links=shields_query.links(links),
            cache_seconds=shields_query.cache_seconds(query),
        )

    @property
    def draws_extras(self) -> bool:
        """
        Whether the badge is drawn with more than texts and colours: a logo or links.
        """
        return self.logo is not None or bool(self.links)


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


# -- wheels and vulnerabilities -------------------------------------------------------------


def platforms(facts: PackageFacts, separator: str) -> Badge:
    """
    The operating systems the release has wheels for (L{pypipins.facts.SYSTEMS}' order), blue; C{any}
    when a wheel is for any platform, brightgreen; C{no wheels}, lightgrey.
    """
    if facts.wheels is None:
        return Badge("platforms", "unknown", "lightgrey", is_error=True)
    found = facts.wheels.platforms
    if ANY in found:
        return Badge("platforms", "any", "brightgreen")
    if not found:
        return Badge("platforms", "no wheels", "lightgrey")
    return Badge("platforms", separator.join(found), "blue")


def free_threaded(facts: PackageFacts, separator: str) -> Badge:
    """
    The CPython versions whose free-threaded build has a wheel (C{3.14t}, C{3.15t+}),
    brightgreen; else C{pure python} (brightgreen) when every wheel CPython installs is pure,
    C{no} (red) when some is built for an ABI, C{no wheels} (lightgrey) when there is none.
    """
    if facts.wheels is None:
        return Badge("free-threaded", "unknown", "lightgrey", is_error=True)
    if facts.wheels.free_threaded:
        return Badge("free-threaded", separator.join(facts.wheels.free_threaded), "brightgreen")
    if facts.wheels.cpython == PURE:
        return Badge("free-threaded", "pure python", "brightgreen")
    if facts.wheels.cpython == BINARY:
        return Badge("free-threaded", "no", "red")
    return Badge("free-threaded", "no wheels", "lightgrey")


def vulnerabilities(facts: PackageFacts) -> Badge:
    """
    How many vulnerabilities PyPI knows in the release: C{none known}, brightgreen, or
    C{N known}, red; C{unknown}, lightgrey, from an index that lists none at all.
    """
    if facts.vulnerabilities is None:
        return Badge("vulnerabilities", "unknown", "lightgrey", is_error=True)
    if facts.vulnerabilities.count == 0:
        return Badge("vulnerabilities", "none known", "brightgreen")
    return Badge("vulnerabilities", f"{facts.vulnerabilities.count} known", "red")


# -- the tables: kinds and reasons ---------------------------------------------------------


class Reason(enum.Enum):
    """
    Why a badge has no facts to say; each dialect words it in its own table.
    """

    INVALID_NAME = "invalid name"
    UNKNOWN_INDEX = "unknown index"
    INVALID_VERSION = "invalid version"
    NOT_COUNTED = "not counted"
    #: The index named has no Simple API (C{api=json}), where status and provenance are read.
    NO_SIMPLE_API = "no simple api"
    #: The index named has no JSON API (C{api=simple}), where vulnerabilities are read.
    NO_JSON_API = "no json api"
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


_LASTING = frozenset({
    Reason.INVALID_NAME, Reason.UNKNOWN_INDEX, Reason.INVALID_VERSION, Reason.NOT_COUNTED,
    Reason.NO_SIMPLE_API, Reason.NO_JSON_API,
})

#: Reason -> the message and colour an error badge says it with.
Errors = Mapping[Reason, Tuple[str, str]]

#: What a kind reads: the facts its function says something of.
F = TypeVar("F")

#: A kind's function: what the badge says of the facts it reads, as the query asks.
Say = Callable[[F, Options], Badge]

FactsFunction = Say[PackageFacts]
DownloadsFunction = Say[Downloads]


# compared by identity: each is one of L{Reads}', made once
@attrs.frozen(eq=False)
class Reading(Generic[F]):
    """
    What a badge kind says something of (L{F}), and how it is read: one of L{Reads}'.
    A kind is generic over it, so that a kind whose function does not take what it reads is
    a type error.
    """

    name: str
    #: The read itself: (the reads, name, release or L{None}, index or L{None}) -> the answer.
    read: Callable[
        [FactsReader, str, Optional[str], Optional[str]], "Deferred[Answer[F]]"
    ] = attrs.field(repr=False)
    #: Whether C{?version=} chooses what it says: a release's facts, vulnerabilities and
    #: provenance do; download counts and a project's status are the project's.
    takes_version: bool = False
    #: Whether it is read from a Simple API page, which an index of C{api=json} has not.
    from_simple_api: bool = False
    #: Whether it is read from a JSON API document, which an index of C{api=simple} has not.
    from_json_api: bool = False
    #: Whether only PyPI has it (download counts): another index's is not counted.
    pypi_only: bool = False


class Reads:
    """
    What a badge kind says something of, and so what the pipeline reads for it.
    """

    #: L{PackageFacts}: a release's facts from PyPI's JSON API (or an index), C{?version=}.
    RELEASE: Final[Reading[PackageFacts]] = Reading(
        "release", lambda facts, name, version, index: facts.package(name, version, index),
        takes_version=True,
    )
    #: L{Downloads}: pypistats.org's counts, of PyPI only.
    DOWNLOADS: Final[Reading[Downloads]] = Reading(
        "downloads", lambda facts, name, version, index: facts.downloads(name), pypi_only=True,
    )
    #: L{ProjectFacts}: the project's Simple API page; no release is described.
    PROJECT: Final[Reading[ProjectFacts]] = Reading(
        "project", lambda facts, name, version, index: facts.project(name, index),
        from_simple_api=True,
    )
    #: L{ReleaseProvenance}: a release's files from the Simple API, and its provenance.
    PROVENANCE: Final[Reading[ReleaseProvenance]] = Reading(
        "provenance", lambda facts, name, version, index: facts.provenance(name, version, index),
        takes_version=True, from_simple_api=True,
    )
    #: L{PackageFacts} as only a JSON API says them: a release's known vulnerabilities.
    VULNERABILITIES: Final[Reading[PackageFacts]] = Reading(
        "vulnerabilities", lambda facts, name, version, index: facts.package(name, version, index),
        takes_version=True, from_json_api=True,
    )


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


# init=False: the __init__ below says, in its overloads, that a kind naming no reads reads a
# release's facts; an attrs default could not (it would have to be of every F)
@attrs.frozen(init=False)
class Kind(Generic[F]):
    """
    One badge kind of a dialect: everything the routes, caches and pages know of it. Generic
    over what it L{reads}: its function must take that, or mypy says so.
    """

    name: str
    #: The left text before any C{?label=}; error badges keep it too.
    label: str
    #: What the badge says, of what it L{reads}.
    say: Say[F]
    #: Seconds browsers and caches may keep the badge: a version changes with each release,
    #: a license or a list of Pythons rarely.
    max_age: int
    aliases: Tuple[str, ...]
    #: L{Reads.RELEASE} unless the kind names another.
    reads: Reading[F]
    #: The label when it depends on the query (C{?text=}, C{?framework=}).
    label_for: Optional[Callable[[Options], str]]
    doc: Optional[KindDoc]
    #: Whether what it says may repeat the package as the URL spells it
    #: (L{Options.asked_as}), so that a response is kept ready for each spelling.
    says_asked: bool

    @overload
    def __init__(
        self: "Kind[PackageFacts]", name: str, label: str, say: Say[PackageFacts],
        max_age: int = 3600, aliases: Tuple[str, ...] = (), *,
        label_for: Optional[Callable[[Options], str]] = None, doc: Optional[KindDoc] = None,
        says_asked: bool = False,
    ) -> None: ...

    @overload
    def __init__(
        self, name: str, label: str, say: Say[F], max_age: int = 3600,
        aliases: Tuple[str, ...] = (), *, reads: Reading[F],
        label_for: Optional[Callable[[Options], str]] = None, doc: Optional[KindDoc] = None,
        says_asked: bool = False,
    ) -> None: ...

    def __init__(
        self, name: str, label: str, say: Say[Any], max_age: int = 3600,
        aliases: Tuple[str, ...] = (), *, reads: Reading[Any] = Reads.RELEASE,
        label_for: Optional[Callable[[Options], str]] = None, doc: Optional[KindDoc] = None,
        says_asked: bool = False,
    ) -> None:
        self.__attrs_init__(name, label, say, max_age, aliases, reads, label_for, doc, says_asked)

    def own_label(self, options: Options) -> str:
        return self.label if self.label_for is None else self.label_for(options)

    @property
    def downloads(self) -> bool:
        """
        Whether it says download counts, which dialects word their errors for apart.
        """
        return self.reads is Reads.DOWNLOADS


@attrs.frozen
class Dialect:
    """
    A set of badge routes: its kinds, and how it words each L{Reason}.

    @ivar downloads_errors: the words of the downloads kinds, where they differ.
    """

    kinds: Tuple[Kind[Any], ...]
    errors: Errors
    downloads_errors: Optional[Errors] = None
    by_name: Mapping[str, Kind[Any]] = attrs.field(init=False)

    @by_name.default
    def _by_name(self) -> Mapping[str, Kind[Any]]:
        return {name: kind for kind in self.kinds for name in (kind.name, *kind.aliases)}

    def kind(self, name: str) -> Optional[Kind[Any]]:
        """
        The kind a URL names, by its name or an alias; L{None} for none.
        """
        return self.by_name.get(name)

    def error(self, kind: "Kind[Any]", reason: Reason, options: Options) -> Badge:
        """
        The badge saying C{reason}, under C{kind}'s own label.
        """
        errors = self.downloads_errors if kind.downloads and self.downloads_errors else self.errors
        message, color = errors[reason]
        return Badge(kind.own_label(options), message, color, is_error=True)


#: The longest text a badge shows; longer ones are cut.
MAX_TEXT = 255


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
    label = colors.NOT_XML.sub("", badge.label)[:MAX_TEXT]
    message = colors.NOT_XML.sub("", badge.message)[:MAX_TEXT]
    if (label, message) != (badge.label, badge.message):
        badge = attrs.evolve(badge, label=label, message=message)
    return badge
