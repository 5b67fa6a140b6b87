"""
Every benchmark, on loopback, for each interpreter's virtualenv present (.venv: CPython,
.venv-pypy: PyPy; `PYTHON=pypy3 scripts/test` makes the latter), side by side in one run.
Writes docs/BENCHMARKS.md and the chart docs/benchmarks.png.

    .venv/bin/python bench/run.py [--seconds 10] [--warmup 10] [--venvs .venv,.venv-pypy]
    .venv/bin/python bench/run.py --only warm  # the warm rows alone, printed with their ratios

Load comes from wrk (Debian's package), except for the cold and memory scenarios, which need
a fixed number of requests and come from bench/client.py and bench/cold.py; node (for
bench/fetch_parse.mjs, the cold rows' reference) must be on the PATH.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cold import Node, cold_rows, with_cold_beside  # noqa: E402
from tests.helpers import RedisServer, free_port, wait_for_port  # noqa: E402

KINDS = ["v", "version", "wheel", "egg", "format", "license", "py_versions", "implementation", "status"]
WARM_ONE = ["/license/klein/badge.svg"]
WARM_MIX = [f"/{kind}/bench-{n}/badge.{ext}?style={style}" for kind in KINDS for n in range(50)
            for style in ("flat", "flat-square", "plastic") for ext in ("svg", "json")]
RASTER = [f"/{kind}/bench-{n}/badge.png" for kind in KINDS for n in range(10)]
#: Alternating rounds per wrk scenario; the median is reported.
ROUNDS = 3
#: The headers twisted.web writes itself, whatever a route sets.
TWISTED_HEADERS = ("server", "date", "transfer-encoding", "content-length", "connection")


def wrk(port: int, paths: List[str], seconds: int, connections: int = 50) -> Dict:
    """
    wrk's figures for C{paths} asked in turn by C{connections} connections.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(ROOT / "bench/paths.lua"),
         f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, env={**os.environ, "PATHS_FILE": listing.name}, check=True,
    ).stdout
    os.unlink(listing.name)

    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    latency = {p: ms(re.search(rf"^\s+{p}%\s+(\S+)", out, re.M).group(1)) for p in ("50", "90", "99")}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))),
            "p50_ms": latency["50"], "p90_ms": latency["90"], "p99_ms": latency["99"],
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else ""}


class Stack:
    """
    redis-server, the upstream stand-in, the daemon and the ceiling, for one interpreter.
    """

    def __init__(self, venv: Path, work: Path) -> None:
        self.venv, self.work, self.processes = venv, work, []
        self.redis = RedisServer(work)
        self.redis.start()
        self.upstream = free_port()
        self._start("standin", [sys.executable, "-m", "tests.standin", str(self.upstream)], self.upstream, cwd=ROOT)
        self.daemon_port, self.ceiling_port = free_port(), free_port()
        twistd = str(venv / "bin" / "twistd")
        self.daemon = self._start("pypipins", [
            twistd, "-n", "--pidfile=", "pypipins", "--port", f"tcp:{self.daemon_port}:interface=127.0.0.1",
            "--redis", self.redis.url, "--pypi-url", f"http://127.0.0.1:{self.upstream}/pypi",
            "--stats-url", f"http://127.0.0.1:{self.upstream}/stats"], self.daemon_port, cwd=work)
        sent = self.sent(self.daemon_port, WARM_ONE[0])
        (work / "warm_one.json").write_text(json.dumps(sent))
        # the references: a bare Klein route answering a constant body of the badge's size; and
        # one answering the badge's very bytes and headers, with the daemon's access log
        self._start("ceiling", [twistd, "-n", "--pidfile=", "-y", str(ROOT / "bench/ceiling.tac")],
                    self.ceiling_port, cwd=work,
                    env={**os.environ, "CEILING_PORT": str(self.ceiling_port),
                         "CEILING_BYTES": str(len(sent["body"].encode("utf-8")))})
        self.same_port = free_port()
        self._start("same", [twistd, "-n", "--pidfile=", "-y", str(ROOT / "bench/ceiling.tac")],
                    self.same_port, cwd=work,
                    env={**os.environ, "CEILING_PORT": str(self.same_port),
                         "CEILING_AS": str(work / "warm_one.json")})

    def _start(self, name, args, port, **kwargs):
        log = (self.work / f"{name}.log").open("wb")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        self.processes.append(process)
        wait_for_port(port, timeout=60, process=process)
        return process

    def get(self, port: int, path: str) -> bytes:
        import urllib.request

        return urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).read()

    def sent(self, port: int, path: str) -> Dict:
        """
        The headers the daemon sends for C{path}, in order, but those Twisted writes itself,
        and its body.
        """
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
            headers = [(name, value) for name, value in response.headers.items()
                       if name.lower() not in TWISTED_HEADERS]
            return {"headers": headers, "body": response.read().decode("utf-8")}

    def control(self, what: str) -> Dict:
        return json.loads(self.get(self.upstream, "/_control/" + what))

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        self.redis.kill()


def interpreter(venv: Path) -> str:
    return subprocess.run([str(venv / "bin/python"), "-c",
                           "import platform, sys; v = getattr(sys, 'pypy_version_info', None); "
                           "print(platform.python_implementation(), platform.python_version(), "
                           "f'(PyPy {v.major}.{v.minor}.{v.micro})' if v else '')"],
                          capture_output=True, text=True, check=True).stdout.strip()


def run_one(venv: Path, seconds: int, warmup: int, only_warm: bool = False) -> Dict:
    work = Path(tempfile.mkdtemp(prefix="pypipins-bench-"))
    stack = Stack(venv, work)
    from bench.client import rss_mb

    # before any badge was asked for (one was, to size the ceiling's body)
    results: Dict = {"interpreter": interpreter(venv), "rss_started_mb": round(rss_mb(stack.daemon.pid), 1)}
    try:
        def measure(pairs: List[Tuple[str, List[str], int]]) -> None:
            """
            Each (name, paths, port) warmed up, then measured in alternating rounds, so that the
            machine's noise falls alike on a scenario and its ceiling; the median round counts.
            """
            for _, paths, port in pairs:
                wrk(port, paths, warmup)  # warm caches, and PyPy's JIT
            rounds: Dict[str, List[Dict]] = {name: [] for name, _, _ in pairs}
            for _ in range(ROUNDS):
                for name, paths, port in pairs:
                    rounds[name].append(wrk(port, paths, seconds))
            for name, measured in rounds.items():
                median = sorted(measured, key=lambda r: r["rps"])[len(measured) // 2]
                median["rounds_rps"] = [r["rps"] for r in measured]
                results[name] = median
                print(f"  {name}: {median}", flush=True)

        # the daemon as users run it (its defaults: the access log in twistd's log) against the
        # bare route, which logs nothing, and against the route sending the same bytes and
        # logging them as the daemon does
        measure([("ceiling one", WARM_ONE, stack.ceiling_port), ("same one", WARM_ONE, stack.same_port),
                 ("warm one", WARM_ONE, stack.daemon_port)])
        measure([("ceiling mix", WARM_MIX, stack.ceiling_port), ("warm mix", WARM_MIX, stack.daemon_port),
                 ("raster", RASTER, stack.daemon_port)])
        if only_warm:
            return results

        node = Node()
        try:
            results["cold_big"] = cold_rows(stack.daemon_port, stack.upstream, node)
        finally:
            node.close()
        print(f"  cold big documents: {results['cold_big']}", flush=True)
        results["beside_cold"] = beside_cold(stack.daemon_port, seconds)
        print(f"  warm badges beside cold big documents: {results['beside_cold']}", flush=True)

        before = stack.control("requests")["requests"]
        stack.control("delay?seconds=0.05")
        cold = json.loads(subprocess.run([sys.executable, str(ROOT / "bench/client.py"), "cold",
                                          f"http://127.0.0.1:{stack.daemon_port}"],
                                         capture_output=True, text=True, check=True).stdout)
        stack.control("delay?seconds=0")
        cold["upstream_requests"] = stack.control("requests")["requests"] - before
        cold["distinct_packages"] = 50
        results["cold"] = cold
        print(f"  cold: {cold}", flush=True)

        results["burst"] = downloads_burst(stack)
        print(f"  downloads burst: {results['burst']}", flush=True)

        results["condense"] = json.loads(subprocess.run(
            [str(venv / "bin/python"), str(ROOT / "bench/condense.py")],
            capture_output=True, text=True, check=True).stdout)
        print(f"  condense: {results['condense']}", flush=True)

        results["memory"] = json.loads(subprocess.run(
            [sys.executable, str(ROOT / "bench/client.py"), "memory",
             f"http://127.0.0.1:{stack.daemon_port}", str(stack.daemon.pid)],
            capture_output=True, text=True, check=True).stdout)
        print(f"  memory: {results['memory']}", flush=True)
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)
    return results


def beside_cold(port: int, seconds: int) -> Dict:
    """
    The warm mix's p99 alone and while cold badges of hypothesis-sized documents are asked
    one after another beside it, in alternating rounds; the median round of each.
    """
    alone: List[Dict] = []
    beside: List[Dict] = []
    for _ in range(ROUNDS):
        alone.append(wrk(port, WARM_MIX, seconds))
        beside.append(with_cold_beside(port, lambda: wrk(port, WARM_MIX, seconds)))

    def median(rounds: List[Dict]) -> Dict:
        return sorted(rounds, key=lambda r: r["p99_ms"])[len(rounds) // 2]

    return {"alone": median(alone), "beside": median(beside),
            "cold_badges_beside": sum(r["cold_beside"] for r in beside),
            "alone_p99_rounds_ms": [r["p99_ms"] for r in alone],
            "beside_p99_rounds_ms": [r["p99_ms"] for r in beside]}


def budget_best(packages: int, limits: List[Tuple[int, float]]) -> float:
    """
    When the last of C{packages} requests may go at the soonest within C{limits}, all asked
    for at once: what a queue that wastes none of the budget achieves.
    """
    from twisted.internet.task import Clock

    from pypipins.upstream.budget import RequestBudget

    clock = Clock()
    budget = RequestBudget(clock, limits)
    for _ in range(packages):
        clock.advance(budget.wait())
        budget.take()
    return clock.seconds()


def downloads_burst(stack: "Stack") -> Dict:
    """
    Scenario 7: 40 new packages' download badges at once, at pypistats' real limits (the
    stand-in enforces them as pypistats does, and the daemon's budget is its default).
    """
    from bench.client import BURST
    from tests.standin import STATS_LIMITS

    before = stack.control("requests")["refused"]
    burst = json.loads(subprocess.run([sys.executable, str(ROOT / "bench/client.py"), "burst",
                                       f"http://127.0.0.1:{stack.daemon_port}"],
                                      capture_output=True, text=True, check=True).stdout)
    burst["budget_best_seconds"] = round(budget_best(BURST, list(STATS_LIMITS)), 1)
    burst["ratio_to_best"] = round(burst["seconds_until_all_counted"] / burst["budget_best_seconds"], 2)
    burst["refused_429"] = stack.control("requests")["refused"] - before
    return burst


def machine() -> Dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    memory = next(line.split(":", 1)[1].strip() for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": memory, "kernel": platform.release(),
            "load generator": wrk_version, "commit": commit,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=6, help="seconds of each measured wrk round")
    parser.add_argument("--warmup", type=int, default=8, help="seconds of the same load before measuring")
    parser.add_argument("--venvs", default=".venv,.venv-pypy")
    parser.add_argument("--only", choices=["warm"], help="the warm rows only, printed, docs left alone")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    if shutil.which("node") is None:
        sys.exit("node is not installed: the cold rows' reference is node's fetch and parse")
    runs = {}
    for name in options.venvs.split(","):
        venv = ROOT / name
        if not (venv / "bin" / "twistd").exists():
            print(f"{name}: no virtualenv with twistd, skipped", flush=True)
            continue
        print(f"{name}:", flush=True)
        runs[name] = run_one(venv, options.seconds, options.warmup, options.only == "warm")
    if options.only == "warm":
        from bench.report import warm_ratios

        for run in runs.values():
            print(run["interpreter"], warm_ratios(run), flush=True)
        return
    from bench.report import write

    write(runs, machine(), " ".join([Path(sys.executable).relative_to(ROOT).as_posix()
                                     if Path(sys.executable).is_relative_to(ROOT) else sys.executable,
                                     *sys.argv]), ROOT / "docs")


if __name__ == "__main__":
    main()
