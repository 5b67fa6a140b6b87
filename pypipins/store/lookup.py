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

import hashlib
from typing import (
    Any, Awaitable, Callable, Dict, Generic, List, Mapping, Optional, Tuple, TypeVar,
)

import attrs
from twisted.internet.defer import Deferred, FirstError, gatherResults
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from pypipins.store.cache import ABSENT, Cache
from pypipins.store.fleet import Claim, Claims, FleetClock, Outcome
from pypipins.upstream.budget import Dropped, QueueFull
from pypipins.facts import (
    Downloads, DownloadsSource, NotFound, PackageFacts, PackageSource, ProjectFacts,
    ProjectSource, Provenance, Queued, ReleaseProvenance, Unavailable,
)
from pypipins.upstream.pypistats import REFRESH_AT, next_update

#: Seconds the last good answer is kept, to be served when the upstream fails.
STALE_FOR = 7 * 24 * 60 * 60

#: Seconds a provenance document is fresh: it never changes for a file (PyPI verified its
#: attestations at upload), so it is asked for once, and again only after a week unread.
PROVENANCE_FRESH = 7 * 24 * 60 * 60

#: Seconds a package that does not exist is remembered, so that a flood of made-up names
#: costs one upstream request per name per minute while a new package shows up soon.
NOT_FOUND_TTL = 60

#: Seconds after a failed request before the upstream is asked again for the same package:
#: a failing upstream is not hammered by every badge request meanwhile.
RETRY_AFTER = 30

#: Failures remembered at most; past this the oldest are forgotten (and may be retried early).
_FAILURES_KEPT = 10_000

#: Seconds a record's time of fetching may be ahead of the fleet's clock for the record to
#: count as fresh: records are stamped by Redis' clock (L{FleetClock}), so more is a daemon of
#: an earlier version stamping by its own clock, or one that could not read Redis' yet; such a
#: record is refreshed rather than taken as fresh until its stamp is past.
FUTURE_TOLERATED = 60.0

#: Seconds a request waits for download counts that wait their turn in pypistats' budget:
#: image proxies such as GitHub's give up after a few seconds.
DOWNLOADS_WAIT = 3.0

T = TypeVar("T")
V = TypeVar("V")


def _remember(kept: Dict[str, V], key: str, value: V) -> None:
    """
    Keep C{value} for C{key} in C{kept}, forgetting the oldest past L{_FAILURES_KEPT}.
    """
    if key not in kept and len(kept) >= _FAILURES_KEPT:
        kept.pop(next(iter(kept)))
    kept[key] = value


@attrs.frozen
class Answer(Generic[T]):
    """
    Facts; whether they are older than their TTL (the upstream is being asked again, or failed
    to answer); and until when they are fresh, so that what is made of them can be kept as long.
    """

    value: T
    stale: bool = False
    fresh_until: float = 0.0


def _pack(fetched_at: float, record: bytes) -> bytes:
    return b"%.3f\n" % fetched_at + record


def _unpack(data: bytes) -> Tuple[float, bytes]:
    fetched_at, _, record = data.partition(b"\n")
    return float(fetched_at), record


class Lookup:
    """
    Package facts and download counts by (valid, normalised) name.

    @param pypi: where package facts come from unless another index is named.
    @param ttl: seconds package facts are fresh (600 in the original).
    @param refresh_at: when pypistats' counts change each day, C{(hours, minutes)} UTC:
        download counts are fresh until then.
    @param downloads_wait: seconds a request waits for counts not kept, before it is
        answered L{Queued} (the fetch goes on).
    @param indexes: the other indexes badges may name, by name.
    @param simple: PyPI's Simple API, where project statuses and provenance are read; without
        it, those badges say the upstream is unavailable.
    @param simple_indexes: the indexes of C{indexes} that have a Simple API, by name.
    @param claims: the fleet's claims, when daemons share the cache: one of them fetches a
        key while the others wait for it. Without, or while Redis does not answer, this
        daemon fetches on its own (still once per key for all its requests). With them,
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
        refresh_at: Tuple[int, int] = REFRESH_AT,
        downloads_wait: float = DOWNLOADS_WAIT,
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
        self._clock = clock
        self._ttl = ttl
        self._refresh_at = refresh_at
        self._downloads_wait = downloads_wait
        self._claims = claims
        self._time = claims.time if claims is not None else FleetClock(None, clock)
        self._in_flight: Dict[str, List[Deferred[Any]]] = {}
        self._failed_at: Dict[str, float] = {}
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
        # PyPI's keys are those of earlier versions, so that an upgrade finds them again.
        key = "pypipins:facts:" if index is None else f"pypipins:index:{index}:facts:"
        if version is None:
            key += name
            fetch = lambda waited_for: source.facts(name)  # noqa: E731
        else:
            key += f"{name}@{version}"
            fetch = lambda waited_for: source.release(name, version)  # noqa: E731
        ttl = self._ttl
        return self._get(
            key, fetch, PackageFacts.from_json, lambda fetched_at: fetched_at + ttl,
            current=lambda facts: facts.current,
        )

    def project(self, name: str, index: Optional[str] = None) -> "Deferred[Answer[ProjectFacts]]":
        """
        What C{name}'s Simple API page says of its status and its files' provenance, on PyPI
        or on the index named C{index} (one of L{simple_indexes}); fails as L{package} does.
        One request per package per TTL serves the project-status and provenance badges.
        """
        key = ("pypipins:simple:" if index is None else f"pypipins:index:{index}:simple:") + name
        ttl = self._ttl
        return self._get(
            key, lambda waited_for: self._simple_source(index).project(name), ProjectFacts.from_json,
            lambda fetched_at: fetched_at + ttl,
        )

    def provenance(
        self, name: str, version: Optional[str] = None, index: Optional[str] = None
    ) -> "Deferred[Answer[ReleaseProvenance]]":
        """
        The files of C{name}'s latest release (or of release C{version}), those attested, and
        who published them, as the first few provenance documents of the release say (each
        kept a week); fails as L{package} does, with L{NotFound} for a release not listed.
        """
        return Deferred.fromCoroutine(self._provenance(name, version, index))

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
        prefix = "pypipins:provenance:" if index is None else f"pypipins:index:{index}:provenance:"
        # asked together: a cold badge waits for the slowest, not for the three in a row
        asked = [self._provenance_document(prefix, path, index) for path in release.provenances]
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

    def _provenance_document(
        self, prefix: str, path: str, index: Optional[str]
    ) -> "Deferred[Answer[Provenance]]":
        # a path may be long, and is the index's to choose: the key is its digest
        key = prefix + hashlib.sha256(path.encode("utf-8")).hexdigest()
        return self._get(
            key, lambda waited_for: self._simple_source(index).provenance(path),
            Provenance.from_json, lambda fetched_at: fetched_at + PROVENANCE_FRESH,
        )

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

    def downloads(self, name: str) -> "Deferred[Answer[Downloads]]":
        """
        The recent downloads of C{name}; fails as L{package} does, and with L{Queued} when
        counts not kept wait their turn in pypistats' budget longer than C{downloads_wait}.
        """
        return self._get(
            f"pypipins:downloads:{name}",
            lambda waited_for: Deferred.fromCoroutine(self._downloads(name, waited_for)),
            Downloads.from_json,
            lambda fetched_at: next_update(fetched_at, self._refresh_at),
            before=lambda: self._known(name),
            wait=self._downloads_wait,
            hurry=lambda: self._stats.hurry(name),
        )

    async def _known(self, name: str) -> None:
        """
        Fails with L{NotFound} when PyPI does not know C{name}: its counts are not worth a
        place in pypistats' budget. Whether PyPI answers or not, counts may be asked for.
        """
        try:
            await self.package(name)
        except Unavailable:
            pass

    async def _downloads(self, name: str, waited_for: bool) -> Downloads:
        try:
            return await self._stats.downloads(name, waited_for)
        except NotFound:
            # pypistats has no counts for a package without downloads in its window (a new
            # or idle one) either: PyPI tells which it is
            await self.package(name)
            return Downloads(last_day=0, last_week=0, last_month=0)

    def _get(
        self,
        key: str,
        fetch: Callable[[bool], "Deferred[Any]"],
        decode: Callable[[bytes], T],
        fresh_until: Callable[[float], float],
        before: Optional[Callable[[], Awaitable[None]]] = None,
        wait: Optional[float] = None,
        hurry: Optional[Callable[[], None]] = None,
        current: Optional[Callable[[T], bool]] = None,
    ) -> "Deferred[Answer[T]]":
        """
        The answer kept for C{key}, else fetched.

        @param fetch: gets the record, told whether a client waits for it (rather than a
            refresh of one kept).
        @param fresh_until: when a record fetched at a time stops being fresh.
        @param before: run before a fetch a client would wait for; what it raises is the
            answer.
        @param wait: seconds a client waits for the fetch before L{Queued}.
        @param hurry: tells a fetch under way (a refresh) that a client now waits for it.
        @param current: whether a record kept says all this version reads; one that does not
            (kept by an earlier version) is fetched again as if none were kept, once.
        """
        async def kept_record() -> Optional[Tuple[float, T]]:
            """
            When the record kept for C{key} was fetched, and what it says; L{None} for none.
            """
            # asked first: a reading of the fleet's clock then due goes to Redis before the
            # read, and is answered before it
            self._time.seconds()
            cached = await self._cache.get(key)
            if cached == ABSENT:
                raise NotFound(key)
            found = None if cached is None else self._decoded(key, cached, decode)
            if found is not None and current is not None and not current(found[1]):
                return None
            return found

        def is_fresh(fetched_at: float, until: float) -> bool:
            now = self._time.seconds()
            return now < until and fetched_at <= now + FUTURE_TOLERATED

        async def fresh() -> Optional[T]:
            """
            The record kept for C{key} if it is fresh: another daemon fetched it meanwhile.
            """
            found = await kept_record()
            if found is None or not is_fresh(found[0], fresh_until(found[0])):
                return None
            return found[1]

        async def get() -> Answer[T]:
            kept = await kept_record()
            if kept is not None:
                fetched_at, value = kept
                until = fresh_until(fetched_at)
                if is_fresh(fetched_at, until):
                    return Answer(value, fresh_until=self._time.local(until))
                if not self._failed_recently(key):
                    # answered now, refreshed for the next request
                    self._shared(key, lambda: fetch(False), fresh).addErrback(
                        self._refresh_failed, key
                    )
                return Answer(value, stale=True)
            if self._failed_recently(key):
                raise Unavailable(f"{key}: the upstream failed less than {RETRY_AFTER} s ago")
            if key in self._in_flight:
                if hurry is not None:
                    hurry()  # a refresh under way, now waited for
            elif before is not None:
                await before()
            shared = self._shared(key, lambda: fetch(True), fresh)
            value = await (shared if wait is None else self._within(shared, wait, key))
            until = fresh_until(self._time.seconds())
            return Answer(value, fresh_until=self._time.local(until))

        return Deferred.fromCoroutine(get())

    def _within(self, d: "Deferred[T]", seconds: float, key: str) -> "Deferred[T]":
        """
        What C{d} gives if it does within C{seconds}, else L{Queued}; C{d} goes on.
        """
        answer: Deferred[T] = Deferred()

        def late() -> None:
            answer.errback(Queued(f"{key}: still queued after {seconds} s"))

        timer = self._clock.callLater(seconds, late)

        def done(result: Any) -> None:
            if timer.active():
                timer.cancel()
                answer.callback(result)

        d.addBoth(done)
        return answer

    def _decoded(
        self, key: str, cached: bytes, decode: Callable[[bytes], T]
    ) -> Optional[Tuple[float, T]]:
        """
        When the record kept for C{key} was fetched, and what it says; L{None} for a record
        that cannot be read as one of its kind, which is then asked for again.
        """
        try:
            fetched_at, record = _unpack(cached)
            decoded = fetched_at, decode(record)
        except Exception as e:  # whatever decoding a foreign record raises: a miss, not a 500
            if key not in self._unreadable:
                _remember(self._unreadable, key, None)
                self._log.warn(
                    "The record kept for {key} cannot be read ({error}): asking again.",
                    key=key, error=repr(e)[:200],
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

    def _failed_recently(self, key: str) -> bool:
        failed_at = self._failed_at.get(key)
        return failed_at is not None and self._clock.seconds() - failed_at < RETRY_AFTER

    def _shared(
        self,
        key: str,
        fetch: Callable[[], "Deferred[Any]"],
        kept: Callable[[], Awaitable[Any]],
    ) -> "Deferred[Any]":
        """
        The record fetched (and stored) for C{key}, or the fetch for it already under way, in
        this daemon or (L{Claims}) in another.

        @param kept: the record kept for C{key} if fresh, else L{None}.
        """
        waiter: Deferred[Any] = Deferred()
        waiters = self._in_flight.get(key)
        if waiters is not None:
            waiters.append(waiter)
            return waiter
        waiters = self._in_flight[key] = [waiter]

        def done(result: Any) -> None:
            del self._in_flight[key]
            for each in waiters:
                each.callback(result)  # a Failure runs each waiter's errbacks

        Deferred.fromCoroutine(self._claimed(key, fetch, kept)).addBoth(done)
        return waiter

    async def _claimed(
        self,
        key: str,
        fetch: Callable[[], "Deferred[Any]"],
        kept: Callable[[], Awaitable[Any]],
    ) -> Any:
        """
        The record of C{key}, fetched by this daemon once it holds the fleet's claim on it,
        or by the daemon that does.
        """
        # A fetch that ended elsewhere between this daemon's miss and its claim left its
        # outcome under the claim (for OUTCOME_FOR): the record need only be looked for
        # again once a claim was found gone.
        gone = False
        while self._claims is not None:
            claim = await self._claims.take(key)
            if claim is None:
                claim = await self._claims.wait(key)
            if claim is Outcome.GONE:
                gone = True
                continue  # its holder died, or its outcome expired: take it
            if claim is Outcome.UNSHARED:
                break
            if claim is Outcome.STUCK:
                # not remembered as failed: the upstream did not fail, and waiting again
                # costs it nothing
                raise Unavailable(
                    f"{key}: another daemon's fetch has not ended in {self._claims.wait_most:.0f} s"
                )
            if claim is Outcome.FAILED:
                _remember(self._failed_at, key, self._clock.seconds())
                raise Unavailable(f"{key}: another daemon's fetch failed")
            if claim is Outcome.DONE:
                record = await kept()
                if record is None:
                    break  # stored elsewhere, not here (Redis lost it): fetch alone
                return record
            assert isinstance(claim, Claim)
            return await self._with_claim(claim, fetch, kept if gone else None)
        return await self._fetch_and_store(key, fetch)

    async def _with_claim(
        self,
        claim: Claim,
        fetch: Callable[[], "Deferred[Any]"],
        kept: Optional[Callable[[], Awaitable[Any]]],
    ) -> Any:
        outcome = Outcome.DONE
        try:
            record = None if kept is None else await kept()
            if record is None:
                record = await self._fetch_and_store(claim.key, fetch)
            return record
        except NotFound:
            raise
        except BaseException:
            outcome = Outcome.FAILED
            raise
        finally:
            await claim.settle(outcome)

    async def _fetch_and_store(self, key: str, fetch: Callable[[], "Deferred[Any]"]) -> Any:
        try:
            record = await fetch()
        except (QueueFull, Dropped) as e:
            # the budget is no upstream failing: asked again, it may have room
            raise Unavailable(f"{key}: {e}")
        except NotFound:
            self._failed_at.pop(key, None)
            await self._cache.set(key, ABSENT, NOT_FOUND_TTL)
            raise
        except Unavailable:
            # logged by the upstream's health, once per incident rather than per package
            _remember(self._failed_at, key, self._clock.seconds())
            raise
        self._failed_at.pop(key, None)
        await self._cache.set(key, _pack(self._time.seconds(), record.to_json()), STALE_FOR)
        self._unreadable.pop(key, None)
        return record
