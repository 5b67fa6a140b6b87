"""
The access log: a line per request in the combined log format, as twisted.web words it,
written a reactor turn's lines at a time.

twisted.web's own way, with no C{--access-log} file, makes each line an event of
twistd's log, formatted and flushed alone: about 12 microseconds a request, a tenth of a
warm badge. Here the line is formatted once, with the prefix twistd's log gives it, and
the lines of a turn leave in one write; twistd's own log, events and all, is unchanged.
"""

import re
import sys
from typing import Any, List, Mapping, Optional, TextIO

from twisted.application.service import Service
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger, formatTime
from twisted.web import http
from twisted.web.http import combinedLogFormatter, datetimeToLogString
from twisted.web.server import Site

_log = Logger()

#: What twistd's log writes between an access line's time and its text, as it does for a
#: line twisted.web hands it (an event of the legacy log's namespace).
TWISTD_SYSTEM = " [twisted.python.log#info] "


#: A field written as it is: printable ASCII without the quotes and backslash Twisted escapes.
_PLAIN = re.compile(rb"[ !#-&(-\[\]-~]*")


def combined_line(timestamp: str, request: http.Request) -> str:
    """
    Twisted's L{combinedLogFormatter}'s line, made faster for the usual request, whose
    fields need no escaping; any other is Twisted's to write.
    """
    address = request.getClientAddress()
    referrer = request.getHeader(b"referer") or b"-"
    agent = request.getHeader(b"user-agent") or b"-"
    method, uri, protocol = request.method, request.uri, request.clientproto
    # the fields are plain if their bytes together are: one match, not five
    if not (
        isinstance(address, (IPv4Address, IPv6Address))
        and _PLAIN.fullmatch(uri + referrer + agent + method + protocol)
    ):
        return combinedLogFormatter(timestamp, request)
    return (
        f'"{address.host}" - - {timestamp} "{method.decode()} {uri.decode()} {protocol.decode()}" '
        f'{request.code} {request.sentLength or "-"} "{referrer.decode()}" "{agent.decode()}"'
    )


def twistd_logs_to_stdout(twistd_options: Optional[Mapping[str, Any]]) -> bool:
    """
    Whether twistd, run with C{twistd_options} (the parent of the plugin's own options),
    writes its log to the standard output: with C{-n} and no C{--logfile}, or
    C{--logfile=-}; not to syslog, not through a C{--logger} of its own.
    """
    if twistd_options is None:
        return False
    if twistd_options.get("syslog") or twistd_options.get("logger"):
        return False
    logfile = twistd_options.get("logfile")
    return logfile == "-" or bool(twistd_options.get("nodaemon")) and not logfile


class AccessLog(Service):
    """
    Access lines kept until the end of the reactor's turn, then written and flushed at once.

    @param out: where the lines go, a text file.
    @param prefixed: whether each line starts as twistd's log starts its lines (its time
        and L{TWISTD_SYSTEM}), for lines written into that log; a file of its own has the
        combined format alone.
    @param owned: whether C{out} is closed when the service stops.
    """

    def __init__(self, clock: IReactorTime, out: TextIO, prefixed: bool, owned: bool = False) -> None:
        self._clock = clock
        self._out = out
        self._prefixed = prefixed
        self._owned = owned
        self._lines: List[str] = []
        self._flush: Optional[IDelayedCall] = None
        # the times of the second being logged: formatted once a second, not once a line
        self._second = -1
        self._prefix = ""
        self._stamp = ""
        self._failing = False

    def line(self, request: http.Request) -> None:
        """
        Log C{request}, just answered.
        """
        now = self._clock.seconds()
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = datetimeToLogString(now)
            self._prefix = formatTime(now) + TWISTD_SYSTEM if self._prefixed else ""
        self._lines.append(self._prefix + combined_line(self._stamp, request) + "\n")
        if self._flush is None:
            self._flush = self._clock.callLater(0, self.flush)

    def flush(self) -> None:
        """
        Write the lines kept so far.
        """
        if self._flush is not None and self._flush.active():
            self._flush.cancel()
        self._flush = None
        lines, self._lines = self._lines, []
        if not lines:
            return
        try:
            self._out.write("".join(lines))
            self._out.flush()
        except (OSError, ValueError) as error:
            # a full disk or a closed pipe loses these lines, not the requests
            if not self._failing:
                _log.warn("access log not written: {error}", error=error)
            self._failing = True
        else:
            self._failing = False

    def stopService(self) -> None:
        super().stopService()
        self.flush()
        if self._owned:
            self._out.close()


class AccessLoggedSite(Site):
    """
    A L{Site} whose access lines go to an L{AccessLog}; without one, to twistd's log as
    twisted.web sends them.
    """

    access_log: Optional[AccessLog] = None

    def log(self, request: http.Request) -> None:
        if self.access_log is None:
            super().log(request)
        else:
            self.access_log.line(request)


def access_log(
    clock: IReactorTime, path: Optional[str], twistd_options: Optional[Mapping[str, Any]]
) -> Optional[AccessLog]:
    """
    The access log the daemon writes: to the file at C{path}; else into twistd's log when
    that is the standard output (C{twistd -n}, as supervisor and systemd run it); else
    L{None}, for twisted.web to hand each line to twistd's log itself.
    """
    if path is not None:
        return AccessLog(clock, open(path, "a", encoding="utf-8"), prefixed=False, owned=True)
    if twistd_logs_to_stdout(twistd_options) and sys.__stdout__ is not None:
        return AccessLog(clock, sys.__stdout__, prefixed=True)
    return None
