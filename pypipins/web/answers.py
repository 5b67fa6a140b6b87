"""
What a badge says given the answer to its lookup (facts, download counts, or the L{Reason}
there are none), and for how long: pure functions, no I/O, no reactor. The routes ask the
lookup and send; this decides.
"""

import re
from typing import Any, Container, Mapping, Optional

import attrs
from packaging.version import InvalidVersion, Version

from pypipins import names
from pypipins.badges import Badge, Dialect, Kind, Options, Reads, Reason
from pypipins.badges.query import max_age as raised
from pypipins.facts import NotFound, Queued, Unavailable
from pypipins.store.lookup import Answer
from pypipins.web.http import SHORT_MAX_AGE, Response

#: Seconds for a badge whose counts wait their turn in pypistats' budget: the next load of
#: the page should find them.
QUEUED_MAX_AGE = 30

#: Seconds the badge of an invalid name is kept ready: it never changes.
INVALID_KEPT = 3600

#: Seconds browsers and caches may keep each error badge: its own, which C{?cacheSeconds=}
#: never raises (shields' would: an C{unavailable} asked with C{cacheSeconds=86400} was kept
#: a day after the upstream was back).
ERROR_MAX_AGE: Mapping[Reason, int] = {
    # the upstream failing, a project or release not published yet: the next minute may differ
    Reason.UNAVAILABLE: SHORT_MAX_AGE,
    Reason.NOT_FOUND: SHORT_MAX_AGE,
    Reason.VERSION_NOT_FOUND: SHORT_MAX_AGE,
    # counts waiting their turn: the next load of the page should find them
    Reason.QUEUED: QUEUED_MAX_AGE,
    # the URL's own fault, the same whatever happens upstream: as long as it is kept ready
    Reason.INVALID_NAME: INVALID_KEPT,
    Reason.INVALID_VERSION: INVALID_KEPT,
    # the server's options' fault, which the operator fixes by starting it otherwise
    Reason.UNKNOWN_INDEX: SHORT_MAX_AGE,
    Reason.NOT_COUNTED: SHORT_MAX_AGE,
    Reason.NO_SIMPLE_API: SHORT_MAX_AGE,
    Reason.NO_JSON_API: SHORT_MAX_AGE,
}

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
    What to look up, checked: a valid, normalised name; a release or L{None} for the latest;
    an index the server was started with, or L{None} for PyPI; what the badge reads.
    """

    name: str
    version: Optional[str]
    index: Optional[str]
    reads: Reads


def check(
    package: str, asked_version: Optional[str], index: Optional[str], reads: Reads,
    indexes: Container[str], simple_indexes: Container[str] = (),
) -> "Asked | Reason":
    """
    The lookup a request asks for, or the reason there is none to make. Checked before
    anything else: no upstream request is built from unchecked input.

    @param asked_version: C{?version=}, a release to describe instead of the latest (for
        the kinds whose L{Reads} takes one; the others pass it over).
    @param index: C{?index=}, one of C{indexes}; C{pypi} is PyPI's, as is none.
    @param simple_indexes: those of C{indexes} with a Simple API.
    """
    if not names.is_valid(package):
        return Reason.INVALID_NAME
    if index == "pypi":
        index = None
    if index is not None and index not in indexes:
        return Reason.UNKNOWN_INDEX
    version = None
    if asked_version is not None and reads.takes_version:
        version = release_version(asked_version)
        if version is None:
            return Reason.INVALID_VERSION
    if reads is Reads.DOWNLOADS and index is not None:
        return Reason.NOT_COUNTED
    if reads.from_simple_api and index is not None and index not in simple_indexes:
        return Reason.NO_SIMPLE_API
    if reads.from_json_api and index is not None and index in simple_indexes:
        return Reason.NO_JSON_API
    return Asked(names.normalize(package), version, index, reads)


def reason_of(error: Exception, asked: Asked) -> Reason:
    """
    Why a lookup gave no answer.
    """
    if isinstance(error, NotFound):
        return Reason.NOT_FOUND if asked.version is None else Reason.VERSION_NOT_FOUND
    if isinstance(error, Unavailable):
        return Reason.UNAVAILABLE
    if isinstance(error, Queued):
        return Reason.QUEUED
    raise TypeError(f"no reason for {error!r}")


#: What a lookup fails with that a badge says.
FAILURES = (NotFound, Unavailable, Queued)


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
    dialect: Dialect, kind: Kind, answer: "Answer[Any] | Reason", options: Options, now: float
) -> Said:
    """
    What a badge of C{dialect} says, errors included: a README shows why there is no answer.
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


def response(
    said: Said, kind: Kind, badge: Badge, body: bytes, content_type: str,
    cache_seconds: Optional[int] = None,
) -> Response:
    """
    The response that sends C{body}, the C{badge} as customised: an error for its reason's
    own while (L{ERROR_MAX_AGE}; the placeholder of counts still queued with nothing stale
    allowed), an error a kind says of facts and stale facts for a short while, the rest for
    the kind's max-age. Facts, stale or not, are kept longer when C{cache_seconds}
    (C{?cacheSeconds=}) asks it, as shields does; an error never is: it is to be asked again.
    """
    if said.reason is not None:
        # the placeholder of counts still queued is worth nothing once they are counted
        stale_allowed = not said.queued
        return Response(body, content_type, ERROR_MAX_AGE[said.reason], keep_past_age=stale_allowed)
    if badge.is_error:
        # a kind's own error, said of facts (no versions of a framework): as short as others
        return Response(body, content_type, SHORT_MAX_AGE, said.stale)
    max_age = SHORT_MAX_AGE if said.stale else kind.max_age
    return Response(body, content_type, raised(max_age, cache_seconds), said.stale)
