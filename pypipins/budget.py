"""
A budget of upstream requests: at most so many per second and per minute, as pypistats.org
asks of its clients (about 5 a second and 30 a minute per address).
"""

from collections import deque
from typing import Deque, Sequence, Tuple

from twisted.internet.interfaces import IReactorTime


class RequestBudget:
    """
    At most C{count} requests in any C{seconds}, for each C{(count, seconds)} of C{limits}.
    """

    def __init__(self, clock: IReactorTime, limits: Sequence[Tuple[int, float]]) -> None:
        self._clock = clock
        self._limits = tuple(limits)
        self._longest = max(seconds for _, seconds in self._limits)
        self._sent: Deque[float] = deque()

    def take(self) -> bool:
        """
        Spend one request if the budget allows it now; C{False} (and nothing spent) if not.
        """
        now = self._clock.seconds()
        while self._sent and now - self._sent[0] >= self._longest:
            self._sent.popleft()
        for count, seconds in self._limits:
            if sum(1 for sent in self._sent if now - sent < seconds) >= count:
                return False
        self._sent.append(now)
        return True
