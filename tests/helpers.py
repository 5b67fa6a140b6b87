"""
What the tests (and bench/) share: free ports, real Redis servers, the stand-in upstreams on
loopback, the service in-process and the daemons as users start them, and the little
helpers for Deferreds. Fixtures built on them are in conftest.py.
"""

import datetime
import inspect
import ipaddress
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, cast

import pytest
import treq
from twisted.internet import reactor
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IListeningPort
from twisted.internet.task import deferLater

from tests.standin import Upstream

#: The checkout: the folder that holds pypipins/, tests/, bench/ and etc/.
ROOT = Path(__file__).resolve().parent.parent

TWISTD = str(Path(sys.executable).parent / "twistd")

#: The SVG namespace, as ElementTree writes it before a tag.
SVG = "{http://www.w3.org/2000/svg}"


def sample_of(reads: Any) -> Any:
    """
    Something a badge kind that L{pypipins.badges.Reads} C{reads} can say something of.
    """
    from pypipins.badges import Reads
    from pypipins.facts import (
        Downloads, PackageFacts, ProjectFacts, Publisher, ReleaseProvenance, Vulnerabilities, Wheels,
    )

    # as this version condenses a document: its wheels and vulnerabilities read
    release = PackageFacts(version="1.0", wheels=Wheels(), vulnerabilities=Vulnerabilities())
    return {
        Reads.RELEASE: release,
        Reads.DOWNLOADS: Downloads(1, 1, 1),
        Reads.PROJECT: ProjectFacts(),
        Reads.PROVENANCE: ReleaseProvenance(1, 1, (Publisher("GitHub", "o/r"),)),
        Reads.VULNERABILITIES: release,
    }[reads]


def sample(metrics: str, name: str, **labels: str) -> float:
    """
    The value of one sample in Prometheus' text format.
    """
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in metrics.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if match and match.group(1) == name:
            found = ",".join(sorted((match.group(2) or "").split(","))) if match.group(2) else ""
            if found == wanted:
                return float(match.group(3))
    raise AssertionError(f"no {name}{{{wanted}}} in the metrics")


def endpoint(response: Any) -> Dict[str, Any]:
    """
    The JSON document of a C{badge.json} response (its body read into C{response.body}).
    """
    assert response.code == 200
    assert response.headers.getRawHeaders("content-type") == ["application/json"]
    return json.loads(response.body)


def svg_texts(body: bytes) -> Dict[str, Optional[str]]:
    """
    What an SVG badge says to screen readers: its C{<title>} and C{aria-label}.
    """
    root = ET.fromstring(body)
    return {"title": root.findtext(SVG + "title"), "aria-label": root.get("aria-label")}


def utc(text: str) -> float:
    """
    Seconds since the epoch of a UTC date and time written as ISO 8601 (C{2026-11-30 12:00:00}).
    """
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc).timestamp()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_of(listening: IListeningPort) -> int:
    """
    The number of the TCP port C{listening} is on (its host is an L{IAddress}, which has none).
    """
    return cast(IPv4Address, listening.getHost()).port


def wait_for_port(port: int, timeout: float = 20.0, process: "subprocess.Popen[Any] | None" = None) -> None:
    """
    Block until something listens on loopback C{port}; only for processes of their own, since
    the reactor does not run meanwhile.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def in_memory_site(lookup: Any, images: Any, clock: Any, ready_bytes: "int | None" = None,
                   **upstreams: Any) -> Any:
    """
    A L{BadgeSite} reading C{lookup} on a Clock, with no Redis (one never started) and metrics of its own.
    """
    from prometheus_client import CollectorRegistry

    from pypipins.store.redis import RedisConnection
    from pypipins.ops.health import Health
    from pypipins.ops.metrics import Metrics
    from pypipins.badges.pipeline import Pipeline
    from pypipins.web.routes import BadgeSite

    never_started = RedisConnection(clock, "tcp:host=127.0.0.1:port=1")
    extra: Dict[str, Any] = {} if ready_bytes is None else {"ready_bytes": ready_bytes}
    return BadgeSite(Pipeline(lookup, clock.seconds), images, clock, Metrics(CollectorRegistry()),
                     Health(never_started, upstreams), **extra)


def fired(d: "Deferred[Any]") -> Any:
    """
    What C{d} has already fired with: its result, or its Failure.
    """
    results: List[Any] = []
    d.addBoth(results.append)
    assert results, f"{d} has not fired"
    return results[0]


async def until(predicate: Callable[[], Any], timeout: float = 20.0, step: float = 0.05) -> None:
    """
    Wait, letting the reactor run, until C{predicate()} (or what it returns, awaited) holds.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {predicate}")
        await deferLater(reactor, step, lambda: None)


def children(pid: int) -> List[int]:
    """
    The processes whose parent is C{pid}, zombies left out.
    """
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):  # ended meanwhile
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def alive(pid: int) -> bool:
    """
    Whether process C{pid} exists and is no zombie.
    """
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class RedisServer:
    """
    A redis-server of our own, in the foreground, as a child of the test process.
    """

    def __init__(self, directory: Path, *args: str) -> None:
        self.args = args
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: apt-get install redis-server")
        self.binary = binary
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory), *self.args],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port, process=self.process)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def cached(self, key: str) -> "tuple[float, dict]":
        """
        When the record at C{key} was fetched, and the record.
        """
        tag, fetched_at, record = self.command("GET", key).split("\n", 2)
        assert tag == f"key={key}", tag
        return float(fetched_at), json.loads(record)

    def keep(self, key: str, fetched_at: float, record: dict) -> None:
        """
        Put a record in the cache as the service stores it, as if fetched at C{fetched_at}.
        """
        self.command("SET", key, f"key={key}\n{fetched_at:.3f}\n{json.dumps(record)}")

    def command(self, *args: str) -> str:
        """
        Run a command with redis-cli (for looking into the cache from outside).
        """
        return subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, check=True
        ).stdout.strip()


class RunningUpstream:
    def __init__(self, resource: Upstream, port: int) -> None:
        self.resource = resource
        self.port = port

    @property
    def requests(self) -> List[str]:
        return self.resource.requests

    @property
    def pypi_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/pypi"

    @property
    def stats_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stats"

    @property
    def simple_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple"


class RunningService:
    def __init__(self, port: int, service: Any) -> None:
        self.port = port
        self.service = service

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def redis(self) -> Any:
        return self.service.namedServices["redis"]

    def get(self, path: str, **kwargs: Any) -> "Deferred[Any]":
        """
        The response to a GET of C{path}, with its body read into C{.body}.
        """
        async def get() -> Any:
            response = await treq.get(self.url(path), **kwargs)
            response.body = await response.content()
            return response

        return Deferred.fromCoroutine(get())


def make_service(upstream: RunningUpstream, redis_url: str, *extra: str) -> RunningService:
    from pypipins.tap import Options, makeService

    port = free_port()
    config = Options()
    config.parseOptions([
        "--port", f"tcp:{port}:interface=127.0.0.1", "--redis", redis_url,
        "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url,
        "--simple-url", upstream.simple_url, *extra,
    ])
    service = makeService(config, reactor)
    service.startService()
    return RunningService(port, service)


def loopback_certificate() -> Tuple[bytes, bytes]:
    """
    A certificate for C{127.0.0.1}, signed by its own key, valid from yesterday for a week,
    and its key: both PEM (the key PKCS 8), for a TLS server on loopback.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM), key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


class Daemon:
    """
    C{twistd -n pypipins} (or another of our plugins), started as a user starts it; C{popen}
    goes to C{subprocess.Popen} (C{env}, C{preexec_fn}).
    """

    def __init__(self, directory: Path, plugin: str, args: List[str], **popen: Any) -> None:
        # a free port may be taken by another process before the daemon listens on it (the
        # other pytest worker's stand-in once answered a daemon's test with 404s): the
        # daemon is running only when its own log says it listens, else it goes again
        for _ in range(3):
            self.port = free_port()
            self.log = directory / f"twistd-{plugin}-{self.port}.log"
            self.process = subprocess.Popen(
                [TWISTD, "-n", "--pidfile=", plugin,
                 "--port", f"tcp:{self.port}:interface=127.0.0.1", *args],
                cwd=directory, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, **popen,
            )
            try:
                wait_for_port(self.port, process=self.process)
                self._wait_for_its_own_listening()
                return
            except RuntimeError:
                if self.process.poll() is None or "Address already in use" not in self.log.read_text():
                    self.process.kill()
                    self.process.wait()
                    raise RuntimeError(self.log.read_text())
        raise RuntimeError(f"no free port for the daemon after three tries: {self.log.read_text()}")

    def _wait_for_its_own_listening(self, timeout: float = 20.0) -> None:
        """
        Block until the daemon's log says that it listens on its port (Twisted's "... starting
        on <port>"): what answers on the port may be another process.
        """
        said = re.compile(rf" starting on {self.port}\b")
        deadline = time.monotonic() + timeout
        while not said.search(self.log.read_text(errors="replace")):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the daemon does not say it listens on {self.port}")
            time.sleep(0.05)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)
        return self.log.read_text()

