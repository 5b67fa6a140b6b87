"""
Load with faults: the real daemon (twistd -n pypipins), a real redis-server and the upstream
stand-in, all on loopback; tens of thousands of mixed badge requests at high concurrency while
the upstream fails and recovers and Redis is killed and restarted. Reports requests, errors
(anything but a 200 with a well-formed badge: must be 0), upstream requests and the daemon's
peak memory.

    .venv/bin/python bench/load_faults.py [--requests 30000] [--concurrency 100]

Bounded: it sends --requests requests and stops, and every process it starts is its own.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import RedisServer, free_port, wait_for_port  # noqa: E402

PACKAGES = ["klein", "attrs", "twisted", "treq", "txredisapi", "hyperlink", "pytest-twisted",
            "eggy", "prerelease-pkg", "dev-pkg", "weird-version", "bare", "requires-only",
            "mature-stubs", "scripty"]
KINDS = ["v", "version", "wheel", "egg", "format", "license", "py_versions", "implementation",
         "status", "d", "download"]
STYLES = ["flat", "flat-square", "plastic", "for-the-badge", "social"]
EXTS = ["svg"] * 6 + ["json"] * 3 + ["png"]

#: (fraction of the run, what happens): the upstream fails in several ways, Redis goes away.
FAULTS = [
    (0.20, "upstream 500"), (0.30, "upstream recovers"),
    (0.35, "upstream hangs"), (0.45, "upstream recovers"),
    (0.50, "kill redis"), (0.62, "start redis"),
    (0.70, "upstream garbage"), (0.80, "upstream recovers"),
    (0.85, "kill redis"), (0.90, "start redis"),
]


def paths(count: int):
    for i in range(count):
        kind, package = KINDS[i % len(KINDS)], PACKAGES[(i // len(KINDS)) % len(PACKAGES)]
        query = f"?style={STYLES[(i // 7) % len(STYLES)]}" if i % 3 else ""
        yield f"/{kind}/{package}/badge.{EXTS[i % len(EXTS)]}{query}"


def peak_memory_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--concurrency", type=int, default=100)
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pypipins-load-"))
    redis = RedisServer(work)
    redis.start()
    standin_port, daemon_port = free_port(), free_port()
    standin = subprocess.Popen([sys.executable, "-m", "tests.standin", str(standin_port)], cwd=ROOT)
    wait_for_port(standin_port, process=standin)
    twistd = str(Path(sys.executable).parent / "twistd")
    log = (work / "twistd.log").open("wb")
    daemon = subprocess.Popen(
        [twistd, "-n", "--pidfile=", "pypipins", "--port", f"tcp:{daemon_port}:interface=127.0.0.1",
         "--redis", redis.url, "--pypi-url", f"http://127.0.0.1:{standin_port}/pypi",
         "--stats-url", f"http://127.0.0.1:{standin_port}/stats",
         # a short TTL, so that facts go stale and are refreshed while the upstream fails
         "--cache-ttl", "2", "--upstream-timeout", "1"],
        cwd=work, stdout=log, stderr=subprocess.STDOUT,
    )
    wait_for_port(daemon_port, process=daemon)
    try:
        report = run(options, daemon_port, standin_port, redis, daemon.pid)
    finally:
        for process in (daemon, standin):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        redis.kill()
    text = (work / "twistd.log").read_text()
    report["tracebacks in the daemon's log"] = text.count("Traceback")
    report["daemon log"] = str(work / "twistd.log")
    for key, value in report.items():
        print(f"{key:>34}: {value}")
    if report["errors"] or report["tracebacks in the daemon's log"]:
        sys.exit(1)


def run(options, daemon_port: int, standin_port: int, redis: RedisServer, daemon_pid: int) -> dict:
    import treq
    from twisted.internet import defer, reactor, task
    from twisted.web.client import Agent, HTTPConnectionPool

    from bench.reactor_run import run

    pool = HTTPConnectionPool(reactor)
    pool.maxPersistentPerHost = options.concurrency
    http = treq.client.HTTPClient(Agent(reactor, pool=pool))
    base = f"http://127.0.0.1:{daemon_port}"
    control = f"http://127.0.0.1:{standin_port}/_control"
    todo = iter(paths(options.requests))
    counts = {"requests": 0, "errors": 0, "unavailable badges": 0, "stale answers": 0}
    errors = []
    faults = list(FAULTS)
    events = []

    async def fault(what: str) -> None:
        events.append(f"{counts['requests']}: {what}")
        if what == "kill redis":
            redis.kill()
        elif what == "start redis":
            redis.start()
        elif what == "upstream recovers":
            await http.get(f"{control}/recover?name=*")
        else:
            how = what.split()[1].replace("hangs", "hang")
            await http.get(f"{control}/fail?name=*&how={how}")

    async def worker() -> None:
        for path in todo:
            counts["requests"] += 1
            while faults and counts["requests"] >= faults[0][0] * options.requests:
                await fault(faults.pop(0)[1])
            try:
                response = await http.get(base + path)
                body = await response.content()
                ok = response.code == 200 and check(path, body)
                if (response.headers.getRawHeaders("x-pypipins-stale") or [""])[0] == "true":
                    counts["stale answers"] += 1
                if b"unavailable" in body:
                    counts["unavailable badges"] += 1
            except Exception as e:  # a refused or broken connection is an error too
                ok, body = False, repr(e).encode()
            if not ok:
                counts["errors"] += 1
                errors.append((path, body[:200]))

    async def everything() -> dict:
        # every package known once before the faults begin, within pypistats' 5 a second
        for package in PACKAGES:
            await http.get(f"{base}/v/{package}/badge.json")
            await http.get(f"{base}/d/{package}/badge.json")
            await task.deferLater(reactor, 0.25, lambda: None)
        started = time.monotonic()
        await defer.gatherResults([defer.Deferred.fromCoroutine(worker())
                                   for _ in range(options.concurrency)])
        elapsed = time.monotonic() - started
        upstream = json.loads(await (await http.get(f"{control}/requests")).content())["requests"]
        await pool.closeCachedConnections()
        return {**counts, "seconds": round(elapsed, 1),
                "requests per second": round(counts["requests"] / elapsed),
                "upstream requests": upstream,
                "daemon peak memory (MB)": round(peak_memory_kb(daemon_pid) / 1024, 1),
                "faults": "; ".join(events),
                "first errors": errors[:3]}

    return run(everything())


def check(path: str, body: bytes) -> bool:
    """
    Whether a 200's body is a well-formed badge of the format asked for.
    """
    ext = path.split("?")[0].rsplit(".", 1)[1]
    if ext == "svg":
        return ET.fromstring(body).tag == "{http://www.w3.org/2000/svg}svg"
    if ext == "json":
        return json.loads(body)["schemaVersion"] == 1
    return body.startswith(b"\x89PNG")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
