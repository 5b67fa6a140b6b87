"""
What several daemons sharing one Redis share besides the cache: who fetches which key
(L{Claims}, so that the fleet sends one upstream request per key), the clock records are
stamped and judged fresh by (L{FleetClock}, Redis'), and pypistats' budget (L{SharedBudget},
so that its limits hold for all the daemons together).

Both go through Redis, and both fall back to what one daemon does alone when Redis does not
answer: each daemon coalesces its own requests, and spends its share of the budget.
"""

import enum
import itertools
import os
import socket
import uuid
from collections import deque
from typing import Any, Deque, Optional, Sequence, Tuple

from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.task import deferLater
from twisted.python.failure import Failure

from pypipins.ops.incidents import Incident
from pypipins.store import keys
from pypipins.store.cache import REDIS_CALM
from pypipins.store.redis import RedisConnection, unreachable
from pypipins.upstream.budget import IN_FLIGHT_BOUND, IN_FLIGHT_POLL, RequestBudget

#: Seconds a claim lasts unless its holder renews it: how long the others wait for a daemon
#: that died holding one before they take over.
CLAIM_FOR = 30.0

#: Renewals of a claim still held (a fetch waiting in pypistats' queue may take minutes) per
#: the time it lasts.
RENEWALS = 3

#: Seconds the outcome of a fetch stays under its claim, for those that waited on it to read.
OUTCOME_FOR = 5.0

#: Seconds a daemon waits on a claim held elsewhere, renewed or not, before it gives up: a
#: fetch of PyPI or an index ends within --upstream-timeout, so a holder still fetching after
#: this long is stuck (or its fetch waits its turn in pypistats' budget, and those waiting on
#: it lose nothing by giving up). Without a bound, every request of the key would join the
#: wait for as long as the holder lives.
WAIT_MOST = 2 * CLAIM_FOR

#: Seconds between looks at a claim held elsewhere: the first soon (most fetches take tens of
#: milliseconds), then twice as long each time, up to L{POLL_MAX}.
POLL_FIRST = 0.05
POLL_MAX = 2.0

#: Seconds between two readings of Redis' clock: clocks drift by milliseconds a day, but a
#: machine's may be set anew (NTP stepping it, an operator), and is followed within this.
CLOCK_READ_EVERY = 60.0

#: Seconds before a reading of Redis' clock is tried again when Redis did not answer it, or
#: answered it too slowly to be believed.
CLOCK_READ_AGAIN = 5.0

#: Seconds a reading of Redis' clock may take, there and back, to be believed: the offset is
#: known to half of it. On loopback or a LAN it takes well under a millisecond.
CLOCK_ROUND_TRIP = 0.1

_FETCHING = b"fetching "
_DONE = b"done"
_FAILED = b"failed"

# The claim is only changed by the daemon that holds it.
_SETTLE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if ARGV[3] == '0' then return redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""


def owner_name() -> str:
    """
    A name for this daemon's claims, unique in the fleet: host, process, and a random part
    (a process restarted with the same pid is another owner).
    """
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Outcome(enum.Enum):
    """
    What came of a fetch claimed by another daemon.
    """

    #: The record is in the cache.
    DONE = "done"
    #: The upstream failed.
    FAILED = "failed"
    #: Nobody holds the claim any more (its holder died): take it.
    GONE = "gone"
    #: Redis does not answer: fetch alone.
    UNSHARED = "unshared"
    #: The claim is still held after the longest wait (L{WAIT_MOST}): give up.
    STUCK = "stuck"


class Claim:
    """
    A claim held on a key: kept alive while the fetch goes on, and settled with its outcome.
    """

    def __init__(self, claims: "Claims", key: str) -> None:
        self._claims = claims
        self.key = key
        self._renewal: Optional[IDelayedCall] = None
        self._renew()

    def _renew(self) -> None:
        self._renewal = self._claims.clock.callLater(
            self._claims.claim_for / RENEWALS, self._renewed
        )

    def _renewed(self) -> None:
        self._claims.settle(self.key, b"", 0)
        self._renew()

    def settle(self, outcome: Outcome) -> "Deferred[Any]":
        """
        Tell those who wait on the claim how the fetch ended; the claim is no longer held.
        """
        if self._renewal is not None and self._renewal.active():
            self._renewal.cancel()
        value = _DONE if outcome is Outcome.DONE else _FAILED
        return self._claims.settle(self.key, value, OUTCOME_FOR)


class FleetClock:
    """
    The fleet's one clock, Redis' (C{TIME}): what records are stamped with when fetched and
    judged fresh by, so that daemons whose own clocks disagree (a machine's clock minutes off)
    agree on a record's age. Kept as an offset from this daemon's clock, read again now and
    then (when asked for the time, never by a timer of its own); this daemon's own clock
    until Redis has answered, or without Redis.

    @param redis: the fleet's Redis; L{None} for a daemon on its own.
    @param clock: this daemon's clock.
    """

    def __init__(self, redis: Optional[RedisConnection], clock: IReactorTime) -> None:
        self._redis = redis
        self._clock = clock
        #: Seconds Redis' clock is ahead of this daemon's.
        self.offset = 0.0
        self._read_again = clock.seconds()
        self._reading = False

    def seconds(self) -> float:
        """
        The fleet's time now. (When due, Redis' clock is asked again, for later calls: on
        the connection the commands that follow go by, its answer comes before theirs.)
        """
        now = self._clock.seconds()
        if self._redis is not None and not self._reading and now >= self._read_again:
            self._read(self._redis, now)
        return now + self.offset

    def local(self, seconds: float) -> float:
        """
        The time of this daemon's clock when the fleet's is C{seconds}.
        """
        return seconds - self.offset

    def _read(self, redis: RedisConnection, sent: float) -> None:
        self._reading = True
        self._read_again = sent + CLOCK_READ_AGAIN

        def answered(redis_time: float) -> None:
            received = self._clock.seconds()
            if received - sent <= CLOCK_ROUND_TRIP:
                self.offset = redis_time - (sent + received) / 2
                self._read_again = received + CLOCK_READ_EVERY

        def done(result: Any) -> None:
            # Redis away is logged by the cache; meanwhile the last offset holds
            self._reading = False

        redis.time().addCallback(answered).addBoth(done)


class Claims:
    """
    Claims on the keys this daemon fetches, in the Redis the fleet shares (C{SET NX PX}): one
    daemon fetches a key while the others wait for its outcome, and take over when the claim
    expires because its holder died.

    @param owner: this daemon's name in the fleet (L{owner_name}).
    @param claim_for: seconds a claim lasts unless renewed.
    @param wait_most: seconds a claim held elsewhere is waited on at most.
    """

    def __init__(
        self,
        redis: RedisConnection,
        clock: IReactorTime,
        owner: str,
        claim_for: float = CLAIM_FOR,
        wait_most: float = WAIT_MOST,
    ) -> None:
        self._redis = redis
        self.clock = clock
        self._mine = _FETCHING + owner.encode()
        self.claim_for = claim_for
        self.wait_most = wait_most
        #: The fleet's clock, read in the same Redis.
        self.time = FleetClock(redis, clock)
        self._incident = Incident(
            "Claims in Redis", clock, "this daemon fetches on its own, once per key.",
            calm=REDIS_CALM, unit="commands",
        )

    async def take(self, key: str) -> "Claim | Outcome | None":
        """
        A L{Claim} on C{key} if nobody else holds one; L{None} if someone does;
        L{Outcome.DONE} or L{Outcome.FAILED} if a fetch just ended (its outcome still under
        the claim); L{Outcome.UNSHARED} when Redis does not answer.
        """
        name = keys.claim(key)
        try:
            if await self._redis.set(name, self._mine, self.claim_for, only_if_absent=True):
                return Claim(self, key)
            held = await self._redis.get(name)
        except CancelledError:
            raise  # whoever waited went away: no failure of Redis
        except Exception:  # whatever Redis does: each daemon on its own
            self._failed(Failure())
            return Outcome.UNSHARED
        self._incident.answered()
        return _outcome(held)

    async def wait(self, key: str) -> Outcome:
        """
        The outcome of the fetch of C{key} another daemon holds a claim on, once it has one;
        L{Outcome.STUCK} when it still has none after L{wait_most} seconds.
        """
        delay = POLL_FIRST
        began = self.clock.seconds()
        while True:
            await deferLater(self.clock, delay, lambda: None)
            try:
                held = await self._redis.get(keys.claim(key))
            except CancelledError:
                raise
            except Exception:
                self._failed(Failure())
                return Outcome.UNSHARED
            outcome = _outcome(held)
            if outcome is not None:
                return outcome
            if self.clock.seconds() - began >= self.wait_most:
                return Outcome.STUCK
            delay = min(delay * 2, POLL_MAX)

    def _failed(self, failure: Failure) -> None:
        # Redis away is logged by the cache, and a cancelled command is whoever waited gone;
        # this is Redis refusing what it was asked
        if not unreachable(failure) and not failure.check(CancelledError):
            self._incident.failed(failure.getErrorMessage() or type(failure.value).__name__)

    def settle(self, key: str, value: bytes, seconds: float) -> "Deferred[Any]":
        """
        Replace this daemon's claim on C{key} with C{value} for C{seconds}, or with nothing
        (C{seconds} 0) renew it; not a claim held by another.
        """
        d = self._redis.eval(
            _SETTLE, [keys.claim(key)],
            [self._mine, value, int(seconds * 1000), int(self.claim_for * 1000)],
        )
        return d.addErrback(self._failed)


def _outcome(held: Any) -> Optional[Outcome]:
    if held is None:
        return Outcome.GONE
    if held == _DONE:
        return Outcome.DONE
    if held == _FAILED:
        return Outcome.FAILED
    return None  # still fetching (or a value not ours to read): wait


# KEYS: the times the requests count from (a sorted set, in ms of Redis' clock), and until
# when nothing may be sent. ARGV: this request's name, how long it holds its place while in
# flight (ms), how long to wait when the window is full of requests in flight (ms), then
# (count, window in ms) per limit. Returns 0 when the request is counted, else the ms until
# one may be.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local flight, poll = tonumber(ARGV[2]), tonumber(ARGV[3])
local longest = 0
for i = 4, #ARGV, 2 do longest = math.max(longest, tonumber(ARGV[i + 1])) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local wait = math.max(0, tonumber(redis.call('GET', KEYS[2]) or '0') - now)
for i = 4, #ARGV, 2 do
  local count, window = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local latest = redis.call('ZREVRANGE', KEYS[1], count - 1, count - 1, 'WITHSCORES')
  if latest[2] and tonumber(latest[2]) > now then
    wait = math.max(wait, poll)
  elseif latest[2] and tonumber(latest[2]) + window > now then
    wait = math.max(wait, tonumber(latest[2]) + window - now)
  end
end
if wait > 0 then return wait end
redis.call('ZADD', KEYS[1], now + flight, ARGV[1])
redis.call('PEXPIRE', KEYS[1], longest + flight)
return 0
"""

# KEYS: the times the requests count from. ARGV: the name of a request answered, which counts
# from now (if its place has not lapsed).
_ANSWERED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 0
"""

# KEYS: until when nothing may be sent. ARGV: ms from now.
_HOLD = """
local t = redis.call('TIME')
local held_until = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
if held_until > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], held_until, 'PX', ARGV[1])
end
return 0
"""


class SharedBudget:
    """
    An upstream's limits for the whole fleet: moving windows counted in Redis, by Redis'
    clock, in one script (so that no two daemons spend the same place). When Redis does not
    answer, a daemon spends from its own budget: the limits divided by C{fleet_size}.

    @param name: the upstream's, naming the keys.
    @param limits: C{(count, seconds)} for each window.
    @param margin: seconds added to each window (L{ARRIVAL_MARGIN}).
    @param owner: this daemon's name in the fleet, naming its requests.
    """

    def __init__(
        self,
        redis: RedisConnection,
        clock: IReactorTime,
        name: str,
        limits: Sequence[Tuple[int, float]],
        margin: float,
        owner: str,
        fleet_size: int = 1,
    ) -> None:
        self._redis = redis
        self._keys = keys.budget(name)
        self._limits = [
            value for count, seconds in limits for value in (count, int((seconds + margin) * 1000))
        ]
        self._names = (f"{owner}:{n}" for n in itertools.count())
        self._incident = Incident(
            f"{name}'s budget in Redis", clock,
            f"this daemon spends its own share of it, 1/{fleet_size}.",
            calm=REDIS_CALM, unit="commands",
        )
        #: What this daemon spends when Redis does not answer.
        self.alone = RequestBudget(
            clock, [(max(1, count // fleet_size), seconds) for count, seconds in limits], margin,
        )
        #: This daemon's requests in flight, oldest first: each one's name in Redis, or
        #: L{None} for one spent from L{alone}.
        self._flying: Deque[Optional[str]] = deque()

    def reserve(self) -> "Deferred[float]":
        """
        0 when a request has been counted in the budget, else the seconds until one may be.
        """
        name = next(self._names)
        d = self._redis.eval(
            _RESERVE, self._keys,
            [name, int(IN_FLIGHT_BOUND * 1000), int(IN_FLIGHT_POLL * 1000), *self._limits],
        )
        d.addCallbacks(self._counted, self._alone, callbackArgs=(name,))
        return d

    def _counted(self, ms: Any, name: str) -> float:
        self._incident.answered()
        if int(ms) == 0:
            self._flying.append(name)
        return int(ms) / 1000

    def _alone(self, failure: Failure) -> "Deferred[float] | Failure":
        if failure.check(CancelledError):
            return failure  # whoever asked went away: no failure of Redis
        # Redis away is logged by the cache; this is Redis refusing the script
        if not unreachable(failure):
            self._incident.failed(failure.getErrorMessage() or type(failure.value).__name__)
        return self.alone.reserve().addCallback(self._spent_alone)

    def _spent_alone(self, wait: float) -> float:
        if wait == 0:
            self._flying.append(None)
        return wait

    def answered(self) -> None:
        """
        This daemon's oldest request in flight has its answer: it counts from now, by Redis'
        clock (if Redis does not answer, its place lapses after L{IN_FLIGHT_BOUND}).
        """
        if not self._flying:
            return
        name = self._flying.popleft()
        if name is None:
            self.alone.answered()
            return
        self._redis.eval(_ANSWERED, self._keys[:1], [name]).addErrback(lambda _: None)

    def hold(self, seconds: float) -> None:
        """
        Nothing is sent by any daemon for C{seconds} (the upstream answered 429).
        """
        self.alone.hold(seconds)
        self._redis.eval(_HOLD, self._keys[1:], [int(seconds * 1000)]).addErrback(lambda _: None)

