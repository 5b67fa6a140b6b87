"""
Failures logged once per incident: a line when something starts failing, a line when it
answers again, and never a line per request in between, however long the outage and however
busy the service.
"""

from typing import Optional

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

_log = Logger()


class Incident:
    """
    The state of one thing the service depends on (Redis, an upstream, a shields server), fed
    with each of its failures and answers.

    @param name: what fails, as the log names it (C{Redis}, C{pypi}).
    @param meanwhile: what the service does while it fails, for the first line.
    @param calm: seconds without a failure before an answer ends the incident. With 0 the
        first answer ends it. More keeps a thing that fails some commands and answers others
        (a Redis at C{maxmemory} refuses writes and answers reads) in one incident, instead
        of a pair of lines per request.
    @param unit: what the failures are, for the last line (C{requests}, C{commands}).
    """

    def __init__(
        self,
        name: str,
        clock: IReactorTime,
        meanwhile: str,
        calm: float = 0.0,
        unit: str = "requests",
    ) -> None:
        self.name = name
        self._clock = clock
        self._meanwhile = meanwhile
        self._calm = calm
        self._unit = unit
        #: Failures since the incident began; 0 when there is none.
        self.failures = 0
        #: When the incident began.
        self.failing_since: Optional[float] = None
        self._last_failure = 0.0

    def failed(self, reason: str) -> None:
        now = self._clock.seconds()
        if not self.failures:
            self.failing_since = now
            _log.warn(
                "{name} failing ({reason}): {meanwhile}",
                name=self.name, reason=reason, meanwhile=self._meanwhile,
            )
        self.failures += 1
        self._last_failure = now

    def answered(self) -> None:
        """
        It answered (for an upstream, a 404 is an answer).
        """
        if not self.failures:
            return
        now = self._clock.seconds()
        if now - self._last_failure < self._calm:
            return
        _log.info(
            "{name} answering again after {failures} failed {unit} in {seconds:.0f} s.",
            name=self.name, failures=self.failures, unit=self._unit, seconds=self.failing_for(),
        )
        self.failures = 0
        self.failing_since = None

    def failing_for(self) -> float:
        """
        Seconds since the incident began; 0 when there is none.
        """
        if self.failing_since is None:
            return 0.0
        return self._clock.seconds() - self.failing_since
