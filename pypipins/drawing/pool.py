"""
Rasters drawn in worker processes (L{pypipins.drawing.worker}), so that a rasterizer that
panics, aborts, segfaults or hangs costs one drawing, never the daemon, and so that drawing
leaves the reactor's thread.

A worker that dies is replaced; one that takes longer than the time limit is killed and
replaced. The drawing it was on fails with L{CannotDraw}, and the failure is remembered,
keyed by a digest of what was drawn, so that the same request does not reach a worker again.

The workers are shared between clients (L{Origin.client}): a free worker takes the oldest
drawing of the client that holds the fewest workers, the one served longest ago among equals, so
that one client asking for many costly drawings at once does not make the others wait behind
them; when too many wait, the client with the most waiting gives up its newest for a client
with fewer. Drawings of what a client made (L{Origin.client_made}: a logo of theirs) hold at
most all the workers but one, under a shorter time limit, so that rasters of badges as the
service draws them always find a worker.
"""

import hashlib
import itertools
import os
import re
import sys
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Deque, Dict, Iterable, List, Mapping, Optional, Set, Tuple

from twisted.application.service import Service
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.error import ProcessExitedAlready
from twisted.internet.interfaces import IDelayedCall, IReactorProcess, IReactorTime
from twisted.internet.protocol import ProcessProtocol
from twisted.logger import Logger
from twisted.python.failure import Failure

# as a module: its FAILED (a frame's first byte) is not the drawer's FAILED (a reason)
from pypipins.drawing import worker as drawworker
from pypipins.drawing.drawer import (
    ANYONE, FAILED, TIMED_OUT, WORKER_DIED, CannotDraw, DrawersBusy, Origin,
)
from pypipins.ops.incidents import Incident

if TYPE_CHECKING:
    from pypipins.ops.metrics import Metrics

#: Worker processes; drawing takes 2-5 ms, so two keep up with hundreds of new rasters a second.
WORKERS = 2

#: Seconds a worker has to draw one raster before it is killed: drawing takes a few ms.
TIME_LIMIT = 5.0

#: Seconds for a drawing of what a client made (a logo of theirs), at most: it holds nothing
#: slow once checked (L{pypipins.render.logo_check}), and drawing it takes milliseconds too;
#: a worker held longer is one the others go without.
CLIENT_MADE_TIME_LIMIT = 2.0

#: Drawings that may wait for a worker; past it the answer is "busy, try again".
MAX_WAITING = 100

#: Seconds a drawing may wait for a worker before it is answered "busy": more than a browser
#: waits for an image; it bounds the wait when no worker can start at all.
WAIT_LIMIT = 30.0

#: Failures remembered (a digest and a reason each, well under 1 KB), and for how long: a
#: drawing that failed or killed its worker would do it again; one that took too long might
#: have been slowed by the machine, so it is tried again sooner.
REMEMBERED = 10_000
REMEMBERED_FOR = {FAILED: 24 * 60 * 60.0, WORKER_DIED: 24 * 60 * 60.0, TIMED_OUT: 10 * 60.0}

#: Seconds a stopping worker has to end after SIGTERM before it gets SIGKILL.
STOP_GRACE = 2.0

#: Longest wait, in seconds, before starting a worker again after one ended before it was
#: ready (a broken installation): the wait doubles from a second up to this.
RESTART_DELAY_MAX = 30.0

#: Bytes of a worker's stderr kept for the log line when it dies: a Rust panic's message.
STDERR_KEPT = 300

#: What a worker's environment keeps of the daemon's: what finds and runs the interpreter
#: and its libraries, the locale, and PyPy's collector settings. Nothing else: the daemon's
#: may hold index credentials (C{--index NAME=URL,auth=env:VARIABLE}) or a Redis password,
#: which a process drawing what clients send has no use for.
WORKER_VARIABLES = frozenset({
    "PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR", "LD_LIBRARY_PATH",
    "PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONSAFEPATH", "PYTHONDONTWRITEBYTECODE",
    "PYTHONHASHSEED", "PYTHONMALLOC", "PYTHONFAULTHANDLER", "PYTHONUTF8", "PYTHONIOENCODING",
})
WORKER_VARIABLE_PREFIXES = ("LC_", "PYPY_GC_")

_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def worker_environment(environ: Mapping[str, str]) -> Dict[str, str]:
    """
    The environment a worker is started with, of the daemon's C{environ}.
    """
    return {
        name: value for name, value in environ.items()
        if name in WORKER_VARIABLES or name.startswith(WORKER_VARIABLE_PREFIXES)
    }


def _key(svg: str, ext: str) -> bytes:
    return hashlib.sha256(ext.encode("ascii") + b"\0" + svg.encode("utf-8")).digest()


def _what(svg: str) -> str:
    """
    What a badge says, for the log: cut short, and escaped to ASCII (bidi controls and
    right-to-left letters would reorder the line), since the client chose it.
    """
    title = _TITLE.search(svg)
    text = title.group(1) if title else svg
    return ascii(text[:80]) + ("..." if len(text) > 80 else "")


class _Job:
    """
    One drawing, waited for by one request or more; in the turn of the client who asked first.
    """

    def __init__(self, key: bytes, svg: str, ext: str, origin: Origin, time_limit: float) -> None:
        self.key = key
        self.ext = ext
        self.what = _what(svg)
        self.request = drawworker.request(svg, ext)
        self.client = origin.client
        self.client_made = origin.client_made
        self.time_limit = time_limit
        self.waiters: List[Deferred[bytes]] = []
        #: While the job waits for a worker: when it stops waiting.
        self.expiry: Optional[IDelayedCall] = None


class _Worker(ProcessProtocol):
    """
    One worker process: frames in and out, and the drawing it is on.
    """

    def __init__(self, pool: "DrawingPool") -> None:
        self.pool = pool
        self.pid: Optional[int] = None
        #: Warmed up, and has said so.
        self.ready = False
        #: Sent a signal to end.
        self.ending = False
        self.job: Optional[_Job] = None
        self.deadline: Optional[IDelayedCall] = None
        self.stderr = b""
        self._buffer = bytearray()

    def connectionMade(self) -> None:
        assert self.transport is not None
        self.pid = self.transport.pid

    def send(self, job: _Job) -> None:
        self.job = job
        self.stderr = b""
        assert self.transport is not None
        self.transport.write(job.request)

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        if childFD == 2:
            if len(self.stderr) < STDERR_KEPT:
                self.stderr = (self.stderr + data)[:STDERR_KEPT]
            return
        if self.ending:  # killed, or being stopped: whatever it still says is not waited for
            return
        self._buffer += data
        while len(self._buffer) >= drawworker.HEADER.size:
            (size,) = drawworker.HEADER.unpack_from(self._buffer)
            if size > drawworker.MAX_FRAME:
                self.pool._garbled(self)
                return
            end = drawworker.HEADER.size + size
            if len(self._buffer) < end:
                return
            payload = bytes(self._buffer[drawworker.HEADER.size : end])
            del self._buffer[:end]
            self.pool._answered(self, payload[:1], payload[1:])

    @property
    def idle(self) -> bool:
        return self.ready and not self.ending and self.job is None

    def signal(self, name: str) -> None:
        self.ending = True
        assert self.transport is not None
        try:
            self.transport.signalProcess(name)
        except ProcessExitedAlready:
            pass

    def processEnded(self, reason: Failure) -> None:
        self.pool._ended(self, reason)


def _ending(reason: Failure) -> str:
    signal = getattr(reason.value, "signal", None)
    if signal is not None:
        return f"killed by signal {signal}"
    return f"exited with status {getattr(reason.value, 'exitCode', None)}"


class DrawingPool(Service):
    """
    A L{pypipins.drawing.drawer.RasterDrawer} whose drawings are made by C{workers} processes,
    started with the service (warmed up, since PyPy's take a while) and stopped with it.

    @param reactor: spawns the workers.
    @param clock: times the drawings; the reactor by default.
    @param target: the worker's drawing function, C{module:function}.
    @param env: the workers' environment; by default what L{worker_environment} keeps of
        the daemon's.
    @param client_made_time_limit: the time limit of drawings of what a client made, at
        most C{time_limit}.
    """

    _log = Logger()

    def __init__(
        self,
        reactor: IReactorProcess,
        metrics: "Optional[Metrics]" = None,
        workers: int = WORKERS,
        time_limit: float = TIME_LIMIT,
        max_waiting: int = MAX_WAITING,
        clock: Optional[IReactorTime] = None,
        target: str = drawworker.DEFAULT_TARGET,
        env: Optional[Mapping[str, str]] = None,
        remembered: int = REMEMBERED,
        client_made_time_limit: float = CLIENT_MADE_TIME_LIMIT,
    ) -> None:
        self._reactor = reactor
        self._clock: IReactorTime = clock if clock is not None else reactor  # type: ignore[assignment]
        self._metrics = metrics
        self._size = workers
        self._time_limit = time_limit
        self._client_made_time_limit = min(time_limit, client_made_time_limit)
        #: Workers drawings of what clients made may hold at once: one is always left for
        #: the others, unless there is only one.
        self._client_made_workers = max(1, workers - 1)
        self._max_waiting = max_waiting
        self._target = target
        self._env = env
        self._remembered_max = remembered
        self._workers: Set[_Worker] = set()
        #: Each client's drawings waiting, oldest first.
        self._waiting: Dict[str, Deque[_Job]] = {}
        self._waiting_count = 0
        #: Workers drawing for each client, and drawing what clients made.
        self._held: Dict[str, int] = {}
        self._held_client_made = 0
        #: When each client waiting or drawing was last given a worker, counted in turns.
        self._served: Dict[str, int] = {}
        self._turns = itertools.count()
        self._jobs: Dict[bytes, _Job] = {}
        self._failures: OrderedDict[bytes, Tuple[float, CannotDraw]] = OrderedDict()
        self._starts: Set[IDelayedCall] = set()
        self._restart_delay = 0.0
        self._starting = Incident(
            "Raster workers", self._clock, "starting them again less and less often, up to "
            f"every {RESTART_DELAY_MAX:g} s; rasters wait, then are answered 503.", unit="starts",
        )
        self._stopped: Optional[Deferred[None]] = None
        self._stop_kill: Optional[IDelayedCall] = None

    @property
    def pids(self) -> List[int]:
        """
        The process ids of the workers alive.
        """
        return sorted(w.pid for w in self._workers if w.pid is not None)

    def startService(self) -> None:
        super().startService()
        self._restart_delay = 0.0
        for _ in range(self._size):
            self._start()

    def stopService(self) -> "Deferred[None]":
        super().stopService()
        for call in self._starts:
            call.cancel()
        self._starts.clear()
        for job in list(self._all_waiting()):
            self._unqueue(job)
            self._fail(job, DrawersBusy())
        if not self._workers:
            return succeed(None)
        self._stopped = Deferred()
        for worker in self._workers:
            worker.signal("TERM")
        self._stop_kill = self._clock.callLater(STOP_GRACE, self._kill_all)
        return self._stopped

    def _kill_all(self) -> None:
        self._stop_kill = None
        for worker in self._workers:
            worker.signal("KILL")

    def draw(self, svg: str, ext: str, origin: Origin = ANYONE) -> "Deferred[bytes]":
        key = _key(svg, ext)
        failure = self._remembered(key)
        if failure is not None:
            if self._metrics is not None:
                self._metrics.raster_failures_remembered.inc()
            return fail(CannotDraw(ext, failure.reason, failure.detail, remembered=True))
        if not self.running:
            return fail(DrawersBusy())
        job = self._jobs.get(key)
        if job is None:
            time_limit = self._client_made_time_limit if origin.client_made else self._time_limit
            job = _Job(key, svg, ext, origin, time_limit)
            if not self._make_room(job):
                return fail(DrawersBusy())
            self._jobs[key] = job
            job.expiry = self._clock.callLater(WAIT_LIMIT, self._expired, job)
            self._waiting.setdefault(job.client, deque()).append(job)
            self._waiting_count += 1
        waiter: Deferred[bytes] = Deferred(lambda d: self._cancelled(job, d))
        job.waiters.append(waiter)
        self._dispatch()
        return waiter

    def _make_room(self, job: _Job) -> bool:
        """
        Whether C{job} may wait: while fewer than C{max_waiting} do, or a worker takes it at
        once; else if the client with the most waiting has more than this one's client will
        have, that client's newest gives up its place.
        """
        if self._waiting_count < self._max_waiting or self._takes_now(job):
            return True
        if not self._waiting:
            return False
        busiest = max(self._waiting, key=lambda client: len(self._waiting[client]))
        if len(self._waiting[busiest]) <= len(self._waiting.get(job.client, ())) + 1:
            return False
        newest = self._waiting[busiest][-1]
        self._unqueue(newest)
        self._fail(newest, DrawersBusy())
        return True

    def _takes_now(self, job: _Job) -> bool:
        return self._idle() is not None and (
            not job.client_made or self._held_client_made < self._client_made_workers
        )

    # -- workers --------------------------------------------------------------------------

    def _start(self) -> None:
        if not self.running:
            return
        worker = _Worker(self)
        try:
            self._reactor.spawnProcess(
                worker, sys.executable, [sys.executable, "-m", "pypipins.drawing.worker", self._target],
                env=worker_environment(os.environ) if self._env is None else dict(self._env),
                childFDs={0: "w", 1: "r", 2: "r"},
            )
        except OSError as e:  # out of processes or memory for a moment
            self._cannot_start(f"cannot spawn one: {e}")
            return
        self._workers.add(worker)

    def _start_later(self, delay: float) -> None:
        def start() -> None:
            self._starts.discard(call)
            self._start()

        call = self._clock.callLater(delay, start)
        self._starts.add(call)

    def _idle(self) -> Optional[_Worker]:
        return next((w for w in self._workers if w.idle), None)

    def _dispatch(self) -> None:
        while self._waiting_count:
            worker = self._idle()
            if worker is None:
                return
            job = self._next()
            if job is None:  # only drawings of what clients made wait, and they hold their share
                return
            self._unqueue(job)
            self._served[job.client] = next(self._turns)
            self._held[job.client] = self._held.get(job.client, 0) + 1
            if job.client_made:
                self._held_client_made += 1
            worker.deadline = self._clock.callLater(job.time_limit, self._timed_out, worker)
            worker.send(job)

    def _next(self) -> Optional[_Job]:
        """
        The oldest drawing that may start of the client holding the fewest workers; among
        equals, of the one served longest ago (or never).
        """
        client_made_may_start = self._held_client_made < self._client_made_workers
        chosen: Optional[_Job] = None
        best = (0, 0)
        for client, jobs in self._waiting.items():
            rank = (self._held.get(client, 0), self._served.get(client, -1))
            if chosen is not None and rank >= best:
                continue
            job = next((j for j in jobs if client_made_may_start or not j.client_made), None)
            if job is not None:
                chosen, best = job, rank
        return chosen

    def _forget_if_idle(self, client: str) -> None:
        # a client neither waiting nor drawing is no longer in turn
        if client not in self._waiting and client not in self._held:
            self._served.pop(client, None)

    def _all_waiting(self) -> Iterable[_Job]:
        for jobs in self._waiting.values():
            yield from jobs

    def _unqueue(self, job: _Job) -> None:
        """
        Takes C{job} out of its client's waiting drawings, and stops its wait's clock.
        """
        jobs = self._waiting.get(job.client)
        if jobs is None or job not in jobs:
            return
        jobs.remove(job)
        self._waiting_count -= 1
        if not jobs:
            del self._waiting[job.client]
            self._forget_if_idle(job.client)
        if job.expiry is not None and job.expiry.active():
            job.expiry.cancel()
        job.expiry = None

    def _release(self, worker: _Worker) -> Optional[_Job]:
        """
        The drawing C{worker} was on, if any, which no longer holds it.
        """
        job, worker.job = worker.job, None
        if job is not None:
            held = self._held.get(job.client, 0) - 1
            if held > 0:
                self._held[job.client] = held
            else:
                self._held.pop(job.client, None)
                self._forget_if_idle(job.client)
            if job.client_made:
                self._held_client_made -= 1
        return job

    def _answered(self, worker: _Worker, kind: bytes, body: bytes) -> None:
        if kind == drawworker.READY and not worker.ready and worker.job is None:
            worker.ready = True
            self._restart_delay = 0.0
            self._starting.answered()
            self._dispatch()
            return
        if worker.job is None or kind not in (drawworker.DRAWN, drawworker.FAILED):
            self._garbled(worker)
            return
        job = self._release(worker)
        assert job is not None
        self._stop_deadline(worker)
        if kind == drawworker.DRAWN:
            self._count("ok")
            self._jobs.pop(job.key, None)
            for waiter in job.waiters:
                waiter.callback(body)
        else:
            self._fail(job, CannotDraw(job.ext, FAILED, body.decode("utf-8", "replace")[:200]))
        self._dispatch()

    def _garbled(self, worker: _Worker) -> None:
        # Its answers can no longer be told apart: it ends, and its drawing fails as if it died.
        self._log.warn("Raster worker {pid} sent what is no answer: killed.", pid=worker.pid)
        worker.signal("KILL")

    def _timed_out(self, worker: _Worker) -> None:
        worker.deadline = None
        job = self._release(worker)
        worker.signal("KILL")
        if job is not None:
            self._fail(job, CannotDraw(job.ext, TIMED_OUT, f"over {job.time_limit:g} s"), worker)
        # what it held of the share of drawings clients made is free for another worker
        self._dispatch()

    def _ended(self, worker: _Worker, reason: Failure) -> None:
        self._workers.discard(worker)
        self._stop_deadline(worker)
        job = self._release(worker)
        if not self.running:
            if job is not None:
                self._fail(job, DrawersBusy())
            if not self._workers and self._stopped is not None:
                if self._stop_kill is not None and self._stop_kill.active():
                    self._stop_kill.cancel()
                stopped, self._stopped = self._stopped, None
                stopped.callback(None)
            return
        if job is not None:
            self._fail(job, CannotDraw(job.ext, WORKER_DIED, _ending(reason)), worker)
        if self._metrics is not None:
            self._metrics.raster_worker_restarts.inc()
        if job is not None:
            self._start()
            self._dispatch()
            return
        if worker.ready:
            # not in a drawing: killed from outside (the OOM killer, an operator)
            self._log.warn("Raster worker {pid} ended ({how}) while idle: replaced.",
                           pid=worker.pid, how=_ending(reason))
            self._start()
            return
        self._cannot_start(f"one {_ending(reason)} before it was ready, saying {worker.stderr!r}")

    def _cannot_start(self, why: str) -> None:
        # Starting one again at once might be a loop: the wait doubles, and the incident is
        # logged when it begins and when a worker is ready again.
        self._restart_delay = min(max(1.0, self._restart_delay * 2), RESTART_DELAY_MAX)
        self._starting.failed(why)
        self._start_later(self._restart_delay)

    def _stop_deadline(self, worker: _Worker) -> None:
        if worker.deadline is not None and worker.deadline.active():
            worker.deadline.cancel()
        worker.deadline = None

    # -- jobs -----------------------------------------------------------------------------

    def _fail(self, job: _Job, error: Exception, worker: Optional[_Worker] = None) -> None:
        if self._jobs.get(job.key) is job:
            del self._jobs[job.key]
        if job.expiry is not None and job.expiry.active():
            job.expiry.cancel()
        if isinstance(error, CannotDraw):
            self._count(error.reason)
            self._remember(job.key, error)
            # once per drawing: it is remembered, and not tried again
            self._log.warn(
                "Raster {ext} of {what} cannot be drawn: {reason} ({detail}){worker}.",
                ext=job.ext, what=job.what, reason=error.reason, detail=error.detail,
                worker="" if worker is None else
                f"; worker {worker.pid} replaced, it said {worker.stderr!r}",
            )
        waiters, job.waiters = job.waiters, []
        for waiter in waiters:
            waiter.errback(error)

    def _expired(self, job: _Job) -> None:
        job.expiry = None
        if job in self._waiting.get(job.client, ()):
            self._unqueue(job)
            self._fail(job, DrawersBusy())

    def _cancelled(self, job: _Job, waiter: "Deferred[bytes]") -> None:
        # The client went away. A drawing no one waits for any more is not started; one under
        # way is let finish (its worker is busy either way).
        if waiter in job.waiters:
            job.waiters.remove(waiter)
        if not job.waiters and job in self._waiting.get(job.client, ()):
            self._unqueue(job)
            del self._jobs[job.key]

    def _remember(self, key: bytes, error: CannotDraw) -> None:
        self._failures[key] = (self._clock.seconds() + REMEMBERED_FOR[error.reason], error)
        self._failures.move_to_end(key)
        while len(self._failures) > self._remembered_max:
            self._failures.popitem(last=False)

    def _remembered(self, key: bytes) -> Optional[CannotDraw]:
        entry = self._failures.get(key)
        if entry is None:
            return None
        until, error = entry
        if until <= self._clock.seconds():
            del self._failures[key]
            return None
        return error

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.raster_drawing(outcome)
