"""
Where a badge's facts come from: the cache, else the upstream, with one upstream request in
flight per package however many badges wait for it.

Each answer is kept for a week. Younger than its TTL it is simply served; older, it is still
served at once (marked stale) while a fresh one is fetched in the background, and it goes on
being served while the upstream fails, so that after its first fetch a package's badges never
wait on, nor break with, the upstream.
"""

from typing import Any, Callable, Dict, Generic, List, Mapping, Optional, Protocol, Tuple, TypeVar

import attrs
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from pypipins.cache import ABSENT, FallbackCache, MemoryCache
from pypipins.facts import Downloads, NotFound, PackageFacts, Unavailable
from pypipins.pypistats import PyPIStats

#: Seconds the last good answer is kept, to be served when the upstream fails.
STALE_FOR = 7 * 24 * 60 * 60

#: Seconds a package that does not exist is remembered, so that a flood of made-up names
#: costs one upstream request per name per minute while a new package shows up soon.
NOT_FOUND_TTL = 60

#: Seconds after a failed request before the upstream is asked again for the same package:
#: a failing upstream is not hammered by every badge request meanwhile.
RETRY_AFTER = 30

#: Failures remembered at most; past this the oldest are forgotten (and may be retried early).
_FAILURES_KEPT = 10_000

T = TypeVar("T")


class PackageSource(Protocol):
    """
    Where package facts come from: PyPI's JSON API (L{pypipins.pypi.PyPI}) or another index.
    Both methods take a valid, normalised name, and fail with L{NotFound} or L{Unavailable}.
    """

    def facts(self, name: str) -> "Deferred[PackageFacts]":
        """
        The facts of the latest release.
        """

    def release(self, name: str, version: str) -> "Deferred[PackageFacts]":
        """
        The facts of release C{version}, a normalised PEP 440 version.
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
    @param downloads_ttl: seconds download counts are fresh; pypistats changes once a day.
    @param indexes: the other indexes badges may name, by name.
    """

    _log = Logger()

    def __init__(
        self,
        cache: "FallbackCache | MemoryCache",
        pypi: PackageSource,
        stats: PyPIStats,
        clock: IReactorTime,
        ttl: float,
        downloads_ttl: float,
        indexes: Optional[Mapping[str, PackageSource]] = None,
    ) -> None:
        self._cache = cache
        self._pypi = pypi
        self.indexes: Mapping[str, PackageSource] = dict(indexes or {})
        self._stats = stats
        self._clock = clock
        self._ttl = ttl
        self._downloads_ttl = downloads_ttl
        self._in_flight: Dict[str, List["Deferred[Any]"]] = {}
        self._failed_at: Dict[str, float] = {}

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
            fetch = lambda: source.facts(name)  # noqa: E731
        else:
            key += f"{name}@{version}"
            fetch = lambda: source.release(name, version)  # noqa: E731
        return self._get(key, fetch, PackageFacts.from_json, self._ttl)

    def downloads(self, name: str) -> "Deferred[Answer[Downloads]]":
        """
        The recent downloads of C{name}; fails as L{package} does.
        """
        return self._get(
            f"pypipins:downloads:{name}", lambda: self._stats.downloads(name),
            Downloads.from_json, self._downloads_ttl,
        )

    def _get(
        self,
        key: str,
        fetch: Callable[[], "Deferred[Any]"],
        decode: Callable[[bytes], T],
        ttl: float,
    ) -> "Deferred[Answer[T]]":
        async def get() -> Answer[T]:
            cached = await self._cache.get(key)
            if cached == ABSENT:
                raise NotFound(key)
            kept = None if cached is None else self._decoded(key, cached, decode)
            if kept is not None:
                fetched_at, value = kept
                if self._clock.seconds() - fetched_at < ttl:
                    return Answer(value, fresh_until=fetched_at + ttl)
                if not self._failed_recently(key):
                    # answered now, refreshed for the next request
                    self._shared(key, fetch).addErrback(lambda _: None)
                return Answer(value, stale=True)
            if self._failed_recently(key):
                raise Unavailable(f"{key}: the upstream failed less than {RETRY_AFTER} s ago")
            value = await self._shared(key, fetch)
            return Answer(value, fresh_until=self._clock.seconds() + ttl)

        return Deferred.fromCoroutine(get())

    def _decoded(
        self, key: str, cached: bytes, decode: Callable[[bytes], T]
    ) -> Optional[Tuple[float, T]]:
        """
        When the record kept for C{key} was fetched, and what it says; L{None} for a record
        that cannot be read as one of its kind, which is then asked for again.
        """
        try:
            fetched_at, record = _unpack(cached)
            return fetched_at, decode(record)
        except Exception as e:  # whatever decoding a foreign record raises: a miss, not a 500
            self._log.warn(
                "The record kept for {key} cannot be read ({error}): asking again.",
                key=key, error=repr(e)[:200],
            )
            return None

    def _failed_recently(self, key: str) -> bool:
        failed_at = self._failed_at.get(key)
        return failed_at is not None and self._clock.seconds() - failed_at < RETRY_AFTER

    def _shared(self, key: str, fetch: Callable[[], "Deferred[Any]"]) -> "Deferred[Any]":
        """
        The record fetched (and stored) for C{key}, or the fetch for it already under way.
        """
        waiter: "Deferred[Any]" = Deferred()
        waiters = self._in_flight.get(key)
        if waiters is not None:
            waiters.append(waiter)
            return waiter
        waiters = self._in_flight[key] = [waiter]

        def done(result: Any) -> None:
            del self._in_flight[key]
            for each in waiters:
                each.callback(result)  # a Failure runs each waiter's errbacks

        Deferred.fromCoroutine(self._fetch_and_store(key, fetch)).addBoth(done)
        return waiter

    async def _fetch_and_store(self, key: str, fetch: Callable[[], "Deferred[Any]"]) -> Any:
        try:
            record = await fetch()
        except NotFound:
            self._failed_at.pop(key, None)
            await self._cache.set(key, ABSENT, NOT_FOUND_TTL)
            raise
        except Unavailable:
            # logged by the upstream's health, once per incident rather than per package
            if len(self._failed_at) >= _FAILURES_KEPT:
                self._failed_at.pop(next(iter(self._failed_at)))
            self._failed_at[key] = self._clock.seconds()
            raise
        self._failed_at.pop(key, None)
        await self._cache.set(key, _pack(self._clock.seconds(), record.to_json()), STALE_FOR)
        return record
