"""
The few facts about a package that badges need, small enough to cache.

A PyPI document can be megabytes (every release of every file); these records are what is
left of it once condensed, and what the cache stores, as compact JSON.
"""

import json
from typing import Any, Dict, Optional, Protocol, Tuple, TypeVar

import attrs
from packaging.version import Version
from twisted.internet.defer import Deferred


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

    def to_json(self) -> bytes:
        return json.dumps(attrs.asdict(self), separators=(",", ":")).encode("utf-8")

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
        return cls(**known)


_FIELDS = tuple(field.name for field in attrs.fields(PackageFacts))
_TUPLES = ("classifiers", "packagetypes")


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
