"""
The OCI image (Containerfile, scripts/image) and etc/compose.yaml, run with podman as users run
them: the image with the stand-in upstream and a Redis outside the container (both on the host's
loopback, which C{--network host} shares), and the compose file brought up whole.

scripts/image builds the image once per tree: scripts/test runs it before the suite, so that
here it only names the image; run alone, the first test to need it builds it while the others
wait on a file lock. C{PYPIPINS_SKIP_IMAGE=1} skips these tests. Every part is a process of its
own, so these tests block instead of using the reactor.
"""

import fcntl
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

import pytest

from tests.helpers import free_port, wait_for_port

SKIP = os.environ.get("PYPIPINS_SKIP_IMAGE") == "1"
pytestmark = [pytest.mark.system] + (
    [pytest.mark.skip(reason="PYPIPINS_SKIP_IMAGE=1")] if SKIP else []
)

ROOT = Path(__file__).resolve().parent.parent.parent

#: Held while scripts/image runs: two test processes never build at once.
LOCK = Path(tempfile.gettempdir()) / "pypipins-image.lock"

#: podman's settings here (scripts/containers.sh gives the same).
ENV = {**os.environ,
       "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF") or str(ROOT / "etc/container/containers.conf")}

#: The image's user (Containerfile's USER).
USER = "10001"

#: Seconds a container has to stop after SIGTERM before podman kills it: the issue's bound.
STOP_WITHIN = 10

#: Seconds each upstream answer waits while SIGTERM comes: a badge is then in flight.
UPSTREAM_DELAY = 1.0

PNG = b"\x89PNG\r\n\x1a\n"


def podman(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(["podman", *args], env=ENV, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        pytest.fail(f"podman {' '.join(args)}: {done.returncode}\n{done.stderr[-3000:]}")
    return done


def get(port: int, path: str) -> Tuple[int, Dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {what}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def image() -> str:
    """
    The name of this tree's image, built by scripts/image (with the compose file's others).
    """
    with LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = subprocess.run([str(ROOT / "scripts/image"), "--compose"], env=ENV,
                               capture_output=True, text=True, timeout=1800)
    if built.returncode != 0:
        pytest.fail(f"scripts/image: {built.returncode}\n{built.stderr[-4000:]}")
    return built.stdout.split()[-1]


class Standin:
    """
    tests/standin.py as a process on the host's loopback, steered over HTTP.
    """

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.log = directory / "standin.log"
        self.process = subprocess.Popen([sys.executable, "-m", "tests.standin", str(self.port)],
                                        cwd=ROOT, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        wait_for_port(self.port, process=self.process)

    def options(self) -> List[str]:
        base = f"http://127.0.0.1:{self.port}"
        return ["--pypi-url", f"{base}/pypi", "--simple-url", f"{base}/simple",
                "--stats-url", f"{base}/stats"]

    def control(self, what: str) -> Dict:
        return json.loads(get(self.port, f"/_control/{what}")[2])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standin]:
    running = Standin(tmp_path_factory.mktemp("standin"))
    yield running
    running.stop()


class Container:
    """
    The image run as C{podman run IMAGE ARGS...} on the host's network, its daemon on a free
    port of the host's loopback.
    """

    def __init__(self, image: str, *args: str, wait: bool = True) -> None:
        self.name = f"pypipins-test-{uuid.uuid4().hex[:12]}"
        self.port = free_port()
        podman("run", "--detach", "--name", self.name, "--network", "host", image,
               "--port", f"tcp:{self.port}:interface=127.0.0.1", *args)
        if wait:
            try:
                wait_for_port(self.port, timeout=60)
            except RuntimeError:
                raise RuntimeError(self.logs())

    def logs(self) -> str:
        done = podman("logs", self.name, check=False)
        return done.stdout + done.stderr

    def exec(self, *command: str) -> str:
        return podman("exec", self.name, *command).stdout

    def state(self, field: str) -> str:
        return podman("inspect", self.name, "--format", f"{{{{.State.{field}}}}}").stdout.strip()

    def remove(self) -> None:
        podman("rm", "--force", self.name, check=False)


@pytest.fixture
def containers() -> Iterator[Callable[..., Container]]:
    started: List[Container] = []

    def run(image: str, *args: str, wait: bool = True) -> Container:
        container = Container(image, *args, wait=wait)
        started.append(container)
        return container

    yield run
    for container in started:
        container.remove()


def test_the_image_as_users_run_it(image, standin, redis_server, containers):
    [inspected] = json.loads(podman("image", "inspect", image).stdout)
    config = inspected["Config"]
    assert config["User"] == f"{USER}:{USER}"
    assert inspected["Healthcheck"]["Test"][-1] == "/opt/pypipins/healthcheck.py"
    assert config["Entrypoint"][:6] == ["tini", "--", "twistd", "--nodaemon", "--pidfile=", "pypipins"]
    redis_server.command("FLUSHALL")
    # options straight through to `twistd pypipins`: the Redis and the upstreams of the host
    container = containers(image, "--redis", redis_server.url, *standin.options())

    status, headers, body = get(container.port, "/v/klein/badge.svg")
    assert (status, headers["content-type"]) == (200, "image/svg+xml;charset=utf-8")
    assert b"<title>pypi: 24.8.0</title>" in body
    # through the Redis outside the container
    assert redis_server.command("KEYS", "*klein*") != ""
    # a raster, drawn by the workers inside, with the image's fonts
    status, headers, body = get(container.port, "/license/klein/badge.png")
    assert (status, headers["content-type"], body[:8]) == (200, "image/png", PNG)

    # no process in it is root (tini, twistd, the raster workers); the daemon is PyPy
    processes = podman("top", container.name, "user", "args").stdout.splitlines()[1:]
    assert len(processes) >= 3
    assert {line.split()[0] for line in processes} == {"pypipins"}
    assert container.exec("id", "-u").strip() == USER
    assert container.exec("python", "-c", "import platform; print(platform.python_implementation())") \
        .strip() == "PyPy"

    # the HEALTHCHECK passes, asking the port given with --port
    assert podman("healthcheck", "run", container.name, check=False).returncode == 0

    logs = container.logs()
    assert "(/opt/pypipins/bin/pypy3 3.9" in logs
    assert '"GET /v/klein/badge.svg HTTP/1.1" 200' in logs
    assert '"GET /healthz HTTP/1.1" 200' in logs
    assert "Traceback" not in logs


def test_the_health_check_fails_when_the_daemon_cannot_serve(image, containers):
    # no Redis and no PyPI (nothing listens on port 1): /healthz says 503 half a second after
    # PyPI's first failure
    container = containers(image, "--redis", "redis://127.0.0.1:1/0",
                           "--pypi-url", "http://127.0.0.1:1/pypi", "--unhealthy-after", "0.5")
    get(container.port, "/v/klein/badge.svg")
    wait_until(lambda: get(container.port, "/healthz")[0] == 503, 30, "/healthz says 503")
    checked = podman("healthcheck", "run", container.name, check=False)
    assert checked.returncode != 0
    assert "unhealthy" in checked.stdout + checked.stderr


def test_sigterm_stops_it_with_its_answers_finished(image, standin, redis_server, containers):
    container = containers(image, "--redis", redis_server.url, *standin.options())
    assert get(container.port, "/healthz")[0] == 200
    answers: List[Tuple[int, Dict[str, str], bytes]] = []
    standin.control(f"delay?seconds={UPSTREAM_DELAY}")
    try:
        asking = threading.Thread(target=lambda: answers.append(get(container.port, "/v/numbered-28/badge.svg")))
        asking.start()
        wait_until(lambda: standin.control("requests")["in_flight"] == 1, 30, "the badge in flight")
        # SIGTERM, then SIGKILL if it has not stopped within the bound
        podman("stop", "--time", str(STOP_WITHIN), container.name, timeout=STOP_WITHIN + 60)
        asking.join(timeout=30)
    finally:
        standin.control("delay?seconds=0")
    [(status, _, body)] = answers
    assert status == 200
    assert b"<title>pypi: 28.0</title>" in body
    # its own exit, not podman's SIGKILL (137)
    assert container.state("ExitCode") in ("0", "143")
    logs = container.logs()
    assert "Stopping: 1 answers in flight" in logs
    assert "Server Shut Down." in logs


def test_sigterm_while_it_starts_stops_it_too(image, containers):
    container = containers(image, wait=False)
    podman("stop", "--time", str(STOP_WITHIN), container.name, timeout=STOP_WITHIN + 60)
    # not podman's SIGKILL (137) after the bound: the SIGTERM was not ignored
    assert container.state("ExitCode") in ("0", "143")


def podman_compose() -> str:
    """
    podman-compose 1.1 or later: scripts/test's (.venv-compose), else the one on PATH.
    """
    ours = ROOT / ".venv-compose" / "bin" / "podman-compose"
    found = str(ours) if ours.exists() else shutil.which("podman-compose")
    if found is None:
        pytest.fail("podman-compose is missing: scripts/test installs it (requirements-compose.txt)")
    return found


def test_the_compose_file_serves_badges_through_varnish(image):
    project = f"pypipins-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {**ENV, "PYPIPINS_IMAGE": image, "PYPIPINS_HTTP_PORT": str(port)}
    compose = [podman_compose(), "--project-name", project, "--file", str(ROOT / "etc/compose.yaml")]
    up = subprocess.run([*compose, "up", "--detach"], env=env, capture_output=True, text=True, timeout=600)
    try:
        assert up.returncode == 0, up.stderr[-3000:]

        def healthy() -> bool:
            try:
                status, _, body = get(port, "/healthz")
            except OSError:
                return False
            return status == 200 and json.loads(body)["redis"] == "connected"

        wait_until(healthy, 120, "/healthz through Varnish says Redis is connected")
        status, headers, body = get(port, "/badge/license-MIT-blue.svg")
        assert (status, headers["content-type"]) == (200, "image/svg+xml;charset=utf-8")
        assert b"<title>license: MIT</title>" in body
        # the project's VCL: the same badge again comes from Varnish' cache
        assert get(port, "/badge/license-MIT-blue.svg")[1]["x-cache"] == "HIT"
        status, headers, body = get(port, "/badge/license-MIT-blue.png")
        assert (status, body[:8]) == (200, PNG)
        # Varnish asks both daemons' /healthz on its loopback, as the VCL says
        for daemon in ("pypipins-1", "pypipins-2"):
            logs = f"{project}_{daemon}_1"
            wait_until(lambda logs=logs: '/healthz HTTP/1.1" 200 ' in podman("logs", logs).stdout,
                       30, f"Varnish's probe answered by {daemon}")
        # Redis keeps its data in the volume
        mounts = podman("inspect", f"{project}_redis_1", "--format",
                        "{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}").stdout.split()
        assert f"{project}_redis-data:/var/lib/redis" in mounts
    finally:
        down = subprocess.run([*compose, "down", "--volumes"], env=env, capture_output=True, text=True,
                              timeout=300)
        assert down.returncode == 0, down.stderr[-3000:]
