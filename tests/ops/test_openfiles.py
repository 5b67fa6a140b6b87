"""
AcceptFailures (pypipins.ops.openfiles) read from a log of its own on a Clock: Twisted's lines for
clients turned away make one incident, whatever their number. The real daemons under a low
limit are in tests/scenarios/test_openfiles.py.
"""

from typing import Any, Dict, List

import pytest
from twisted.internet.task import Clock
from twisted.logger import LogPublisher, globalLogPublisher

from pypipins.ops.openfiles import CALM, PORT_NAMESPACE, RECHECK, AcceptFailures

pytestmark = pytest.mark.memory


def port_event(log_format: str, **fields: Any) -> Dict[str, Any]:
    return {"log_namespace": PORT_NAMESPACE, "log_format": log_format, **fields}


#: Twisted's three lines for a client turned away with its reserve descriptor.
TURNED_AWAY = [
    port_event("EMFILE encountered; releasing reserved file descriptor."),
    port_event("EMFILE recovery: Closed socket from {address}", address=("127.0.0.1", 5)),
    port_event("Re-reserving EMFILE recovery file descriptor."),
]


@pytest.fixture
def said():
    events: List[Dict[str, Any]] = []
    globalLogPublisher.addObserver(events.append)
    yield lambda: [e["log_format"].format(**e) for e in events
                   if e.get("log_namespace") == "pypipins.ops.incidents"]
    globalLogPublisher.removeObserver(events.append)


def test_clients_turned_away_are_one_incident(said):
    clock, log = Clock(), LogPublisher()
    watch = AcceptFailures(clock, log)
    watch.startService()
    for _ in range(100):
        for event in TURNED_AWAY:
            log(event)
        clock.advance(0.01)
    [failing] = said()
    assert failing.startswith("Accepting connections failing (EMFILE: every one of the process's ")
    # a descriptor can be had here: the incident ends once calm
    clock.advance(CALM + RECHECK)
    assert said()[1:] == ["Accepting connections answering again after 100 failed connections in 7 s."]
    assert clock.getDelayedCalls() == []
    watch.stopService()


def test_accept_failing_with_no_reserve_left_counts_too(said):
    clock, log = Clock(), LogPublisher()
    watch = AcceptFailures(clock, log)
    watch.startService()
    log(port_event("Could not accept new connection ({acceptError})", acceptError="ENFILE"))
    assert said() == ["Accepting connections failing (ENFILE: the system's open files all in use): "
                      "new clients are turned away unanswered until connections close"]
    watch.stopService()
    assert clock.getDelayedCalls() == []


def test_other_lines_are_not_counted(said):
    clock, log = Clock(), LogPublisher()
    watch = AcceptFailures(clock, log)
    watch.startService()
    log(port_event("Could not accept new connection ({acceptError})", acceptError="ECONNABORTED"))
    log({"log_namespace": "elsewhere", "log_format": "EMFILE recovery: Closed socket from {address}",
         "address": None})
    assert said() == [] and watch.incident.failures == 0
    watch.stopService()
    # and once stopped, the log is no longer read
    for event in TURNED_AWAY:
        log(event)
    assert said() == []
