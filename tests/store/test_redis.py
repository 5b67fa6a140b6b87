"""
The connection to Redis (a real redis-server): its commands on bytes, the wait for its first
connection, and commands timed out by the reactor's attention rather than the clock's.
"""

import signal
import time

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import CancelledError, Deferred, TimeoutError, gatherResults
from twisted.internet.task import Clock, deferLater

from pypipins.store.redis import FIRST_CONNECTION_WAIT, RedisConnection
from tests.helpers import fired, free_port, until

pytestmark = pytest.mark.system


def endpoint(port):
    return f"tcp:host=127.0.0.1:port={port}"


def sleep(seconds):
    return deferLater(reactor, seconds, lambda: None)


def clients(redis):
    """
    The ids of the connections Redis has, but redis-cli's own.
    """
    listed = redis.command("CLIENT", "LIST").splitlines()
    return [line.split()[0] for line in listed if "cmd=client" not in line]


@pytest_twisted.ensureDeferred
async def test_commands_on_bytes(redis):
    connection = RedisConnection(reactor, endpoint(redis.port))
    connection.startService()
    try:
        await until(lambda: connection.connected)
        assert await connection.set("k", b"\x00\xffbytes", 30) is True
        assert await connection.get("k") == b"\x00\xffbytes"
        assert await connection.get("missing") is None
        assert 29_000 < int(redis.command("PTTL", "k")) <= 30_000
        # numbers stay bytes
        await connection.set("n", b"12", 1.5)
        assert await connection.get("n") == b"12"
        assert 0 < int(redis.command("PTTL", "n")) <= 1500
        # set if absent: not over what is there
        assert await connection.set("k", b"other", 30, only_if_absent=True) is False
        assert await connection.set("new", b"first", 30, only_if_absent=True) is True
        assert await connection.get("k") == b"\x00\xffbytes" and await connection.get("new") == b"first"
        assert await connection.eval(
            "return redis.call('INCRBY', KEYS[1], ARGV[1])", ["counter"], [5]
        ) == 5
        now = time.time()
        assert abs(await connection.time() - now) < 1.0
    finally:
        await connection.stopService()


@pytest_twisted.ensureDeferred
async def test_commands_wait_for_the_first_connection(redis):
    """
    Asked at once after the start, a command waits for the connection being made, rather than
    fail as Redis not connected.
    """
    connection = RedisConnection(reactor, endpoint(redis.port))
    connection.startService()
    try:
        assert not connection.connected and connection.usable
        asked = [connection.set("k", b"v", 30), connection.get("k"), connection.time()]
        cancelled = connection.get("k")
        cancelled.cancel()
        assert fired(cancelled).check(CancelledError)
        kept, value, _ = await gatherResults(asked)
        assert kept is True and value == b"v" and connection.connected
    finally:
        await connection.stopService()
    # once stopped, nothing waits
    assert not connection.usable
    assert fired(connection.get("k")).check(ConnectionError)


@pytest_twisted.ensureDeferred
async def test_the_first_connection_is_waited_for_a_bounded_time():
    """
    No Redis there: commands wait L{FIRST_CONNECTION_WAIT} after the start, then fail as not
    connected; later ones fail at once.
    """
    clock = Clock()
    connection = RedisConnection(reactor, endpoint(free_port()), clock=clock)
    connection.startService()
    try:
        asked = connection.get("k")
        clock.advance(FIRST_CONNECTION_WAIT - 0.01)
        assert not asked.called
        clock.advance(0.01)
        assert fired(asked).check(ConnectionError)
        assert not connection.usable
        assert fired(connection.get("k")).check(ConnectionError)
    finally:
        await connection.stopService()


def test_a_connection_never_started_fails_at_once():
    connection = RedisConnection(Clock(), endpoint(1))
    assert not connection.connected and not connection.usable
    assert fired(connection.set("k", b"v", 1)).check(ConnectionError)


@pytest_twisted.ensureDeferred
async def test_redis_unix_socket_and_db(tmp_path, redis_server):
    import subprocess

    from pypipins.store.redis import parse_redis_url

    sock = tmp_path / "redis.sock"
    process = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(sock),
                                "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        await until(sock.exists)
        connection = RedisConnection.at(reactor, parse_redis_url(f"unix://{sock}?db=3"))
        connection.startService()
        await until(lambda: connection.connected)
        await connection.set("k", b"v", 30)
        out = subprocess.run(["redis-cli", "-s", str(sock), "-n", "3", "GET", "k"],
                             capture_output=True, text=True).stdout.strip()
        assert out == "v"
        await connection.stopService()
    finally:
        process.kill()
        process.wait()


@pytest_twisted.ensureDeferred
async def test_a_timed_out_command_drops_the_connection_for_a_new_one(redis):
    connection = RedisConnection(reactor, endpoint(redis.port))
    connection.startService()
    try:
        await until(lambda: connection.connected)
        await connection.set("k", b"v", 60)
        first = redis.command("CLIENT", "LIST")
        redis.process.send_signal(signal.SIGSTOP)
        try:
            with pytest.raises(TimeoutError):
                await connection.get("k")
            await until(lambda: not connection.connected, timeout=5)
        finally:
            redis.process.send_signal(signal.SIGCONT)
        await until(lambda: connection.connected, timeout=15)
        assert await connection.get("k") == b"v"
        # a new connection: Redis numbers its clients
        assert redis.command("CLIENT", "LIST") != first
    finally:
        await connection.stopService()




@pytest_twisted.ensureDeferred
async def test_a_stalled_reactor_times_out_nothing_and_keeps_its_connection(redis):
    """
    The reactor blocked (a long collection, a big document, a busy turn) right after asking,
    or with the answers waiting unread: when it turns again its timers are due before it
    writes or reads, yet no command times out and the connection is kept.
    """
    connection = RedisConnection(reactor, endpoint(redis.port))
    connection.startService()
    try:
        await until(lambda: connection.connected)
        await connection.set("k", b"v", 60)
        first = clients(redis)
        # (a pause just over the timeout: the timers fire nearly on time, the commands unsent)
        for turned_first, pause in ((False, 0.8), (True, 0.8), (False, 0.55), (False, 0.8)):
            asked = [connection.get("k") for _ in range(50)]
            if turned_first:
                await sleep(0.05)  # written, and answered into the socket
            time.sleep(pause)
            assert await gatherResults(asked) == [b"v"] * 50
        assert connection.connected and clients(redis) == first
    finally:
        await connection.stopService()


def has_fired(d):
    """
    Whether C{d} has its result (not waiting on another Deferred).
    """
    return d.called and not isinstance(d.result, Deferred)


@pytest_twisted.ensureDeferred
async def test_commands_time_out_by_the_reactors_attention(redis):
    """
    Commands timed by a Clock, over a real connection: one big step of the clock is the
    reactor stalled (its timer fires late), which gives Redis its time again; steps on time
    with Redis stopped time the command out, and drop the connection for a new one.
    """
    clock = Clock()
    connection = RedisConnection(reactor, endpoint(redis.port), clock=clock)
    connection.startService()
    try:
        await until(lambda: connection.connected)
        await connection.set("k", b"v", 60)
        first = clients(redis)
        asked = connection.get("k")
        clock.advance(1.0)  # stalled at once: not even written
        assert not has_fired(asked)
        assert await asked == b"v"
        assert connection.connected and clients(redis) == first
        redis.process.send_signal(signal.SIGSTOP)
        try:
            asked = connection.get("k")
            await sleep(0.05)
            clock.advance(1.0)  # a stall with Redis stopped: its time again...
            assert not has_fired(asked)
            for _ in range(5):
                clock.advance(0.1)
            assert not has_fired(asked)  # on time, nothing in the socket: a turn more...
            clock.advance(0.1)  # ...and it times out
            assert fired(asked).check(TimeoutError)
            await until(lambda: not connection.connected, timeout=5)
        finally:
            redis.process.send_signal(signal.SIGCONT)
        await until(lambda: connection.connected, timeout=15)
        assert clients(redis) != first
        # however often the reactor stalls, a command is not waited on for ever
        redis.process.send_signal(signal.SIGSTOP)
        try:
            asked = connection.get("k")
            for _ in range(20):
                clock.advance(1.0)
            assert fired(asked).check(TimeoutError)
        finally:
            redis.process.send_signal(signal.SIGCONT)
    finally:
        await connection.stopService()
