"""
The deployment of etc/, run for real on loopback: supervisord running a fleet of daemons and
restarting a killed one, Varnish caching in front of them and leaving out a dead one, nginx
terminating TLS in front of Varnish, systemd units that verify. Every part is a process of its
own, so these tests block instead of using the reactor.
"""

import http.client
import http.server
import itertools
import random
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

import pytest

from tests.helpers import ROOT, TWISTD, free_port, loopback_certificate, wait_for_port

pytestmark = pytest.mark.system

ETC = ROOT / "etc"
VENV = Path(sys.executable).parent.parent


def require(binary: str, package: str) -> str:
    """
    The path of C{binary}; a failure saying what to install when it is missing.
    """
    path = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/usr/local/sbin")
    if path is None:
        pytest.fail(f"{binary} is not installed: apt-get install {package} (scripts/test does)")
    return path


def get(port: int, path: str, headers: "Dict[str, str] | None" = None, method: str = "GET",
        tls: "ssl.SSLContext | None" = None) -> Tuple[int, Dict[str, str], bytes]:
    if tls is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    else:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=20, context=tls)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


class Processes:
    """
    Processes of the test, their logs in C{directory}, and C{open}: a folder the servers that
    drop privileges (varnishd, nginx's workers, supervisor's programs) can read.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.running: List[subprocess.Popen] = []
        self.open = Path(tempfile.mkdtemp(prefix="pypipins-deploy-"))
        self.open.chmod(0o755)

    def start(self, name: str, args: List[str], port: int, **kwargs) -> subprocess.Popen:
        log = (self.directory / f"{name}.log").open("wb")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        self.running.append(process)
        try:
            wait_for_port(port, timeout=30, process=process)
        except RuntimeError:
            raise RuntimeError((self.directory / f"{name}.log").read_text())
        return process

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text()

    def stop(self) -> None:
        for process in reversed(self.running):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(self.open, ignore_errors=True)


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:
    running = Processes(tmp_path)
    yield running
    running.stop()


def start_pypipins(processes: Processes, name: str, upstream: int, redis) -> Tuple[int, subprocess.Popen]:
    """
    C{twistd -n pypipins} as a process logging to C{name}.log: its port, and the process.
    """
    port = free_port()
    daemon = processes.start(name, [
        TWISTD, "-n", "--pidfile=", "pypipins", "--port", f"tcp:{port}:interface=127.0.0.1",
        "--redis", redis.url, "--pypi-url", f"http://127.0.0.1:{upstream}/pypi",
        "--stats-url", f"http://127.0.0.1:{upstream}/stats"], port, cwd=processes.directory)
    return port, daemon


def start_standin(processes: Processes) -> int:
    upstream = free_port()
    processes.start("standin", [sys.executable, "-m", "tests.standin", str(upstream)], upstream, cwd=ROOT)
    return upstream


@pytest.fixture
def backend(processes, redis) -> Tuple[int, int]:
    """
    The upstream stand-in and C{twistd -n pypipins}, as processes; their ports.
    """
    upstream = start_standin(processes)
    return upstream, start_pypipins(processes, "pypipins", upstream, redis)[0]


@pytest.fixture
def fleet(processes, redis) -> List[Tuple[int, subprocess.Popen]]:
    """
    The upstream stand-in and two daemons on one Redis, logging to pypipins-1.log and
    pypipins-2.log: as etc/ runs them on one machine.
    """
    upstream = start_standin(processes)
    return [start_pypipins(processes, f"pypipins-{n}", upstream, redis) for n in (1, 2)]


def daemon_saw(processes: Processes, path: str) -> int:
    """
    How many times the daemon was asked for C{path} by a client: Varnish's health probes, which
    say so in their User-Agent, are left out.
    """
    return sum(1 for line in processes.log("pypipins").splitlines()
               if f'"GET {path} HTTP/1.1"' in line and "varnish-probe" not in line)


def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> float:
    """
    Poll C{predicate} until it holds; how many seconds that took.
    """
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"still not true after {timeout} s: {predicate}")
        time.sleep(0.05)
    return time.monotonic() - started


# -- Varnish ------------------------------------------------------------------------------


def test_vcl_compiles():
    varnishd = require("varnishd", "varnish")
    out = subprocess.run([varnishd, "-C", "-f", str(ETC / "varnish" / "default.vcl")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]


#: The backends' ports in etc/varnish/default.vcl, in order.
VCL_PORTS = (8881, 8882)


#: The VCL's longest TTL, the original's hour, in each line that says it.
VCL_TTL_CAP = re.compile(r"(beresp\.ttl [>=]) 1h\b")


def fleet_vcl(ports: List[int], ttl_cap: "str | None" = None) -> str:
    """
    etc/'s VCL with its backends on C{ports}, one per backend; the same port twice makes a
    fleet of one daemon. With C{ttl_cap} (C{"2s"}), its longest TTL that instead of an hour,
    so that a badge goes stale within a test.
    """
    assert len(ports) == len(VCL_PORTS)
    text = (ETC / "varnish" / "default.vcl").read_text()
    for ours, theirs in zip(VCL_PORTS, ports):
        assert text.count(f'.port = "{ours}";') == 1
        text = text.replace(f'.port = "{ours}";', f'.port = "{theirs}";')
    if ttl_cap is not None:
        text, capped = VCL_TTL_CAP.subn(rf"\1 {ttl_cap}", text)
        assert capped == 3, "the VCL no longer caps TTLs in three lines"
    return text


def start_varnish(processes: Processes, *backend_ports: int, ttl_cap: "str | None" = None) -> int:
    """
    varnishd with etc/'s VCL in front of the daemons on C{backend_ports} (one is both
    backends), its CLI open to C{varnishadm -n}; its port.
    """
    varnishd = require("varnishd", "varnish")
    vcl = processes.open / "default.vcl"
    ports = list(backend_ports) * 2 if len(backend_ports) == 1 else list(backend_ports)
    vcl.write_text(fleet_vcl(ports, ttl_cap))
    port = free_port()
    processes.start("varnish", [
        varnishd, "-F", "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-n", str(processes.open / "varnish"),
        "-s", "malloc,32m", "-T", f"127.0.0.1:{free_port()}"], port)
    return port


def backends(processes: Processes) -> Dict[str, str]:
    """
    Each backend's health as Varnish sees it (C{varnishadm backend.list}): C{healthy} or
    C{sick}, by name (C{pypipins_8881}...).
    """
    out = subprocess.run(["varnishadm", "-n", str(processes.open / "varnish"), "backend.list"],
                         capture_output=True, text=True, timeout=10)
    return dict(re.findall(r"^boot\.(pypipins_\d+)\s+\S+\s+\S+\s+(\w+)", out.stdout, re.MULTILINE))


@pytest.mark.slow
def test_varnish_in_front(processes, backend):
    upstream, daemon = backend
    varnish = start_varnish(processes, daemon)
    path = "/license/klein/badge.svg"
    code, headers, first = get(varnish, path, {"Cookie": "session=1"})
    assert (code, headers["x-cache"], headers["x-cache-hits"]) == (200, "MISS", "0")
    assert b"<title>license: MIT</title>" in first
    code, headers, second = get(varnish, path, {"Authorization": "Basic eDp5"})
    assert (code, headers["x-cache"], headers["x-cache-hits"], second) == (200, "HIT", "1", first)
    code, headers, _ = get(varnish, path, method="HEAD")
    assert (code, headers["x-cache"]) == (200, "HIT")
    assert daemon_saw(processes, path) == 1
    assert "x-badge-package" not in headers
    # conditional requests are answered by Varnish too
    code, _, body = get(varnish, path, {"If-None-Match": headers["etag"]})
    assert (code, body) == (304, b"")
    # errors pass, and are not kept
    for _ in range(2):
        code, headers, _ = get(varnish, "/nope/klein/badge.svg")
        assert (code, headers["x-cache"]) == (404, "MISS")
    assert daemon_saw(processes, "/nope/klein/badge.svg") == 2
    # other methods pass through to the daemon's 405
    code, headers, _ = get(varnish, path, method="POST")
    assert code == 405
    # PURGE /<package>: every badge of it, however the name is spelt
    get(varnish, "/v/Klein/badge.json")
    assert get(varnish, "/v/Klein/badge.json")[1]["x-cache"] == "HIT"
    code, _, _ = get(varnish, "/KLEIN", method="PURGE")
    assert code == 200
    assert get(varnish, path)[1]["x-cache"] == "MISS"
    assert get(varnish, "/v/Klein/badge.json")[1]["x-cache"] == "MISS"
    assert get(varnish, "/license/attrs/badge.svg")[1]["x-cache"] == "MISS"
    assert get(varnish, "/license/attrs/badge.svg")[1]["x-cache"] == "HIT"
    # the site's pages are kept; /healthz never is
    get(varnish, "/?package=klein")
    assert get(varnish, "/?package=klein")[1]["x-cache"] == "HIT"
    for _ in range(2):
        code, headers, _ = get(varnish, "/healthz")
        assert (code, headers["x-cache"]) == (200, "MISS")
    assert daemon_saw(processes, "/healthz") == 2


@pytest.mark.slow
@pytest.mark.parametrize("proxied", [
    {"X-Forwarded-For": "203.0.113.7"},
    {"X-Forwarded-For": "127.0.0.1"},
    {"Forwarded": "for=203.0.113.7;proto=https"},
    {"X-Real-IP": "203.0.113.7"},
])
def test_varnish_refuses_a_purge_that_came_through_a_proxy(processes, backend, proxied):
    """
    A proxy on this machine (nginx) connects from 127.0.0.1 too: a PURGE that carries what a
    proxy adds is refused, and the badges stay cached.
    """
    upstream, daemon = backend
    varnish = start_varnish(processes, daemon)
    path = "/license/klein/badge.svg"
    get(varnish, path)
    assert get(varnish, path)[1]["x-cache"] == "HIT"
    code, _, _ = get(varnish, "/klein", proxied, method="PURGE")
    assert code == 405
    assert get(varnish, path)[1]["x-cache"] == "HIT"
    # from the machine itself, as the README says, it still purges
    assert get(varnish, "/klein", method="PURGE")[0] == 200
    assert get(varnish, path)[1]["x-cache"] == "MISS"


def package_urls(name: str) -> List[str]:
    """
    A badge of package C{name} on every route family the daemon has, its name spelt in
    several ways, and its page on the site: what C{PURGE /<name>} must clear.
    """
    capital = name[0].upper() + name[1:]
    # the first letter as an escape, which the daemon decodes (%4B: K)
    escaped = f"%{ord(capital[0]):02X}{name[1:]}"
    return [
        # pypip.in's /<kind>/<package>/badge.<ext>
        f"/v/{name}/badge.svg",
        f"/license/{name.upper()}/badge.json?style=flat",
        f"/d/{capital}/badge.svg?period=week",
        f"/wheel/{escaped}/badge.svg",
        # shields' /pypi/<kind>/<package>.<ext>, with no extension, of a release
        f"/pypi/v/{name}.svg",
        f"/pypi/l/{capital}",
        f"/pypi/pyversions/{name}/24.8.0.json",
        f"/pypi/frameworkversions/django/{name}.svg",
        f"/pypi/djversions/{name}.svg",
        f"/pypi/dm/{name}.json",
        f"/pypi/status/{escaped}.svg",
        # the site's page of it
        f"/?package={name}",
    ] + ([
        # -_. alike, runs of them too
        f"/v/{name.replace('-', '_')}/badge.svg",
        f"/pypi/v/{name.replace('-', '.-').title()}.svg",
    ] if "-" in name else [])


#: Cached responses that are no package's, or whose URLs hold a package's name or a kind's
#: in another place: a PURGE of a package or of a word leaves them.
NO_PACKAGES = ["/badge/klein-v-blue.svg", "/badges/v", "/?logo=klein", "/"]


def test_varnish_purges_one_package_on_every_route(processes, backend):
    """
    ``PURGE /<package>`` clears that package's badges on pypip.in's routes and shields' (its
    name spelt in any case, with -_. or an escape: the daemon normalises it as PEP 503 says)
    and its page, and nothing else: not another package's, not what names no package. A
    kind's name (``PURGE /v``) is a package's name like any other: it clears only that package's.
    """
    upstream, daemon = backend
    varnish = start_varnish(processes, daemon)
    klein, attrs = package_urls("klein"), package_urls("attrs")
    dashed = package_urls("pytest-twisted")
    every = klein + attrs + dashed + NO_PACKAGES

    def cached() -> Dict[str, str]:
        return {path: get(varnish, path)[1]["x-cache"] for path in every}

    for path in every:
        code, _, _ = get(varnish, path)
        assert code in (200, 301), (path, code)
    assert cached() == {path: "HIT" for path in every}
    # a kind's name, a package nobody asked for: nothing cleared
    for word in ("/v", "/pypi", "/badge", "/d", "/Klein-x"):
        assert get(varnish, word, method="PURGE")[0] == 200, word
    assert cached() == {path: "HIT" for path in every}
    # not one package's name: refused, nothing cleared
    for wrong in ("/", "/klein/badge.svg", "/-klein", "/klein?x=1", "/kl%20ein"):
        assert get(varnish, wrong, method="PURGE")[0] == 400, wrong
    assert cached() == {path: "HIT" for path in every}
    saw = {path: daemon_saw(processes, path) for path in every}
    assert set(saw.values()) == {1}

    assert get(varnish, "/KLEIN", method="PURGE")[0] == 200
    after = cached()
    assert {path for path, state in after.items() if state == "MISS"} == set(klein)
    # fetched again from the daemon once each, the others not
    assert {path: daemon_saw(processes, path) - saw[path] for path in every} == \
        {path: int(path in klein) for path in every}
    # the other spellings of a name: -_. and escapes alike
    assert get(varnish, "/%61ttrs", method="PURGE")[0] == 200
    assert {path for path, state in cached().items() if state == "MISS"} == set(attrs)
    assert get(varnish, "/Pytest__Twisted", method="PURGE")[0] == 200
    assert {path for path, state in cached().items() if state == "MISS"} == set(dashed)


def varnish_saw(processes: Processes, query: str) -> List[str]:
    """
    The requests Varnish's shared log has that match C{query} (a varnishlog query).
    """
    out = subprocess.run(
        ["varnishlog", "-d", "-n", str(processes.open / "varnish"), "-g", "request",
         "-q", query, "-i", "ReqMethod,ReqURL"],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return [line.split()[-1] for line in out.stdout.splitlines() if "ReqURL" in line]


def varnish_ttl(processes: Processes, url: str) -> Tuple[float, float, float]:
    """
    The TTL, grace and keep the VCL gave the object fetched for C{url} last, as Varnish's
    shared log reports them (its C{TTL VCL} record).
    """
    out = subprocess.run(
        ["varnishlog", "-d", "-n", str(processes.open / "varnish"), "-g", "request",
         "-q", f'BereqURL eq "{url}"', "-i", "TTL"],
        capture_output=True, text=True, timeout=30)
    vcl_ttls = [line.split() for line in out.stdout.splitlines() if "TTL" in line and "VCL" in line]
    assert vcl_ttls, out.stdout + out.stderr
    ttl, grace, keep = (float(field) for field in vcl_ttls[-1][-5:-2])
    return ttl, grace, keep


@pytest.mark.slow
def test_varnish_keeps_no_longer_than_the_backend_says(processes, backend):
    """
    A version badge says max-age=300: Varnish keeps it 300 s, not the original's hour; with
    the original's six hours of grace, which its stale-while-revalidate (a day) allows.
    """
    upstream, daemon = backend
    varnish = start_varnish(processes, daemon)
    code, headers, _ = get(varnish, "/v/klein/badge.svg")
    assert "stale-while-revalidate=86400" in headers["cache-control"]
    assert varnish_ttl(processes, "/v/klein/badge.svg") == (300, 6 * 3600, 0)


@pytest.mark.slow
def test_varnish_gives_grace_only_where_the_daemon_allows_it(processes, backend):
    """
    The ``queued`` placeholder (pypistats' budget spent: its 429) says max-age=30 and no
    stale-* directive: Varnish keeps it 30 s and not a second past that (no grace, no keep),
    as the daemon asks; the badges it allows to go stale get their grace, capped at six hours.
    """
    upstream, daemon = backend
    varnish = start_varnish(processes, daemon)
    # counted: an hour, and grace
    code, headers, body = get(varnish, "/d/klein/badge.svg")
    assert b"<title>downloads: " in body and b"queued" not in body
    assert "stale-while-revalidate=86400" in headers["cache-control"]
    assert varnish_ttl(processes, "/d/klein/badge.svg") == (3600, 6 * 3600, 0)
    # pypistats' budget spent (for every package: it answers 429 for the client's address)
    get(upstream, "/_control/fail?name=attrs&how=429")
    code, headers, body = get(varnish, "/d/attrs/badge.svg")
    assert (code, headers["x-cache"]) == (200, "MISS")
    assert b"<title>downloads: queued</title>" in body
    assert headers["cache-control"] == "public, max-age=30, s-maxage=30"
    assert varnish_ttl(processes, "/d/attrs/badge.svg") == (30, 0, 0)
    # the same through shields' route and as data
    code, headers, body = get(varnish, "/pypi/dm/attrs.json")
    assert b'"queued"' in body and "stale" not in headers["cache-control"]
    assert varnish_ttl(processes, "/pypi/dm/attrs.json") == (30, 0, 0)
    # an error badge the daemon allows to go stale (a minute, then a day while asking again)
    get(upstream, "/_control/fail?name=attrs&how=500")
    code, headers, body = get(varnish, "/license/attrs/badge.svg")
    assert b"<title>license: unavailable</title>" in body
    assert "stale-while-revalidate=86400" in headers["cache-control"]
    assert varnish_ttl(processes, "/license/attrs/badge.svg") == (60, 6 * 3600, 0)


def varnish_backend_log(processes: Processes, query: str, tags: str) -> List[str]:
    """
    The records C{tags} of Varnish's backend fetches that match C{query} (a varnishlog query).
    """
    out = subprocess.run(
        ["varnishlog", "-d", "-b", "-n", str(processes.open / "varnish"), "-q", query, "-i", tags],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return [line.strip() for line in out.stdout.splitlines() if line.startswith("-")]


class Failing(http.server.BaseHTTPRequestHandler):
    """
    A daemon that fails: C{/healthz} says it is well (so that Varnish's probe keeps it), every
    other GET gets a 500.
    """

    def do_GET(self) -> None:
        code, body = (200, b'{"status": "ok"}') if self.path == "/healthz" else (500, b"failing\n")
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.slow
def test_varnish_serves_stale_only_what_the_daemon_allows(processes, redis):
    """
    Badges past their TTL, and the daemon fails. One it allows to go stale (stale-while-
    revalidate and stale-if-error) is served from Varnish's copy, again and again, while the
    refresh fails: the failure does not take its place. The ``queued`` placeholder, which it
    allows none, is not served past its TTL: the client sees the failure.
    """
    upstream = start_standin(processes)
    port, daemon = start_pypipins(processes, "pypipins", upstream, redis)
    varnish = start_varnish(processes, port, ttl_cap="2s")
    _, _, badge = get(varnish, "/v/klein/badge.svg")
    get(upstream, "/_control/fail?name=attrs&how=429")
    _, _, queued = get(varnish, "/d/attrs/badge.svg")
    assert b"<title>downloads: queued</title>" in queued
    for path in ("/v/klein/badge.svg", "/d/attrs/badge.svg"):
        assert get(varnish, path)[1]["x-cache"] == "HIT"
        assert varnish_ttl(processes, path)[0] == 2
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=20)
    failing = http.server.HTTPServer(("127.0.0.1", port), Failing)
    thread = threading.Thread(target=failing.serve_forever)
    thread.start()
    try:
        # past the 2 s, and the failing daemon is well for Varnish's probe
        time.sleep(2.5)
        wait_until(lambda: set(backends(processes).values()) == {"healthy"})
        for _ in range(3):
            code, headers, body = get(varnish, "/v/klein/badge.svg")
            assert (code, headers["x-cache"], body) == (200, "HIT", badge)
            time.sleep(0.3)
        assert get(varnish, "/d/attrs/badge.svg")[0] == 500
    finally:
        failing.shutdown()
        failing.server_close()
        thread.join()
    # the refreshes reached the failing daemon, and were left
    assert varnish_backend_log(processes, 'BereqURL eq "/v/klein/badge.svg" and BerespStatus == 500',
                               "BerespStatus")


@pytest.mark.slow
def test_varnish_leaves_out_a_dead_daemon(processes, fleet):
    """
    Two daemons behind etc/'s VCL take turns. One killed (SIGKILL) under a steady stream of
    requests costs no client a failure, since what it fails is fetched again from the other,
    and within seconds its probe has it left out: requests then go to the live one only.
    """
    (first, killed), (second, _) = fleet
    varnish = start_varnish(processes, first, second)
    wait_until(lambda: backends(processes) == {"pypipins_8881": "healthy", "pypipins_8882": "healthy"})

    # Every URL distinct (the daemon ignores a parameter it does not know), so that each
    # reaches a daemon rather than Varnish's cache.
    numbers = itertools.count()
    answered: List[str] = []
    failures: List[str] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            path = f"/license/klein/badge.svg?n={next(numbers)}"
            try:
                code, _, body = get(varnish, path)
            except OSError as e:
                code, body = 0, repr(e).encode()
            if code != 200 or b"<title>license: MIT</title>" not in body:
                failures.append(f"{path}: {code} {body[:200]!r}")
            answered.append(path)

    def asked(name: str) -> int:
        return processes.log(name).count("/license/klein/badge.svg?n=")

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    try:
        wait_until(lambda: asked("pypipins-1") >= 50 and asked("pypipins-2") >= 50)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        left_out_after = wait_until(lambda: backends(processes).get("pypipins_8881") == "sick")
        # the stream goes on a while with one daemon
        more = len(answered) + 200
        wait_until(lambda: len(answered) >= more)
    finally:
        stop.set()
        for thread in clients:
            thread.join()

    assert failures == []
    assert left_out_after < 5
    assert backends(processes) == {"pypipins_8881": "sick", "pypipins_8882": "healthy"}
    # the dead daemon's turns were taken by the other: fetches were retried
    assert [line for line in varnish_backend_log(processes, 'BereqURL ~ "[?]n="', "Link")
            if line.endswith(" retry")]

    # left out: every request reaches the live daemon at the first try
    for n in range(20):
        code, _, body = get(varnish, f"/license/klein/badge.svg?after={n}")
        assert code == 200 and b"<title>license: MIT</title>" in body
    assert processes.log("pypipins-2").count("/license/klein/badge.svg?after=") == 20
    assert varnish_backend_log(processes, 'BereqURL ~ "after="', "FetchError,Link") == []


# -- nginx --------------------------------------------------------------------------------


def certificate(directory: Path) -> Tuple[Path, Path]:
    chain, private = directory / "fullchain.pem", directory / "privkey.pem"
    certificate_pem, key_pem = loopback_certificate()
    chain.write_bytes(certificate_pem)
    private.write_bytes(key_pem)
    return chain, private


def nginx_config(directory: Path, http_port: int, https_port: int, varnish_port: int) -> Path:
    chain, private = certificate(directory)
    site = (ETC / "nginx" / "pypipins.conf").read_text()
    site = (site.replace("listen [::]:80;\n", "").replace("listen [::]:443 ssl http2;\n", "")
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
            .replace("/etc/letsencrypt/live/pypipins/fullchain.pem", str(chain))
            .replace("/etc/letsencrypt/live/pypipins/privkey.pem", str(private))
            .replace("server 127.0.0.1:6081;", f"server 127.0.0.1:{varnish_port};"))
    (directory / "pypipins.conf").write_text(site)
    main = directory / "nginx.conf"
    main.write_text(f"""
pid {directory}/nginx.pid;
error_log {directory}/nginx-error.log;
events {{}}
http {{
    access_log {directory}/nginx-access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/pypipins.conf;
}}
""")
    return main


def start_nginx(processes: Processes, varnish_port: int) -> Tuple[int, int, ssl.SSLContext]:
    """
    nginx with etc/'s site in front of Varnish: its HTTP and HTTPS ports, and a TLS context
    that trusts its certificate.
    """
    nginx = require("nginx", "nginx")
    http_port, https_port = free_port(), free_port()
    config = nginx_config(processes.open, http_port, https_port, varnish_port)
    out = subprocess.run([nginx, "-t", "-c", str(config), "-p", str(processes.open)],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "test is successful" in out.stderr, out.stderr
    processes.start("nginx", [nginx, "-c", str(config), "-p", str(processes.open),
                              "-g", "daemon off;"], https_port)
    return http_port, https_port, ssl.create_default_context(cafile=str(processes.open / "fullchain.pem"))


@pytest.mark.slow
def test_https_through_nginx_and_varnish(processes, backend):
    upstream, daemon = backend
    varnish = start_varnish(processes, daemon)
    http_port, https_port, tls = start_nginx(processes, varnish)
    code, headers, body = get(https_port, "/py_versions/klein/badge.svg", tls=tls)
    assert code == 200 and b"<title>python: 3.7, 3.8, 3.9, 3.10, 3.11</title>" in body
    assert headers["x-cache"] == "MISS"
    assert headers["strict-transport-security"].startswith("max-age=63072000")
    code, headers, again = get(https_port, "/py_versions/klein/badge.svg", tls=tls)
    assert (headers["x-cache"], again) == ("HIT", body)
    # plain HTTP is sent to HTTPS
    code, headers, _ = get(http_port, "/py_versions/klein/badge.svg?style=flat")
    assert code == 301
    assert headers["location"] == "https://127.0.0.1/py_versions/klein/badge.svg?style=flat"
    # modern protocols only: TLS 1.2 and 1.3 are spoken, 1.1 is not
    with socket_tls(https_port, tls) as conn:
        assert conn.version() in ("TLSv1.2", "TLSv1.3")
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(str(processes.open / "fullchain.pem"))
    old.minimum_version = ssl.TLSVersion.TLSv1
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("ALL:@SECLEVEL=0")
    with pytest.raises(ssl.SSLError):
        with socket_tls(https_port, old):
            pass


@pytest.mark.slow
def test_nginx_forwards_only_get_and_head(processes, backend):
    """
    nginx connects to Varnish from 127.0.0.1, where Varnish takes a PURGE: nginx answers any
    method but GET and HEAD itself, so a PURGE through the public port purges nothing, and no
    other method reaches Varnish or the daemon.
    """
    upstream, daemon = backend
    varnish = start_varnish(processes, daemon)
    _, https_port, tls = start_nginx(processes, varnish)
    path = "/license/klein/badge.svg"
    get(https_port, path, tls=tls)
    assert get(https_port, path, tls=tls)[1]["x-cache"] == "HIT"
    for _ in range(3):
        code, headers, _ = get(https_port, "/klein", method="PURGE", tls=tls)
        assert (code, headers.get("allow")) == (405, "GET, HEAD")
        assert headers["strict-transport-security"].startswith("max-age=63072000")
    code, headers, _ = get(https_port, path, tls=tls)
    assert (code, headers["x-cache"]) == (200, "HIT")
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BAN"):
        code, headers, _ = get(https_port, path, method=method, tls=tls)
        assert (code, headers.get("allow")) == (405, "GET, HEAD"), method
    # HEAD still goes through, without Allow
    code, headers, _ = get(https_port, path, method="HEAD", tls=tls)
    assert (code, headers["x-cache"], headers.get("allow")) == (200, "HIT", None)
    assert varnish_saw(processes, 'ReqMethod ne "GET" and ReqMethod ne "HEAD"') == []
    log = processes.log("pypipins")
    assert [line for line in log.splitlines() if '"GET ' not in line and '"HEAD ' not in line
            and " - - [" in line] == []


def socket_tls(port: int, context: ssl.SSLContext):
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


# -- supervisor ---------------------------------------------------------------------------


def free_ports_in_a_row(count: int) -> int:
    """
    The first of C{count} consecutive free loopback ports, for supervisor's numprocs. They are
    taken below the kernel's ephemeral range, since in it every other port is where outgoing
    connections get theirs (and C{free_port()} the others): one could take a port between
    this check and the daemon's listening.
    """
    ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    while True:
        first = random.randrange(10000, ephemeral - count)
        try:
            for port in range(first, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue


class Supervisor:
    """
    A real supervisord running etc/supervisor's programs, paths and ports filled in: the
    daemons on C{ports}, named C{pypipins:pypipins-<port>} in supervisorctl.
    """

    def __init__(self, processes: Processes, backend: Tuple[int, int], redis, **popen) -> None:
        self.user = "nobody" if runs_as_nobody(sys.executable) else "root"
        if self.user == "root":
            warnings.warn(f"{sys.executable} cannot be run by nobody here (a folder on its path "
                          "is private): the programs run as root in this test", stacklevel=2)
        upstream, _ = backend
        directory = processes.open
        numprocs = re.search(r"^numprocs=(\d+)$", (ETC / "supervisor" / "pypipins.conf").read_text(),
                             re.MULTILINE)
        assert numprocs, "etc/supervisor/pypipins.conf runs no fleet"
        first = free_ports_in_a_row(int(numprocs.group(1)))
        self.ports = list(range(first, first + int(numprocs.group(1))))
        self.shields_port = free_port()
        programs = ((ETC / "supervisor" / "pypipins.conf").read_text()
                    .replace("/srv/pypipins/.venv", str(VENV))
                    .replace("directory=/srv/pypipins", f"directory={directory}")
                    .replace("user=pypipins", f"user={self.user}")
                    .replace("/var/log/pypipins", str(directory))
                    .replace("numprocs_start=8881", f"numprocs_start={first}")
                    .replace("tcp:9000:interface=127.0.0.1",
                             f"tcp:{self.shields_port}:interface=127.0.0.1")
                    .replace("--redis redis://127.0.0.1:6379/0",
                             f"--redis {redis.url} --pypi-url http://127.0.0.1:{upstream}/pypi"))
        assert not [line for line in programs.splitlines()
                    if "/srv/" in line and not line.startswith(";")]
        # As the ports: a figure this machine allows. supervisord refuses to start when it
        # cannot raise its hard limit to minfds (that takes CAP_SYS_RESOURCE).
        minfds = re.search(r"^minfds=(\d+)$", programs, re.MULTILINE)
        self.minfds = min(int(minfds.group(1)), resource.getrlimit(resource.RLIMIT_NOFILE)[1]) \
            if minfds else None
        if minfds:
            programs = programs.replace(minfds.group(0), f"minfds={self.minfds}")
        (directory / "programs.conf").write_text(programs)
        self.config = directory / "supervisord.conf"
        self.config.write_text(f"""
[supervisord]
nodaemon=true
logfile={directory}/supervisord.log
pidfile={directory}/supervisord.pid
[unix_http_server]
file={directory}/supervisor.sock
[supervisorctl]
serverurl=unix://{directory}/supervisor.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[include]
files = {directory}/programs.conf
""")
        self.process = processes.start(
            "supervisord", [str(VENV / "bin" / "supervisord"), "-c", str(self.config)],
            self.shields_port, **popen)
        for port in self.ports:
            wait_for_port(port)

    @property
    def daemons(self) -> List[str]:
        """
        The daemons' names for supervisorctl.
        """
        return [f"pypipins:pypipins-{port}" for port in self.ports]

    def pid(self, program: str) -> int:
        out = subprocess.run([str(VENV / "bin" / "supervisorctl"), "-c", str(self.config), "pid",
                              program], capture_output=True, text=True)
        return int(out.stdout.strip() or 0)


def open_files(pid: int) -> Tuple[int, int]:
    """
    The soft and hard limits of open files of process C{pid}.
    """
    line = next(line for line in Path(f"/proc/{pid}/limits").read_text().splitlines()
                if line.startswith("Max open files"))
    soft, hard = line.split()[3:5]
    return int(soft), int(hard)


@pytest.mark.slow
def test_supervisor_restarts_a_killed_daemon(processes, backend, redis):
    """
    etc/supervisor's programs, paths filled in, under a real supervisord: every daemon of the
    fleet answers on its port; SIGKILL one, and supervisor starts it again while the other
    goes on answering.
    """
    supervisor = Supervisor(processes, backend, redis)
    assert len(supervisor.ports) == 2
    for port in supervisor.ports:
        code, _, body = get(port, "/license/klein/badge.svg")
        assert code == 200 and b"license: MIT" in body
    code, _, body = get(supervisor.shields_port, "/badge/a-b-red.svg")
    assert code == 200

    pids = [supervisor.pid(daemon) for daemon in supervisor.daemons]
    assert 0 not in pids and len(set(pids)) == 2
    if supervisor.user == "nobody":
        assert "\nUid:\t65534\t" in Path(f"/proc/{pids[0]}/status").read_text()
    subprocess.run(["kill", "-KILL", str(pids[0])], check=True)
    code, _, body = get(supervisor.ports[1], "/license/attrs/badge.svg")
    assert code == 200 and b"license: MIT" in body
    wait_until(lambda: supervisor.pid(supervisor.daemons[0]) not in (0, pids[0]), timeout=30)
    assert supervisor.pid(supervisor.daemons[1]) == pids[1]
    wait_for_port(supervisor.ports[0])
    code, _, body = get(supervisor.ports[0], "/license/klein/badge.svg")
    assert code == 200 and b"license: MIT" in body


@pytest.mark.slow
def test_supervisor_gives_the_programs_open_files(processes, backend, redis):
    """
    Started from a shell's soft limit of 1024 open files, supervisord raises its own to the
    file's minfds (a [supervisord] section in an included file counts), and the programs it
    starts run with at least that many.
    """
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    supervisor = Supervisor(processes, backend, redis,
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard)))
    assert supervisor.minfds is not None, "etc/supervisor/pypipins.conf sets no minfds"
    assert supervisor.minfds > 1024
    assert open_files(supervisor.process.pid)[0] >= supervisor.minfds
    assert (f"Increased RLIMIT_NOFILE limit to {supervisor.minfds}"
            in (processes.open / "supervisord.log").read_text())
    for program in [*supervisor.daemons, "shields"]:
        soft, hard = open_files(supervisor.pid(program))
        assert soft >= supervisor.minfds and soft == hard, program


def runs_as_nobody(executable: str) -> bool:
    """
    Whether user nobody can run C{executable}, switched to as supervisor does (setuid).
    """
    try:
        out = subprocess.run([executable, "-c", "pass"], user=65534, group=65534,
                             extra_groups=[], capture_output=True, cwd="/")
    except PermissionError:
        return False
    return out.returncode == 0


# -- systemd ------------------------------------------------------------------------------


@pytest.mark.parametrize("unit, instance", [("pypipins@.service", "pypipins@8881.service"),
                                            ("shields.service", "shields.service")])
def test_systemd_units_verify(tmp_path, unit, instance):
    """
    The units, paths filled in, verify; the daemons' template as an instance (the port), as
    C{systemctl enable --now pypipins@8881} starts it.
    """
    analyze = require("systemd-analyze", "systemd")
    text = ((ETC / "systemd" / unit).read_text()
            .replace("/srv/pypipins/.venv", str(VENV)).replace("/srv/pypipins", str(ROOT))
            .replace("User=pypipins", "User=nobody"))
    (tmp_path / unit).write_text(text)
    out = subprocess.run([analyze, "verify", str(tmp_path / instance)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_redis_password_as_a_credential_verifies(tmp_path):
    """
    The daemons' unit changed as its comment says for a Redis password (the credential
    uncommented, C{--redis-password-file %d/redis-password} added to the command): it verifies.
    """
    analyze = require("systemd-analyze", "systemd")
    text = (ETC / "systemd" / "pypipins@.service").read_text()
    assert "\n#LoadCredential=redis-password:" in text and "--redis-password-file %d/redis-password" in text
    text = (text.replace("\n#LoadCredential=", "\nLoadCredential=")
            .replace("--fleet-size 2\n", "--fleet-size 2 --redis-password-file %d/redis-password\n")
            .replace("/srv/pypipins/.venv", str(VENV)).replace("/srv/pypipins", str(ROOT))
            .replace("User=pypipins", "User=nobody"))
    (tmp_path / "pypipins@.service").write_text(text)
    out = subprocess.run([analyze, "verify", str(tmp_path / "pypipins@8881.service")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
