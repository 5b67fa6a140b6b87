"""
The few facts about a package that badges need, small enough to cache.

A PyPI document can be megabytes (every release of every file); these records are what is
left of it once condensed, and what the cache stores, as compact JSON. A release's wheels are
kept as the few words their names say (L{Wheels}), not as the names.
"""

import json
import re
from typing import (
    Any, Container, Dict, Generic, Iterable, List, Optional, Protocol, Set, Tuple, TypeVar,
)

import attrs
from packaging.version import Version
from twisted.internet.defer import Deferred


T = TypeVar("T")


class NotFound(Exception):
    """
    The upstream says the package does not exist (HTTP 404).
    """


class Unavailable(Exception):
    """
    The upstream could not give an answer: unreachable, too slow, an error status (its
    C{code}, else L{None}), or a body that is not the expected JSON.
    """

    def __init__(self, message: str = "", code: Optional[int] = None) -> None:
        super().__init__(message)
        self.code = code


class Queued(Exception):
    """
    The answer waits its turn in the upstream's request budget longer than a client waits;
    the request stays queued, and a later one gets the answer.
    """


# -- wheels ---------------------------------------------------------------------------------
# Wheel file names (PEP 427, with PEP 425's compressed tag sets) read for what the platforms
# and free-threaded badges say, and condensed to L{Wheels}: a few words a release, whatever the
# number of its files. A name that is not a wheel's is passed over.

#: The operating systems the platforms badge names, in the order it names them.
SYSTEMS = ("linux", "macos", "windows", "android", "ios")

#: The platforms badge's word for a wheel of platform C{any}: installable everywhere.
ANY = "any"

#: A compressed tag set: tags (letters, digits, "_") joined by ".".
_TAGS = r"([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)"

#: A wheel's name: C{{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl}, a build tag
#: starting with a digit; read in one match, as condensing reads every file of a release.
_WHEEL = re.compile(rf"[^-]+-[^-]+(?:-[0-9][^-]*)?-{_TAGS}-{_TAGS}-{_TAGS}\.whl")

#: An ABI tag of CPython's free-threaded build (PEP 703): C{cp313t}, its debug build C{cp313td}.
_FREE_THREADED_ABI = re.compile(r"cp(\d)(\d+)td?")

#: A CPython interpreter tag, C{cp315}: an C{abi3t} wheel's oldest version.
_CPYTHON = re.compile(r"cp(\d)(\d+)")

#: The stable ABI of the free-threaded build (C{abi3t}); C{abi3} alone is not one.
_ABI3T = "abi3t"


@attrs.frozen
class WheelTags:
    """
    The tags of a wheel's name (L{tag_sets}), each compressed set expanded, lower-cased.
    """

    pythons: Tuple[str, ...]
    abis: Tuple[str, ...]
    platforms: Tuple[str, ...]


def tag_sets(filename: str) -> Optional[Tuple[str, str, str]]:
    """
    The Python, ABI and platform tag sets of C{filename}, as written (compressed, such as
    C{py2.py3} or C{manylinux2014_x86_64.manylinux_2_17_x86_64}), when it is a wheel's name,
    C{{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl}; else L{None}.
    """
    match = _WHEEL.fullmatch(filename)
    if match is None:
        return None
    python, abi, platform = match.groups()
    return python, abi, platform


def platform_system(platform: str) -> Optional[str]:
    """
    The operating system of platform tag C{platform}, one of L{SYSTEMS}; L{ANY} for C{any};
    L{None} for one the badge does not name (C{cygwin}, a BSD's).
    """
    if platform == ANY:
        return ANY
    if platform.startswith(("manylinux", "musllinux", "linux_")):
        return "linux"
    if platform.startswith("macosx_"):
        return "macos"
    if platform == "win32" or platform.startswith("win_"):
        return "windows"
    if platform.startswith("android_"):
        return "android"
    if platform.startswith("ios_"):
        return "ios"
    return None


def _for_cpython(tags: WheelTags) -> bool:
    """
    Whether CPython may install the wheel: a C{cp} or C{py} interpreter tag. PyPy's (C{pp}),
    GraalPy's and the others' wheels say nothing of CPython's free-threaded build.
    """
    return any(python.startswith(("cp", "py")) for python in tags.pythons)


def _version(match: "re.Match[str]") -> Tuple[int, int]:
    return int(match.group(1)), int(match.group(2))


def free_threaded_builds(tags: WheelTags) -> Set[Tuple[Tuple[int, int], bool]]:
    """
    The CPython versions whose free-threaded build the wheel is for, each with whether it is
    for that version and later (C{abi3t}, the free-threaded stable ABI, from its C{cpXY}).
    """
    found: Set[Tuple[Tuple[int, int], bool]] = set()
    for abi in tags.abis:
        match = _FREE_THREADED_ABI.fullmatch(abi)
        if match is not None:
            found.add((_version(match), False))
    if _ABI3T in tags.abis:
        for python in tags.pythons:
            match = _CPYTHON.fullmatch(python)
            if match is not None:
                found.add((_version(match), True))
    return found


def free_threaded_words(versions: Iterable[Tuple[Tuple[int, int], bool]]) -> Tuple[str, ...]:
    """
    C{X.Yt} and C{X.Yt+} for each version, sorted as numbers; an C{X.Yt+} absorbs the same
    and later versions, which it already says.
    """
    words: List[str] = []
    since: Optional[Tuple[int, int]] = None
    # of one version, the "and later" first: it absorbs the other
    for version, later in sorted(set(versions), key=lambda each: (each[0], not each[1])):
        if since is not None and version >= since:
            continue
        words.append(f"{version[0]}.{version[1]}t" + ("+" if later else ""))
        if later:
            since = version
    return tuple(words)


#: L{Wheels.cpython}: no wheel CPython installs; only pure wheels; some built for an ABI.
NO_CPYTHON_WHEEL, PURE, BINARY = "", "pure", "binary"


@attrs.frozen
class Wheels:
    """
    What the platforms and free-threaded badges need of a release's wheels.
    """

    #: Of L{SYSTEMS}, those some wheel is for, in their order; then L{ANY} when a wheel is
    #: for any platform. Empty: no wheel (or none for a system the badge names).
    platforms: Tuple[str, ...] = ()
    #: L{free_threaded_words} of the wheels CPython installs.
    free_threaded: Tuple[str, ...] = ()
    #: Of the wheels CPython installs: none (L{NO_CPYTHON_WHEEL}), all L{PURE}, some L{BINARY}.
    cpython: str = NO_CPYTHON_WHEEL


def condense_wheels(filenames: Iterable[str]) -> Wheels:
    """
    The L{Wheels} of a release's files by their names; those that are not wheels are passed
    over.
    """
    # A release of a hundred wheels has a dozen platform tag sets and as many of Python and
    # ABI, combined: each set is read once, each name only matched (condensing a document
    # took 15 times longer when each name was read whole).
    found = {sets for sets in map(tag_sets, filenames) if sets is not None}
    # per platform tag set: its systems, and whether it is "any" alone
    platforms = {}
    for text in {platform for _, _, platform in found}:
        tags = _tags(text)
        platforms[text] = ({platform_system(tag) for tag in tags} - {None}, set(tags) == {ANY})
    # per Python and ABI tag sets: whether CPython installs it, and whether its ABI is "none"
    builds = {}
    versions: Set[Tuple[Tuple[int, int], bool]] = set()
    for python, abi in {(python, abi) for python, abi, _ in found}:
        build = WheelTags(_tags(python), _tags(abi), ())
        cpython = _for_cpython(build)
        builds[python, abi] = (cpython, set(build.abis) == {"none"})
        if cpython:
            versions |= free_threaded_builds(build)
    systems: Set[Optional[str]] = set()
    pure = binary = False
    for python, abi, platform in found:
        (cpython, no_abi), (its_systems, anywhere) = builds[python, abi], platforms[platform]
        systems |= its_systems
        if cpython:
            if no_abi and anywhere:
                pure = True
            else:
                binary = True
    return Wheels(
        platforms=tuple(s for s in (*SYSTEMS, ANY) if s in systems),
        free_threaded=free_threaded_words(versions),
        cpython=BINARY if binary else PURE if pure else NO_CPYTHON_WHEEL,
    )


def _tags(text: str) -> Tuple[str, ...]:
    return tuple(text.lower().split("."))


@attrs.frozen
class PackageFacts:
    """
    What PyPI's JSON API says of a package's latest release, reduced to what badges read.
    """

    version: str
    license: str = ""
    license_expression: str = ""
    classifiers: Tuple[str, ...] = ()
    requires_python: str = ""
    #: The C{packagetype} of each file of the latest release, unique and sorted.
    packagetypes: Tuple[str, ...] = ()
    #: The project's name as PyPI spells it (records cached before it was kept have none).
    name: str = ""
    #: The newest release of all, pre-releases included (yanked ones not); empty when the
    #: document lists no releases, as a single release's document does not.
    newest: str = ""
    #: The release's wheels as the platforms and free-threaded badges read them; L{None} in
    #: a record kept by a version that did not read them (see L{current}).
    wheels: Optional[Wheels] = None
    #: The known vulnerabilities of the release; L{None} when the source lists none at all
    #: (a Simple API index, a JSON index without them): not the same as none known.
    vulnerabilities: Optional["Vulnerabilities"] = None

    @property
    def current(self) -> bool:
        """
        Whether the record says all this version reads: one kept by an earlier version (in
        Redis for a week across upgrades) lacks the wheels, and is asked for again rather
        than read as a release without wheels.
        """
        return self.wheels is not None

    def to_json(self) -> bytes:
        fields = attrs.asdict(self, recurse=False)
        # as lists, without their fields' names: a few bytes a record
        if self.wheels is not None:
            fields["wheels"] = attrs.astuple(self.wheels)
        if self.vulnerabilities is not None:
            fields["vulnerabilities"] = attrs.astuple(self.vulnerabilities)
        return json.dumps(fields, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> "PackageFacts":
        """
        A record as L{to_json} wrote it, by this version or an earlier one: records stay in
        Redis for a week across upgrades, so a field it lacks takes its default.
        """
        fields: Dict[str, Any] = json.loads(data)
        known: Dict[str, Any] = {
            name: tuple(fields[name]) if name in _TUPLES else fields[name]
            for name in _FIELDS
            if name in fields
        }
        if known.get("wheels") is not None:
            platforms, free_threaded, cpython = known["wheels"]
            known["wheels"] = Wheels(tuple(platforms), tuple(free_threaded), cpython)
        if known.get("vulnerabilities") is not None:
            count, ids = known["vulnerabilities"]
            known["vulnerabilities"] = Vulnerabilities(count, tuple(ids))
        return cls(**known)


_FIELDS = tuple(field.name for field in attrs.fields(PackageFacts))
_TUPLES = ("classifiers", "packagetypes")

#: The identifiers of a release's vulnerabilities kept at most; the count is kept whole.
VULNERABILITY_IDS_KEPT = 20


@attrs.frozen
class Vulnerabilities:
    """
    The vulnerabilities PyPI knows in a release (from OSV), those withdrawn left out: how
    many, and the identifiers of the first L{VULNERABILITY_IDS_KEPT} (C{GHSA-...},
    C{PYSEC-...}); their details are OSV's to show.
    """

    count: int = 0
    ids: Tuple[str, ...] = ()


def known_vulnerabilities(entries: Any) -> Optional[Vulnerabilities]:
    """
    The L{Vulnerabilities} of a document's C{vulnerabilities} (a list from a document, of
    anything): those whose C{withdrawn} is empty. L{None} when it is not a list: the
    document does not say, which is not the same as none known.
    """
    if not isinstance(entries, list):
        return None
    known = [e for e in entries if isinstance(e, dict) and not e.get("withdrawn")]
    ids = [e["id"][:64] for e in known if isinstance(e.get("id"), str)]
    return Vulnerabilities(len(known), tuple(ids[:VULNERABILITY_IDS_KEPT]))


@attrs.frozen
class Downloads:
    """
    Recent download counts from pypistats.org.
    """

    last_day: int
    last_week: int
    last_month: int

    def to_json(self) -> bytes:
        return json.dumps(attrs.asdict(self), separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> "Downloads":
        """
        The counts of a record; a field this version does not know (one a newer version
        wrote, during a rolling upgrade) is passed over.
        """
        fields = json.loads(data)
        return cls(**{name: fields[name] for name in _COUNTS})


_COUNTS = tuple(field.name for field in attrs.fields(Downloads))


#: A release's provenance documents read at most: its sdist's, then its wheels' in name order.
#: A release of 80 wheels for as many platforms costs three requests, not eighty.
PROVENANCE_READ = 3


@attrs.frozen
class ReleaseFiles:
    """
    What the provenance badge needs of one release: how many files it has, how many carry a
    provenance (PEP 740), and where the first L{PROVENANCE_READ} of those are (paths on the
    index's own origin), sdist first, then wheels in name order.
    """

    version: str
    files: int
    attested: int = 0
    provenances: Tuple[str, ...] = ()


@attrs.frozen
class ProjectFacts:
    """
    What a project's Simple API page (PEP 691) says that the project-status and provenance
    badges read: its PEP 792 status, the release pip would install, and each release's
    files as L{ReleaseFiles}; a few numbers a release, so that 4,000 releases stay small.
    """

    #: PEP 792's C{project-status.status}, as written; C{active} when the page has none.
    status: str = "active"
    #: The release pip would install; empty for a project without files.
    latest: str = ""
    releases: Tuple[ReleaseFiles, ...] = ()

    def release(self, version: Optional[str]) -> Optional[ReleaseFiles]:
        """
        Release C{version} (normalised), or the latest for L{None}; L{None} when there is none.
        """
        wanted = self.latest if version is None else version
        for each in self.releases:
            if each.version == wanted:
                return each
        if version is None:
            return None
        # spelt as its files spell it: 1.1.0 may be asked for as 1.1
        asked = Version(version)
        return next((each for each in self.releases if Version(each.version) == asked), None)

    def to_json(self) -> bytes:
        releases = [[r.version, r.files, r.attested, list(r.provenances)] for r in self.releases]
        return json.dumps(
            {"status": self.status, "latest": self.latest, "releases": releases},
            separators=(",", ":"),
        ).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> "ProjectFacts":
        fields = json.loads(data)
        return cls(
            status=fields["status"],
            latest=fields["latest"],
            releases=tuple(
                ReleaseFiles(version, files, attested, tuple(provenances))
                for version, files, attested, provenances in fields["releases"]
            ),
        )


@attrs.frozen
class Publisher:
    """
    Who published a file, as its PEP 740 attestations name it: the Trusted Publisher's kind
    (C{GitHub}, C{GitLab}, C{Google}, C{ActiveState}) and, where it has one, its repository.
    """

    kind: str
    repository: str = ""


@attrs.frozen
class Provenance:
    """
    What one provenance document (PyPI's Integrity API) says: the publishers of its
    attestation bundles. PyPI verified the attestations at upload, so they are not again.
    """

    publishers: Tuple[Publisher, ...]

    def to_json(self) -> bytes:
        return json.dumps(
            [[p.kind, p.repository] for p in self.publishers], separators=(",", ":")
        ).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> "Provenance":
        return cls(tuple(Publisher(kind, repository) for kind, repository in json.loads(data)))


@attrs.frozen
class ReleaseProvenance:
    """
    What the provenance badge says of a release: its files, those attested, and the
    publishers the provenance documents read name (unique, in the order read).
    """

    files: int
    attested: int
    publishers: Tuple[Publisher, ...] = ()


#: Classifier prefixes that some badge reads; the rest is dropped when condensing.
_KEPT_CLASSIFIERS = (
    "Development Status :: ",
    "License :: ",
    "Programming Language :: Python :: ",
    "Typing :: ",
    "Framework :: ",
)

#: A license field longer than this is a license text, not a name: no badge shows it, and
#: cutting it here keeps the record small without changing any badge.
LICENSE_KEPT = 200


def kept_classifiers(classifiers: Any) -> Tuple[str, ...]:
    """
    Those of C{classifiers} (a list from a document, of anything) that some badge reads.
    """
    if not isinstance(classifiers, list):
        return ()
    return tuple(
        c for c in classifiers if isinstance(c, str) and c.startswith(_KEPT_CLASSIFIERS)
    )


class PackageSource(Protocol):
    """
    Where package facts come from: PyPI's JSON API (L{pypipins.upstream.pypi.PyPI}) or another
    index. Both methods take a valid, normalised name, and fail with L{NotFound} or L{Unavailable}.
    """

    def facts(self, name: str) -> "Deferred[PackageFacts]":
        """
        The facts of the latest release.
        """

    def release(self, name: str, version: str) -> "Deferred[PackageFacts]":
        """
        The facts of release C{version}, a normalised PEP 440 version.
        """


class ProjectSource(Protocol):
    """
    Where a project's Simple API page and its files' provenance documents come from: PyPI's
    Simple API, or an index's (L{pypipins.upstream.simple.SimpleIndex}). Fail with
    L{NotFound} or L{Unavailable}.
    """

    def project(self, name: str) -> "Deferred[ProjectFacts]":
        """
        The facts of project C{name} (valid and normalised) from its Simple API page.
        """

    def provenance(self, path: str) -> "Deferred[Provenance]":
        """
        The provenance document at C{path}, one of L{ReleaseFiles.provenances}.
        """


_T = TypeVar("_T")


class DownloadsSource(Protocol):
    """
    Where download counts come from (L{pypipins.upstream.pypistats.PyPIStats}), and its
    policy: within a request budget, so a fetch may wait its turn (and a client not so long);
    counts fresh until the source's next update.
    """

    def downloads(self, name: str, waited_for: bool = True) -> "Deferred[Downloads]":
        """
        The recent downloads of C{name} (valid and normalised); fails with L{NotFound} when
        there are no counts for it, or L{Unavailable}.
        """

    def hurry(self, name: str) -> None:
        """
        A client now waits for C{name}'s counts: move its queued refresh ahead.
        """

    def fresh_until(self, fetched_at: float) -> float:
        """
        Until when counts fetched at C{fetched_at} are fresh.
        """

    def in_time(self, counts: "Deferred[_T]", name: str) -> "Deferred[_T]":
        """
        What C{counts} gives if it does within the seconds a client waits, else L{Queued}.
        """


@attrs.frozen
class Answer(Generic[T]):
    """
    Facts; whether they are older than their TTL (the upstream is being asked again, or failed
    to answer); and until when they are fresh, so that what is made of them can be kept as long.
    """

    value: T
    stale: bool = False
    fresh_until: float = 0.0


class FactsReader(Protocol):
    """
    The reads a badge needs, by (valid, normalised) name, each failing with L{NotFound},
    L{Unavailable} or L{Queued}: what L{pypipins.store.lookup.Lookup} does, and all that
    L{pypipins.badges.pipeline} asks of it. Defined here, low, so that the pipeline (in
    badges/, below store/) depends on the reads and not on where they are kept.
    """

    @property
    def indexes(self) -> Container[str]:
        """
        The names of the other indexes a badge may name with C{?index=}.
        """

    @property
    def simple_indexes(self) -> Container[str]:
        """
        Those of L{indexes} that have a Simple API.
        """

    def package(
        self, name: str, version: Optional[str] = None, index: Optional[str] = None
    ) -> "Deferred[Answer[PackageFacts]]":
        """
        The facts of the latest release, or of release C{version}, on PyPI or C{index}.
        """

    def project(self, name: str, index: Optional[str] = None) -> "Deferred[Answer[ProjectFacts]]":
        """
        What the project's Simple API page says, on PyPI or C{index}.
        """

    def provenance(
        self, name: str, version: Optional[str] = None, index: Optional[str] = None
    ) -> "Deferred[Answer[ReleaseProvenance]]":
        """
        The files of the latest release (or of C{version}), those attested, and by whom.
        """

    def downloads(self, name: str) -> "Deferred[Answer[Downloads]]":
        """
        The recent download counts, of PyPI only.
        """
