"""
Where a badge's facts come from: the cache, else the upstream, with one upstream request in
flight per package however many badges wait for it.

Each answer is kept for a week. While fresh it is simply served; after that it is still
served at once (marked stale) while a fresh one is fetched in the background, and it goes on
being served while the upstream fails, so that after its first fetch a package's badges never
wait on, nor break with, the upstream. Package facts and Simple API pages are fresh for a TTL;
download counts until pypistats' next daily update; provenance documents, which never change
for a file, for a week.
"""

import functools
from typing import Any, Callable, Dict, Generic, List, Mapping, Optional, Protocol, Tuple, TypeVar

import attrs
from twisted.internet.defer import Deferred, FirstError, gatherResults
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from pypipins.facts import (
    Answer, Downloads, DownloadsSource, NotFound, PackageFacts, PackageSource, ProjectFacts,
    ProjectSource, Provenance, Queued, ReleaseProvenance, Unavailable,
)
from pypipins.store import keys
from pypipins.store.cache import ABSENT, Cache
from pypipins.store.fleet import Claims, FleetClock
from pypipins.store.flight import RETRY_AFTER, Flights, remember
from pypipins.upstream.pypistats import NoRoom

#: Seconds the last good answer is kept, to be served when the upstream fails.
STALE_FOR = 7 * 24 * 60 * 60

#: Seconds a provenance document is fresh: it never changes for a file (PyPI verified its
#: attestations at upload), so it is asked for once, and again only after a week unread.
PROVENANCE_FRESH = 7 * 24 * 60 * 60

#: Seconds a package that does not exist is remembered, so that a flood of made-up names
#: costs one upstream request per name per minute while a new package shows up soon.
NOT_FOUND_TTL = 60

#: Seconds a record's time of fetching may be ahead of the fleet's clock for the record to
#: count as fresh: records are stamped by Redis' clock (L{FleetClock}), so more is a daemon of
#: an earlier version stamping by its own clock, or one that could not read Redis' yet; such a
#: record is refreshed rather than taken as fresh until its stamp is past.
FUTURE_TOLERATED = 60.0

T = TypeVar("T")


class _Record(Protocol):
    def to_json(self) -> bytes:
        """
        The record as it is kept.
        """


#: What a record is: facts that are kept as JSON.
R = TypeVar("R", bound=_Record)


@attrs.frozen
class _Wanted(Generic[R]):
    """
    The record of a key: how it is fetched (told whether a client waits for it, rather than a
    refresh of one kept), how it is read back, and until when one fetched at a time is fresh.
    """

    key: str
    fetch: Callable[[bool], "Deferred[R]"]
    decode: Callable[[bytes], R]
    fresh_until: Callable[[float], float]
    #: Whether a record kept says all this version reads; one that does not (kept by an
    #: earlier version) is fetched again as if none were kept, once.
    current: Optional[Callable[[R], bool]] = None


def _pack(fetched_at: float, record: bytes) -> bytes:
    return b"%.3f\n" % fetched_at + record


def _unpack(data: bytes) -> Tuple[float, bytes]:
    fetched_at, _, record = data.partition(b"\n")
    return float(fetched_at), record


class Lookup:
    """
    Package facts and download counts by (valid, normalised) name.

    @param pypi: where package facts come from unless another index is named.
    @param stats: where download counts come from, and how long they are fresh.
    @param ttl: seconds package facts are fresh (600 in the original).
    @param indexes: the other indexes badges may name, by name.
    @param simple: PyPI's Simple API, where project statuses and provenance are read; without
        it, those badges say the upstream is unavailable.
    @param simple_indexes: the indexes of C{indexes} that have a Simple API, by name.
    @param claims: the fleet's claims, when daemons share the cache (L{Flights}). With them,
        records are stamped and judged fresh by the fleet's clock (L{Claims.time}); without,
        by C{clock}.
    """

    _log = Logger()

    def __init__(
        self,
        cache: Cache,
        pypi: PackageSource,
        stats: DownloadsSource,
        clock: IReactorTime,
        ttl: float,
        *,
        indexes: Optional[Mapping[str, PackageSource]] = None,
        simple: Optional[ProjectSource] = None,
        simple_indexes: Optional[Mapping[str, ProjectSource]] = None,
        claims: Optional[Claims] = None,
    ) -> None:
        self._cache = cache
        self._pypi = pypi
        self.indexes: Mapping[str, PackageSource] = dict(indexes or {})
        self._simple = simple
        self.simple_indexes: Mapping[str, ProjectSource] = dict(simple_indexes or {})
        self._stats = stats
        self._ttl = ttl
        self._time = claims.time if claims is not None else FleetClock(None, clock)
        self._flights = Flights(clock, claims)
        #: Keys whose kept record could not be read, logged once until a good one is kept.
        self._unreadable: Dict[str, None] = {}

    def package(
        self, name: str, version: Optional[str] = None, index: Optional[str] = None
    ) -> "Deferred[Answer[PackageFacts]]":
        """
        The facts of C{name}'s latest release, or of release C{version} (normalised), on PyPI
        or on the index named C{index} (one of L{indexes}); fails with L{NotFound}, or
        L{Unavailable} when there is neither an answer from the upstream nor one kept.
        """
        source = self._pypi if index is None else self.indexes[index]
        if version is None:
            fetch = _unwaited(source.facts, name)
        else:
            fetch = _unwaited(source.release, name, version)
        return Deferred.fromCoroutine(self._get(_Wanted(
            keys.facts(name, version, index), fetch, PackageFacts.from_json, self._ttl_from,
            _is_current,
        )))

    def project(self, name: str, index: Optional[str] = None) -> "Deferred[Answer[ProjectFacts]]":
        """
        What C{name}'s Simple API page says of its status and its files' provenance, on PyPI
        or on the index named C{index} (one of L{simple_indexes}); fails as L{package} does.
        One request per package per TTL serves the project-status and provenance badges.
        """
        fetch = functools.partial(self._project, index, name)
        return Deferred.fromCoroutine(self._get(_Wanted(
            keys.simple(name, index), fetch, ProjectFacts.from_json, self._ttl_from,
        )))

    def provenance(
        self, name: str, version: Optional[str] = None, index: Optional[str] = None
    ) -> "Deferred[Answer[ReleaseProvenance]]":
        """
        The files of C{name}'s latest release (or of release C{version}), those attested, and
        who published them, as the first few provenance documents of the release say (each
        kept a week); fails as L{package} does, with L{NotFound} for a release not listed.
        """
        return Deferred.fromCoroutine(self._provenance(name, version, index))

    def downloads(self, name: str) -> "Deferred[Answer[Downloads]]":
        """
        The recent downloads of C{name}; fails as L{package} does, and with L{Queued} when
        counts not kept wait their turn in pypistats' budget longer than a client waits.
        """
        return Deferred.fromCoroutine(self._downloads(name))

    def _ttl_from(self, fetched_at: float) -> float:
        return fetched_at + self._ttl

    async def _provenance(
        self, name: str, version: Optional[str], index: Optional[str]
    ) -> Answer[ReleaseProvenance]:
        project = await self.project(name, index)
        release = project.value.release(version)
        if release is None and version is None:
            # a project without files (a quarantined one has none): no file is attested
            return Answer(ReleaseProvenance(0, 0), project.stale, project.fresh_until)
        if release is None:
            raise NotFound(f"{name}: no release {version} on its Simple API page")
        # asked together: a cold badge waits for the slowest, not for the three in a row
        asked = [self._document(path, index) for path in release.provenances]
        try:
            documents: List[Answer[Provenance]] = await gatherResults(asked, consumeErrors=True)
        except FirstError as e:
            if e.subFailure.check(NotFound):
                # the page says there is a provenance: one not there is the index failing
                raise Unavailable(f"{name}: a provenance its page lists is not found")
            e.subFailure.raiseException()
        publishers = tuple(dict.fromkeys(
            publisher for document in documents for publisher in document.value.publishers
        ))
        answers: List[Answer[Any]] = [project, *documents]
        return Answer(
            ReleaseProvenance(release.files, release.attested, publishers),
            stale=any(answer.stale for answer in answers),
            fresh_until=min(answer.fresh_until for answer in answers),
        )

    def _document(self, path: str, index: Optional[str]) -> "Deferred[Answer[Provenance]]":
        """
        The provenance document at C{path} on the Simple API of C{index}, or PyPI's.
        """
        return Deferred.fromCoroutine(self._get(_Wanted(
            keys.provenance(path, index),
            functools.partial(self._provenance_document, index, path),
            Provenance.from_json, _provenance_fresh_until,
        )))

    def _project(
        self, index: Optional[str], name: str, waited_for: bool
    ) -> "Deferred[ProjectFacts]":
        return self._simple_source(index).project(name)

    def _provenance_document(
        self, index: Optional[str], path: str, waited_for: bool
    ) -> "Deferred[Provenance]":
        return self._simple_source(index).provenance(path)

    def _simple_source(self, index: Optional[str]) -> ProjectSource:
        """
        The Simple API of C{index}, or PyPI's; raises L{Unavailable} inside a fetch when the
        daemon was given none.
        """
        if index is not None:
            return self.simple_indexes[index]
        if self._simple is None:
            raise Unavailable("no Simple API was given")
        return self._simple

    async def _downloads(self, name: str) -> Answer[Downloads]:
        """
        As L{_get}, the ways of a budgeted source besides: a package PyPI does not know is
        not worth a place in its budget (L{_known}), a refresh under way that a client now
        waits for goes ahead in its queue, and a client waits only as long as the source says.
        """
        wanted = _Wanted(
            keys.downloads(name), functools.partial(self._counts, name), Downloads.from_json,
            self._stats.fresh_until,
        )
        kept = await self._kept(wanted)
        if kept is not None:
            return kept
        if self._flights.in_flight(wanted.key):
            self._stats.hurry(name)  # a refresh under way, now waited for
        else:
            await self._known(name)
        counts = self._stats.in_time(self._fetched(wanted), name)
        return self._fresh_answer(wanted, await counts)

    async def _known(self, name: str) -> None:
        """
        Fails with L{NotFound} when PyPI does not know C{name}: its counts are not worth a
        place in pypistats' budget. Whether PyPI answers or not, counts may be asked for.
        """
        try:
            await self.package(name)
        except Unavailable:
            pass

    def _counts(self, name: str, waited_for: bool) -> "Deferred[Downloads]":
        return Deferred.fromCoroutine(self._counted(name, waited_for))

    async def _counted(self, name: str, waited_for: bool) -> Downloads:
        try:
            return await self._stats.downloads(name, waited_for)
        except NotFound:
            # pypistats has no counts for a package without downloads in its window (a new
            # or idle one) either: PyPI tells which it is
            await self.package(name)
            return Downloads(last_day=0, last_week=0, last_month=0)

    async def _get(self, wanted: "_Wanted[R]") -> Answer[R]:
        """
        The answer kept for C{wanted}'s key, else fetched (once, however many wait for it).
        """
        kept = await self._kept(wanted)
        if kept is not None:
            return kept
        return self._fresh_answer(wanted, await self._fetched(wanted))

    async def _kept(self, wanted: "_Wanted[R]") -> Optional[Answer[R]]:
        """
        The answer kept for C{wanted}'s key, fresh or (refreshed in the background) stale;
        L{None} when there is none and the upstream may be asked. Fails with L{NotFound}
        when the key is kept as not found, and with L{Unavailable} when there is none and
        the upstream failed it lately.
        """
        found = await self._record(wanted)
        if found is None and self._flights.failed_recently(wanted.key):
            raise Unavailable(f"{wanted.key}: the upstream failed less than {RETRY_AFTER} s ago")
        if found is None:
            return None
        fetched_at, value = found
        until = wanted.fresh_until(fetched_at)
        if self._is_fresh(fetched_at, until):
            return Answer(value, fresh_until=self._time.local(until))
        if not self._flights.failed_recently(wanted.key):
            # answered now, refreshed for the next request
            self._fetched(wanted, waited_for=False).addErrback(self._refresh_failed, wanted.key)
        return Answer(value, stale=True)

    def _fetched(self, wanted: "_Wanted[R]", waited_for: bool = True) -> "Deferred[R]":
        """
        The record of C{wanted}'s key fetched and stored, or the fetch of it under way.
        """
        return self._flights.shared(
            wanted.key,
            functools.partial(self._fetch_and_store, wanted, waited_for),
            functools.partial(self._fresh, wanted),
        )

    def _fresh_answer(self, wanted: "_Wanted[R]", value: R) -> Answer[R]:
        until = wanted.fresh_until(self._time.seconds())
        return Answer(value, fresh_until=self._time.local(until))

    async def _record(self, wanted: "_Wanted[R]") -> Optional[Tuple[float, R]]:
        """
        When the record kept for C{wanted}'s key was fetched, and what it says; L{None} for
        none. Fails with L{NotFound} for a key kept as not found.
        """
        # asked first: a reading of the fleet's clock then due goes to Redis before the
        # read, and is answered before it
        self._time.seconds()
        cached = await self._cache.get(wanted.key)
        if cached == ABSENT:
            raise NotFound(wanted.key)
        found = None if cached is None else self._decoded(wanted, cached)
        if found is not None and wanted.current is not None and not wanted.current(found[1]):
            return None
        return found

    async def _fresh(self, wanted: "_Wanted[R]") -> Optional[R]:
        """
        The record kept for C{wanted}'s key if it is fresh: another daemon fetched it meanwhile.
        """
        found = await self._record(wanted)
        if found is None or not self._is_fresh(found[0], wanted.fresh_until(found[0])):
            return None
        return found[1]

    def _is_fresh(self, fetched_at: float, until: float) -> bool:
        now = self._time.seconds()
        return now < until and fetched_at <= now + FUTURE_TOLERATED

    def _decoded(self, wanted: "_Wanted[R]", cached: bytes) -> Optional[Tuple[float, R]]:
        """
        When the record kept for C{wanted}'s key was fetched, and what it says; L{None} for a
        record that cannot be read as one of its kind, which is then asked for again.
        """
        try:
            fetched_at, record = _unpack(cached)
            decoded = fetched_at, wanted.decode(record)
        except Exception as e:  # whatever decoding a foreign record raises: a miss, not a 500
            if wanted.key not in self._unreadable:
                remember(self._unreadable, wanted.key, None)
                self._log.warn(
                    "The record kept for {key} cannot be read ({error}): asking again.",
                    key=wanted.key, error=repr(e)[:200],
                )
            return None
        return decoded

    def _refresh_failed(self, failure: Failure, key: str) -> None:
        """
        A refresh nobody waits for failed. An upstream failing is logged by its health, once
        per incident, and a package gone is remembered as such; anything else is a fault of
        ours, logged here rather than lost.
        """
        if not failure.check(NotFound, Unavailable, Queued):
            self._log.failure("Refreshing {key} failed.", failure, key=key)

    async def _fetch_and_store(self, wanted: "_Wanted[R]", waited_for: bool) -> R:
        key = wanted.key
        try:
            record = await wanted.fetch(waited_for)
        except NoRoom:
            raise  # the upstream did not fail: asked again, its budget may have room
        except NotFound:
            self._flights.answered(key)
            await self._cache.set(key, ABSENT, NOT_FOUND_TTL)
            raise
        except Unavailable:
            # logged by the upstream's health, once per incident rather than per package
            self._flights.failed(key)
            raise
        self._flights.answered(key)
        await self._cache.set(key, _pack(self._time.seconds(), record.to_json()), STALE_FOR)
        self._unreadable.pop(key, None)
        return record


def _unwaited(fetch: Callable[..., "Deferred[T]"], *args: str) -> Callable[[bool], "Deferred[T]"]:
    """
    C{fetch(*args)}, for a source that fetches alike whether a client waits or not.
    """
    return lambda waited_for: fetch(*args)


def _provenance_fresh_until(fetched_at: float) -> float:
    return fetched_at + PROVENANCE_FRESH


def _is_current(facts: PackageFacts) -> bool:
    return facts.current
