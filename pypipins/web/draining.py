"""
A clean stop. Told to stop (SIGTERM from C{docker stop}, systemd or supervisor; SIGINT), twistd
stops every service at once and, as soon as they have, drops every connection: an answer still
waiting on PyPI or a raster worker is cut, and the client gets no answer at all.

Here the badge port closes first (no new connection), the answers in flight are then given
L{DRAIN_SECONDS} to finish, and only after that do the parts they use (Redis, the raster workers,
the threads) stop: L{InFlight} counts the requests being answered, L{Draining} waits for them,
and L{InTurn} stops a service's parts one after another.
"""

from typing import Any, List, cast

from twisted.application.service import MultiService, Service
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.web.resource import IResource, Resource, getChildForRequest
from twisted.web.iweb import IRequest
from twisted.web.server import Request

#: Seconds the answers in flight have to finish once a stop is asked for. Below the 10 s that
#: C{docker stop} and C{podman stop} wait before SIGKILL, with room for the rest to stop; an
#: answer that waits longer on an upstream (C{--upstream-timeout} is 10 s) is cut.
DRAIN_SECONDS = 5.0

_log = Logger()


class InFlight:
    """
    How many requests are being answered, and a Deferred for when none is.
    """

    def __init__(self) -> None:
        self.count = 0
        self._waiting: List[Deferred[None]] = []

    def started(self) -> None:
        self.count += 1

    def finished(self) -> None:
        self.count -= 1
        if self.count == 0:
            waiting, self._waiting = self._waiting, []
            for waiter in waiting:
                waiter.callback(None)

    def idle(self) -> "Deferred[None]":
        """
        Fires when no request is being answered: at once if none is.
        """
        if self.count == 0:
            return succeed(None)
        waiter: Deferred[None] = Deferred(lambda d: self._waiting.remove(d))
        self._waiting.append(waiter)
        return waiter


class Counted(Resource):
    """
    C{resource}'s answers, counted in C{in_flight} from when a request reaches it until its
    answer is sent or its client has gone.
    """

    # every request comes here whole; the wrapped tree is walked as the site would walk it
    isLeaf = True

    def __init__(self, resource: IResource, in_flight: InFlight) -> None:
        super().__init__()
        self._resource = resource
        self._in_flight = in_flight

    def render(self, request: IRequest) -> Any:
        self._in_flight.started()
        # a Site's requests are Requests: IRequest does not say notifyFinish
        cast(Request, request).notifyFinish().addBoth(lambda _: self._in_flight.finished())
        return getChildForRequest(self._resource, request).render(request)


class Draining(Service):
    """
    A service whose stop waits until C{in_flight} has no request, for C{patience} seconds at
    most. Put after the parts the requests use and before the port that takes them, in an
    L{InTurn}: the port stops listening, then this waits, then the parts stop.
    """

    def __init__(self, in_flight: InFlight, clock: IReactorTime,
                 patience: float = DRAIN_SECONDS) -> None:
        self._in_flight = in_flight
        self._clock = clock
        self._patience = patience

    def stopService(self) -> "Deferred[None]":
        super().stopService()
        if self._in_flight.count:
            _log.info("Stopping: {count} answers in flight, {patience} s to finish them",
                      count=self._in_flight.count, patience=self._patience)
        idle = self._in_flight.idle()
        idle.addTimeout(self._patience, self._clock, onTimeoutCancel=self._cut)
        return idle

    def _cut(self, result: Any, timeout: float) -> None:
        _log.warn("Stopping: {count} answers still in flight after {timeout} s, cut",
                  count=self._in_flight.count, timeout=timeout)


class InTurn(MultiService):
    """
    A L{MultiService} whose parts stop one after another, the last added first, each once the
    one before has stopped (Twisted's stops them all at once): a part added after those it
    uses stops before them. A part that fails to stop is logged, and the next stops all the same.
    """

    def stopService(self) -> "Deferred[None]":
        Service.stopService(self)
        return Deferred.fromCoroutine(self._stop_in_turn(list(reversed(list(self)))))

    async def _stop_in_turn(self, services: List[Any]) -> None:
        for service in services:
            try:
                await maybeDeferred(service.stopService)
            except Exception:
                _log.failure("Stopping {service}", service=service)
