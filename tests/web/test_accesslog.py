"""
The access log's batching and its choice of where the lines go (pure: a Clock and a string
buffer); the lines in the daemon's own log are checked in tests/scenarios/test_operating.py.
"""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twisted.internet.task import Clock
from twisted.logger import formatTime
from twisted.web.http import combinedLogFormatter
from twisted.web.test.requesthelper import DummyRequest

from pypipins.web.accesslog import TWISTD_SYSTEM, AccessLog, combined_line, twistd_logs_to_stdout

pytestmark = pytest.mark.pure


class CountedWrites(io.StringIO):
    writes = 0

    def write(self, text):
        self.writes += 1
        return super().write(text)


class AnsweredRequest(DummyRequest):
    """
    A L{DummyRequest} with what the access log reads of an answered L{Request} besides.
    """

    code: int
    sentLength: int


def answered(path: bytes, code: int = 200) -> DummyRequest:
    request = AnsweredRequest(path.strip(b"/").split(b"/"))
    request.uri = path
    request.code = code
    request.sentLength = 1275
    request.clientproto = b"HTTP/1.1"
    return request


def test_a_turns_lines_leave_in_one_write():
    clock, out = Clock(), CountedWrites()
    clock.advance(1_764_800_000.25)
    log = AccessLog(clock, out, prefixed=False)
    for n in range(3):
        log.line(answered(b"/v/klein-%d/badge.svg" % n))
    assert out.getvalue() == ""
    clock.advance(0)
    lines = out.getvalue().splitlines()
    assert out.writes == 1
    assert lines == [
        f'"-" - - [03/Dec/2025:22:13:20 +0000] "GET /v/klein-{n}/badge.svg HTTP/1.1" 200 1275 "-" "-"'
        for n in range(3)]


def test_lines_in_twistds_log_start_as_its_own_lines_do():
    clock, out = Clock(), io.StringIO()
    clock.advance(1_764_800_000)
    log = AccessLog(clock, out, prefixed=True)
    log.line(answered(b"/v/klein/badge.svg"))
    clock.advance(1.5)
    log.line(answered(b"/v/attrs/badge.svg", 404))
    clock.advance(0)
    first, second = out.getvalue().splitlines()
    assert first.startswith(formatTime(1_764_800_000) + TWISTD_SYSTEM + '"-" - - [03/Dec/2025:22:13:20 +0000]')
    assert second.startswith(formatTime(1_764_800_001.5) + TWISTD_SYSTEM + '"-" - - [03/Dec/2025:22:13:21 +0000]')
    assert second.endswith('"GET /v/attrs/badge.svg HTTP/1.1" 404 1275 "-" "-"')


def test_what_is_kept_is_written_when_the_service_stops():
    clock, out = Clock(), io.StringIO()
    log = AccessLog(clock, out, prefixed=False)
    log.startService()
    log.line(answered(b"/v/klein/badge.svg"))
    log.stopService()
    assert out.getvalue().count("\n") == 1
    assert not clock.getDelayedCalls()


class Full(io.StringIO):
    def write(self, text):
        raise OSError(28, "No space left on device")


def test_a_log_that_cannot_be_written_loses_lines_and_says_so_once(capture_log):
    clock = Clock()
    log = AccessLog(clock, Full(), prefixed=False)
    for _ in range(3):
        log.line(answered(b"/v/klein/badge.svg"))
        clock.advance(0)
    # only the access log's own events: another test's leftovers may log in this process too
    ours = [e["log_format"] for e in capture_log if e.get("log_namespace") == "pypipins.web.accesslog"]
    assert ours == ["access log not written: {error}"]


@pytest.fixture
def capture_log():
    from twisted.logger import globalLogPublisher

    events = []
    globalLogPublisher.addObserver(events.append)
    yield events
    globalLogPublisher.removeObserver(events.append)


@pytest.mark.parametrize("twistd, stdout", [
    (["-n"], True),
    (["--logfile=-", "-n"], True),
    (["--logfile=-"], True),
    (["-n", "--logfile=twistd.log"], False),
    ([], False),
    (["-n", "--syslog"], False),
    (["-n", "--logger=twisted.logger.textFileLogObserver"], False),
])
def test_lines_join_twistds_log_only_where_it_is_the_standard_output(twistd, stdout):
    from twisted.scripts.twistd import ServerOptions

    options = ServerOptions()
    options.parseOptions([*twistd, "pypipins"])
    # what makeService is given: the plugin's options, whose parent is twistd's
    assert twistd_logs_to_stdout(options.subOptions.parent) is stdout


def test_without_twistd_there_is_no_twistd_log_to_join():
    assert twistd_logs_to_stdout(None) is False


@given(
    method=st.sampled_from([b"GET", b"HEAD", b"PO\"ST", b"\xff"]),
    uri=st.binary(max_size=30) | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)).map(str.encode),
    referrer=st.none() | st.binary(max_size=20) | st.sampled_from([b"http://r.test/", b"it's \"quoted\""]),
    agent=st.none() | st.binary(max_size=20) | st.sampled_from([b"curl/8.5.0", b"back\\slash"]),
    address=st.sampled_from([IPv4Address("TCP", "127.0.0.1", 5), IPv6Address("TCP", "::1", 5),
                             UNIXAddress(b"/tmp/socket")]),
)
def test_the_line_is_twisteds_combined_line(method, uri, referrer, agent, address):
    request = answered(b"/v/klein/badge.svg")
    request.method, request.uri = method, uri
    request.client = address
    if referrer is not None:
        request.requestHeaders.setRawHeaders(b"referer", [referrer])
    if agent is not None:
        request.requestHeaders.setRawHeaders(b"user-agent", [agent])
    stamp = "[03/Dec/2025:22:13:20 +0000]"
    assert combined_line(stamp, request) == combinedLogFormatter(stamp, request)
