"""
One probe's stack: redis-server, the upstream stand-in (tests/standin.py, always this tree's)
and C{twistd -n pypipins} from a given tree, so that the code before a change and after it run
side by side from one virtualenv: the daemon imports C{pypipins} from C{tree} (first on its
C{PYTHONPATH}) whatever the virtualenv has installed. Varnish, from etc/'s VCL of the same
tree, in front when asked.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers import RedisServer, free_port, wait_for_port  # noqa: E402

#: The VCL's backend ports (etc/varnish/default.vcl), replaced by the daemon's.
VCL_PORTS = ("8881", "8882")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Stack:
    """
    The processes of one round of one probe, for the code in C{tree}, run by C{venv}'s
    interpreter; their logs in C{work}.

    @param daemon_args: more arguments to C{twistd pypipins} (both trees must take them).
    @param env: more environment for the daemon.
    @param varnish: put varnishd with the tree's VCL in front (L{varnish_port}).
    """

    def __init__(self, tree: Path, venv: Path, work: Path, daemon_args: Sequence[str] = (),
                 env: Optional[Dict[str, str]] = None, varnish: bool = False,
                 standin: bool = True) -> None:
        self.tree, self.venv, self.work = tree, venv, work
        work.mkdir(parents=True, exist_ok=True)
        self.processes: List[Tuple[str, subprocess.Popen]] = []
        self.redis = RedisServer(work)
        self.redis.start()
        self.upstream = free_port()
        if standin:
            self.start("standin", [str(venv / "bin/python"), "-m", "tests.standin", str(self.upstream)],
                       self.upstream, cwd=ROOT)
        self.port = free_port()
        self.daemon_env = {**os.environ, "PYTHONPATH": str(tree), **(env or {})}
        self.daemon = self.start("pypipins", [
            str(venv / "bin/twistd"), "-n", "--pidfile=", "pypipins",
            "--port", f"tcp:{self.port}:interface=127.0.0.1", "--redis", self.redis.url,
            "--pypi-url", f"http://127.0.0.1:{self.upstream}/pypi",
            "--simple-url", f"http://127.0.0.1:{self.upstream}/simple",
            "--stats-url", f"http://127.0.0.1:{self.upstream}/stats", *daemon_args,
        ], self.port, cwd=work, env=self.daemon_env)
        self.varnish_port: Optional[int] = None
        if varnish:
            self.varnish_port = self._start_varnish()

    def start(self, name: str, args: List[str], port: Optional[int], **kwargs) -> subprocess.Popen:
        log = (self.work / f"{name}.log").open("ab")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        self.processes.append((name, process))
        if port is not None:
            try:
                wait_for_port(port, timeout=60, process=process)
            except RuntimeError:
                raise RuntimeError(self.log(name))
        return process

    def _start_varnish(self) -> int:
        text = (self.tree / "etc/varnish/default.vcl").read_text()
        for ours in VCL_PORTS:
            text = text.replace(f'.port = "{ours}";', f'.port = "{self.port}";')
        # a folder varnishd's unprivileged children can read
        folder = Path(subprocess.run(["mktemp", "-d", "/tmp/pypipins-trust-varnish-XXXXXX"],
                                     capture_output=True, text=True, check=True).stdout.strip())
        folder.chmod(0o755)
        self.varnish_dir = folder
        (folder / "default.vcl").write_text(text)
        port = free_port()
        self.start("varnish", [
            "varnishd", "-F", "-a", f"127.0.0.1:{port}", "-f", str(folder / "default.vcl"),
            "-n", str(folder / "varnish"), "-s", "malloc,64m", "-T", f"127.0.0.1:{free_port()}",
        ], port)
        return port

    def log(self, name: str = "pypipins") -> str:
        return (self.work / f"{name}.log").read_text(errors="replace")

    def url(self, path: str, varnish: bool = False) -> str:
        port = self.varnish_port if varnish else self.port
        return f"http://127.0.0.1:{port}{path}"

    def get(self, path: str, varnish: bool = False, method: str = "GET",
            headers: Optional[Dict[str, str]] = None, timeout: float = 30) -> Tuple[int, Dict[str, str], bytes]:
        """
        The status, headers and body of a request; an HTTP error status is an answer too.
        """
        request = urllib.request.Request(self.url(path, varnish), method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def control(self, what: str) -> Dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.upstream}/_control/{what}", timeout=30) as r:
            return json.loads(r.read())

    @property
    def rss_mb(self) -> float:
        return rss_mb(self.daemon.pid)

    def stop(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.redis.kill()
        folder = getattr(self, "varnish_dir", None)
        if folder is not None:
            subprocess.run(["rm", "-rf", str(folder)])


def raw_exchange(port: int, data: bytes, read_for: float = 1.0) -> bytes:
    """
    C{data} written as it is on a new connection, and what comes back within C{read_for}
    seconds (for what an HTTP library will not send).
    """
    with socket.create_connection(("127.0.0.1", port), timeout=read_for) as connection:
        connection.sendall(data)
        received = b""
        deadline = time.monotonic() + read_for
        while time.monotonic() < deadline:
            try:
                chunk = connection.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            received += chunk
        return received


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed_get(url: str, timeout: float = 30) -> Tuple[float, int]:
    """
    Seconds a GET of C{url} took, and its status (0: no answer).
    """
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as e:
        status = e.code
    except (OSError, urllib.error.URLError):
        status = 0
    return time.monotonic() - started, status
