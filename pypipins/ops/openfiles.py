"""
How many files a daemon may have open: each client connection is one, so the soft limit
Linux starts a shell with (1024) is raised to the hard one at start; and a line in the log
when they run out, once per incident.
"""

import os
import resource
from typing import Any, Mapping, Optional

from twisted.application.service import Service
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import ILogObserver, Logger, LogPublisher
from zope.interface import provider

from pypipins.ops.incidents import Incident

#: The log namespace of Twisted's listening TCP ports, the only word of accept failing: a
#: client turned away costs three lines at info ("EMFILE encountered; releasing reserved file
#: descriptor.", "EMFILE recovery: Closed socket from ...", "Re-reserving ..."), or one
#: "Could not accept new connection ({acceptError})" when no descriptor was kept in reserve.
#: The same in Twisted 25.5 and 26.10.
PORT_NAMESPACE = "twisted.internet.tcp.Port"

#: The one of those lines said once per client turned away.
_CLOSED = "EMFILE recovery: Closed socket from {address}"

#: What each of accept's errors for want of descriptors (or of the kernel's memory for them)
#: means to an operator.
OUT_OF_FILES = {
    "EMFILE": "every one of the process's {limit} open files in use",
    "ENFILE": "the system's open files all in use",
    "ENOBUFS": "no kernel memory for a socket",
    "ENOMEM": "no kernel memory for a socket",
}

#: Seconds between looks at whether a descriptor can be had again, while none could.
RECHECK = 1.0

#: Seconds without a client turned away before the incident ends: a daemon at its limit
#: turns away and accepts by turns as connections close, one incident, not lines each time.
CALM = 5.0


class OpenFilesLimit(Service):
    """
    Raises the process's soft C{RLIMIT_NOFILE} to its hard limit when started, and logs the
    figure.

    Every connection costs a descriptor (clients, upstreams, Redis), besides the log files:
    with a soft limit of 1024, about a thousand idle connections leave none for the next
    client, whose connection is then reset. Any process may raise its soft limit up to its
    hard one. systemd's C{LimitNOFILE=} and supervisor's C{minfds} set both for a deployment;
    this is for a daemon started by hand (Debian's shells: 1024 soft, 524288 hard).
    """

    log = Logger()

    def startService(self) -> None:
        super().startService()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == hard:
            self.log.info("Open files: at most {limit}", limit=soft)
            return
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as e:
            # an unlimited hard limit (not on Linux) cannot be a soft one
            self.log.warn(
                "Open files: at most {soft}; raising it to {hard} failed: {error}",
                soft=soft, hard=hard, error=e,
            )
        else:
            self.log.info("Open files: at most {limit} (raised from {soft})", limit=hard, soft=soft)


class AcceptFailures(Service):
    """
    Says in the log, once per incident, when the daemon turns clients away for want of file
    descriptors, and when it takes them again.

    Twisted's ports survive running out (they keep a descriptor in reserve, and with it accept
    each waiting client and close it at once) and say so only at info, in three lines per
    client, in words that do not say what happens. This watches the log for those lines, and
    while they come, looks every L{RECHECK} seconds at whether a descriptor can be opened.

    @param publisher: the log the ports write to (L{twisted.logger.globalLogPublisher}).
    """

    def __init__(self, clock: IReactorTime, publisher: LogPublisher) -> None:
        self._clock = clock
        self._publisher = publisher
        self.incident = Incident(
            "Accepting connections", clock,
            meanwhile="new clients are turned away unanswered until connections close",
            calm=CALM, unit="connections",
        )
        self._recheck: Optional[IDelayedCall] = None

        @provider(ILogObserver)
        def observe(event: Mapping[str, Any]) -> None:
            self.observe(event)

        self._observer = observe

    def startService(self) -> None:
        super().startService()
        self._publisher.addObserver(self._observer)

    def stopService(self) -> None:
        super().stopService()
        self._publisher.removeObserver(self._observer)
        if self._recheck is not None and self._recheck.active():
            self._recheck.cancel()
        self._recheck = None

    def observe(self, event: Mapping[str, Any]) -> None:
        """
        One event of the log: counted if it is a port's turning a client away.
        """
        if event.get("log_namespace") != PORT_NAMESPACE:
            return
        if event.get("log_format") == _CLOSED:
            error = "EMFILE"
        else:
            error = event.get("acceptError", "")
            if error not in OUT_OF_FILES:
                return
        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        self.incident.failed(f"{error}: {OUT_OF_FILES[error].format(limit=limit)}")
        if self._recheck is None:
            self._recheck = self._clock.callLater(RECHECK, self._check)

    def _check(self) -> None:
        self._recheck = None
        try:
            os.close(os.open(os.devnull, os.O_RDONLY))
        except OSError:
            pass
        else:
            self.incident.answered()
        if self.incident.failures:
            self._recheck = self._clock.callLater(RECHECK, self._check)
