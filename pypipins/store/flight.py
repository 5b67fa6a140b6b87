"""
One fetch per key in flight: the requests of a daemon for a key share one fetch, and with the
fleet's claims (L{Claims}) the daemons that share a Redis share one too. A key whose fetch
failed is not fetched again for L{RETRY_AFTER} seconds: a failing upstream is not hammered by
every badge request meanwhile.
"""

from typing import Any, Awaitable, Callable, Dict, List, Optional, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from pypipins.facts import NotFound, Unavailable
from pypipins.store.fleet import Claim, Claims, Outcome

#: Seconds after a failed request before the upstream is asked again for the same key.
RETRY_AFTER = 30

#: Keys remembered at most; past this the oldest are forgotten (a failure may be retried early).
KEPT_MOST = 10_000

T = TypeVar("T")
V = TypeVar("V")


def remember(kept: Dict[str, V], key: str, value: V) -> None:
    """
    Keep C{value} for C{key} in C{kept}, forgetting the oldest past L{KEPT_MOST}.
    """
    if key not in kept and len(kept) >= KEPT_MOST:
        kept.pop(next(iter(kept)))
    kept[key] = value


class Flights:
    """
    The fetches under way, by key, in this daemon and (with C{claims}) in the fleet.

    @param claims: the fleet's claims, when daemons share the cache: one of them fetches a
        key while the others wait for it. Without, or while Redis does not answer, this
        daemon fetches on its own (still once per key for all its requests).
    """

    def __init__(self, clock: IReactorTime, claims: Optional[Claims] = None) -> None:
        self._clock = clock
        self._claims = claims
        self._in_flight: Dict[str, List[Deferred[Any]]] = {}
        self._failed_at: Dict[str, float] = {}

    def in_flight(self, key: str) -> bool:
        """
        Whether this daemon fetches C{key} now.
        """
        return key in self._in_flight

    def failed_recently(self, key: str) -> bool:
        """
        Whether a fetch of C{key} failed less than L{RETRY_AFTER} seconds ago.
        """
        failed_at = self._failed_at.get(key)
        return failed_at is not None and self._clock.seconds() - failed_at < RETRY_AFTER

    def failed(self, key: str) -> None:
        """
        A fetch of C{key} failed now: the upstream is not asked for it again for a while.
        """
        remember(self._failed_at, key, self._clock.seconds())

    def answered(self, key: str) -> None:
        """
        The upstream answered for C{key} (or says there is no such thing): ask again when due.
        """
        self._failed_at.pop(key, None)

    def shared(
        self,
        key: str,
        fetch: Callable[[], Awaitable[T]],
        kept: Callable[[], Awaitable[Optional[T]]],
    ) -> "Deferred[T]":
        """
        What C{fetch} gives (it fetches and stores the record of C{key}, telling L{failed}
        and L{answered}), or the fetch for C{key} already under way, in this daemon or
        (L{Claims}) in another.

        @param kept: the record kept for C{key} if fresh, else L{None}: read when another
            daemon's fetch is over.
        """
        waiter: Deferred[T] = Deferred()
        waiters = self._in_flight.get(key)
        if waiters is not None:
            waiters.append(waiter)
            return waiter
        self._in_flight[key] = [waiter]
        Deferred.fromCoroutine(self._claimed(key, fetch, kept)).addBoth(self._landed, key)
        return waiter

    def _landed(self, result: Any, key: str) -> None:
        for each in self._in_flight.pop(key):
            each.callback(result)  # a Failure runs each waiter's errbacks

    async def _claimed(
        self,
        key: str,
        fetch: Callable[[], Awaitable[T]],
        kept: Callable[[], Awaitable[Optional[T]]],
    ) -> T:
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
                self.failed(key)
                raise Unavailable(f"{key}: another daemon's fetch failed")
            if claim is Outcome.DONE:
                record = await kept()
                if record is None:
                    break  # stored elsewhere, not here (Redis lost it): fetch alone
                return record
            assert isinstance(claim, Claim)
            return await self._with_claim(claim, fetch, kept if gone else None)
        return await fetch()

    async def _with_claim(
        self,
        claim: Claim,
        fetch: Callable[[], Awaitable[T]],
        kept: Optional[Callable[[], Awaitable[Optional[T]]]],
    ) -> T:
        outcome = Outcome.DONE
        try:
            record = None if kept is None else await kept()
            if record is None:
                record = await fetch()
            return record
        except NotFound:
            raise
        except BaseException:
            outcome = Outcome.FAILED
            raise
        finally:
            await claim.settle(outcome)
