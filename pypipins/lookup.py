"""
Where a badge's facts come from: the cache, else the upstream, with one upstream request in
flight per package however many badges wait for it.
"""

from typing import Any, Callable, Dict, List, TypeVar

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from pypipins.cache import FallbackCache, MemoryCache
from pypipins.facts import Downloads, NotFound, PackageFacts
from pypipins.pypi import PyPI
from pypipins.pypistats import PyPIStats

#: Seconds a package that does not exist is remembered, so that a flood of made-up names
#: costs one upstream request per name per minute while a new package shows up soon.
NOT_FOUND_TTL = 60

#: What the cache holds for a package the upstream does not know.
_NOT_FOUND = b"404"

T = TypeVar("T")


class Lookup:
    """
    Package facts and download counts by (valid, normalised) name.

    @param ttl: seconds an upstream answer is kept (600 in the original).
    """

    def __init__(
        self, cache: "FallbackCache | MemoryCache", pypi: PyPI, stats: PyPIStats, ttl: float
    ) -> None:
        self._cache = cache
        self._pypi = pypi
        self._stats = stats
        self._ttl = ttl
        self._in_flight: Dict[str, List["Deferred[Any]"]] = {}

    def package(self, name: str) -> "Deferred[PackageFacts]":
        """
        The facts of C{name}; fails with L{NotFound} or L{Unavailable}.
        """
        return self._get(
            f"pypipins:facts:{name}", lambda: self._pypi.facts(name), PackageFacts.from_json
        )

    def downloads(self, name: str) -> "Deferred[Downloads]":
        """
        The recent downloads of C{name}; fails with L{NotFound} or L{Unavailable}.
        """
        return self._get(
            f"pypipins:downloads:{name}", lambda: self._stats.downloads(name), Downloads.from_json
        )

    def _get(
        self, key: str, fetch: Callable[[], "Deferred[Any]"], decode: Callable[[bytes], T]
    ) -> "Deferred[T]":
        async def get() -> T:
            cached = await self._cache.get(key)
            if cached is None:
                return await self._shared(key, lambda: self._fetch_and_store(key, fetch))
            if cached == _NOT_FOUND:
                raise NotFound(key)
            return decode(cached)

        return Deferred.fromCoroutine(get())

    async def _fetch_and_store(self, key: str, fetch: Callable[[], "Deferred[Any]"]) -> Any:
        try:
            record = await fetch()
        except NotFound:
            await self._cache.set(key, _NOT_FOUND, NOT_FOUND_TTL)
            raise
        await self._cache.set(key, record.to_json(), self._ttl)
        return record

    def _shared(self, key: str, work: Callable[[], Any]) -> "Deferred[Any]":
        """
        The result of C{work()}, or of the run of it for C{key} that is already under way.
        """
        waiter: "Deferred[Any]" = Deferred()
        waiters = self._in_flight.get(key)
        if waiters is not None:
            waiters.append(waiter)
            return waiter
        waiters = self._in_flight[key] = [waiter]

        def done(result: "Any | Failure") -> None:
            del self._in_flight[key]
            for each in waiters:
                each.callback(result)  # a Failure runs each waiter's errbacks

        Deferred.fromCoroutine(work()).addBoth(done)
        return waiter
