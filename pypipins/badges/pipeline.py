"""
From what a badge URL asks to what the badge says: the one way every badge goes. The checks
(a valid name and version, an index the server knows), the reading (chosen by what the kind
L{Reads}), the wording (the dialect's) and the customizing (the query's label, colour...).

The routes parse a request into (dialect, kind, L{Asked}, L{Options}) and send what this says;
the reads are a L{FactsReader} (L{pypipins.store.lookup.Lookup}, handed in by the plugin), so
this knows nothing of where facts are kept. No I/O of its own: it awaits the reads.
"""

import re
from typing import Any, Callable, Container, Optional, TypeVar

import attrs
from twisted.internet.defer import Deferred
from packaging.version import InvalidVersion, Version

from pypipins import names
from pypipins.badges import Badge, Dialect, Kind, Options, Reading, Reason, customize
from pypipins.facts import Answer, FactsReader, NotFound, Queued, Unavailable

F = TypeVar("F")

#: Seconds the badge of an invalid name is kept ready: it never changes.
INVALID_KEPT = 3600

#: The longest C{?version=} looked up; PyPI's longest versions are far shorter.
MAX_VERSION = 64

_VERSION_CHARACTERS = re.compile(r"[0-9][0-9A-Za-z.!+_-]*")


def release_version(text: str) -> Optional[str]:
    """
    C{?version=} normalised as PEP 440 says (C{1.0-RC1} is C{1.0rc1}), or L{None} when it is
    not a version: only a version makes it into an upstream URL.
    """
    # Version() would also take surrounding spaces and a leading "v"; a URL should not
    if len(text) > MAX_VERSION or not _VERSION_CHARACTERS.fullmatch(text):
        return None
    try:
        return str(Version(text))
    except InvalidVersion:
        return None


@attrs.frozen
class Asked:
    """
    What a badge URL asks about, as it spells it, unchecked: the package; the release (from
    the path, else C{?version=}), or L{None} for the latest; C{?index=}, or L{None}.
    """

    package: str
    release: Optional[str] = None
    index: Optional[str] = None

    @property
    def spelled(self) -> str:
        """
        The package, and C{/<release>} when one is asked, as the URL spells them.
        """
        return self.package if self.release is None else f"{self.package}/{self.release}"


@attrs.frozen
class Checked:
    """
    What to read, checked: a valid, normalised name; a release or L{None} for the latest;
    an index the server was started with, or L{None} for PyPI.
    """

    name: str
    version: Optional[str]
    index: Optional[str]


def check(
    asked: Asked, reads: "Reading[Any]", indexes: Container[str], simple_indexes: Container[str] = (),
) -> "Checked | Reason":
    """
    What C{asked} has read, or the reason nothing is: checked before anything else, so that
    no upstream request is built from unchecked input.

    @param reads: what the kind reads: its release is passed over unless it
        L{takes a version<Reading.takes_version>}.
    @param indexes: the indexes C{?index=} may name; C{pypi} is PyPI's, as is none.
    @param simple_indexes: those of C{indexes} with a Simple API.
    """
    if not names.is_valid(asked.package):
        return Reason.INVALID_NAME
    index = None if asked.index == "pypi" else asked.index
    if index is not None and index not in indexes:
        return Reason.UNKNOWN_INDEX
    version = None
    if asked.release is not None and reads.takes_version:
        version = release_version(asked.release)
        if version is None:
            return Reason.INVALID_VERSION
    if reads.pypi_only and index is not None:
        return Reason.NOT_COUNTED
    if reads.from_simple_api and index is not None and index not in simple_indexes:
        return Reason.NO_SIMPLE_API
    if reads.from_json_api and index is not None and index in simple_indexes:
        return Reason.NO_JSON_API
    return Checked(names.normalize(asked.package), version, index)


#: What a read fails with that a badge says.
FAILURES = (NotFound, Unavailable, Queued)


def reason_of(error: Exception, checked: Checked) -> Reason:
    """
    Why a read gave no answer.
    """
    if isinstance(error, NotFound):
        return Reason.NOT_FOUND if checked.version is None else Reason.VERSION_NOT_FOUND
    if isinstance(error, Unavailable):
        return Reason.UNAVAILABLE
    if isinstance(error, Queued):
        return Reason.QUEUED
    raise TypeError(f"no reason for {error!r}")


@attrs.frozen
class Said:
    """
    What a badge says; whether from facts older than their TTL; until when it may be said
    again without asking (0 for errors and stale facts: ask again); and for an error, why.
    """

    badge: Badge
    stale: bool = False
    fresh_until: float = 0.0
    reason: Optional[Reason] = None

    @property
    def queued(self) -> bool:
        """
        Whether it is a placeholder while the counts wait their turn: ask again soon.
        """
        return self.reason is Reason.QUEUED


def say(
    dialect: Dialect, kind: Kind[F], answer: "Answer[F] | Reason", options: Options, now: float
) -> Said:
    """
    What a badge of C{dialect} says, in its own words (not customized), errors included: a
    README shows why there is no answer.
    """
    if isinstance(answer, Reason):
        # the same until the server is started otherwise; the others, ask again
        return Said(
            dialect.error(kind, answer, options),
            fresh_until=now + INVALID_KEPT if answer.lasting else 0.0,
            reason=answer,
        )
    badge = kind.say(answer.value, options)
    return Said(badge, answer.stale, 0.0 if answer.stale else answer.fresh_until)


class Pipeline:
    """
    What each badge says, from what its URL asks: checked, read from C{facts}, worded by
    its dialect and customized as its query asks.

    @param facts: the reads; the indexes it knows are those C{?index=} may name.
    @param now: the time, in seconds (the reactor's C{seconds}): what is said is fresh until
        a time.
    """

    def __init__(self, facts: FactsReader, now: Callable[[], float]) -> None:
        self._facts = facts
        self._now = now

    def badge(
        self, dialect: Dialect, kind: Kind[F], asked: Asked, options: Options
    ) -> "Deferred[Said]":
        """
        What C{kind}'s badge of C{dialect} says of C{asked}, as C{options} customize it; an
        error badge when there is nothing to say. Fails only as the reads fail otherwise.
        """
        return Deferred.fromCoroutine(self._badge(dialect, kind, asked, options))

    async def _badge(self, dialect: Dialect, kind: Kind[F], asked: Asked, options: Options) -> Said:
        if kind.says_asked:
            # as the URL spells them: shields repeats the package and release asked
            options = attrs.evolve(options, asked_as=asked.spelled)
        checked = check(asked, kind.reads, self._facts.indexes, self._facts.simple_indexes)
        answer = checked if isinstance(checked, Reason) else await self._read(kind.reads, checked)
        said = say(dialect, kind, answer, options, self._now())
        return attrs.evolve(said, badge=customize(said.badge, options))

    async def _read(self, reads: "Reading[F]", checked: Checked) -> "Answer[F] | Reason":
        try:
            return await reads.read(self._facts, checked.name, checked.version, checked.index)
        except FAILURES as error:
            return reason_of(error, checked)
