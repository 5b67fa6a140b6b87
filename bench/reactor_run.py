"""
Running one coroutine to its end in a fresh reactor, for the bench scripts' own clients.
"""

from typing import Any, Coroutine, List

from twisted.internet import reactor, task
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """
    The coroutine's result once the reactor has run it; its exception, raised, if it failed.
    """
    outcome: List[Any] = []

    def finish(result: Any) -> None:
        outcome.append(result)
        reactor.stop()

    task.deferLater(reactor, 0, lambda: Deferred.fromCoroutine(coroutine)).addBoth(finish)
    reactor.run()
    if isinstance(outcome[0], Failure):
        outcome[0].raiseException()
    return outcome[0]
