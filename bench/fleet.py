"""
One daemon against two, behind Varnish as etc/varnish/default.vcl spreads them, on this
machine: how much a second daemon adds, and what Varnish itself costs.

    apt-get install wrk varnish
    .venv/bin/python bench/fleet.py [--seconds 10] [--rounds 5] [--warmup 5] [--venv .venv]

Four scenarios, each the warm mix of bench/run.py (2,700 badge URLs, every one already
drawn by every daemon) from wrk with 50 connections, measured in alternating rounds so that
the machine's noise falls alike on each; the median round counts:

- ``one direct``: wrk against one daemon;
- ``one behind varnish``: through Varnish, both backends of the VCL on that daemon;
- ``two behind varnish``: through Varnish, one daemon per backend;
- ``varnish hits``: etc/'s VCL as it is, every URL already in its cache: what Varnish costs
  when it answers itself, as it does most requests in production.

Varnish runs a bench-only copy of the VCL whose vcl_recv passes every request, so that the
daemons answer them all: with caching, Varnish would answer nearly everything itself. wrk,
Varnish and the daemons share the machine's cores; the CPU each used is reported beside
the requests per second, since that, and not the daemons, is what bounds the ratio here.

Prints one JSON object, then a short summary. Every process it starts is its own.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import WARM_MIX, interpreter, wrk  # noqa: E402
from tests.helpers import RedisServer, children, free_port, wait_for_port  # noqa: E402

#: The backends' ports in etc/varnish/default.vcl, in order.
VCL_PORTS = (8881, 8882)
#: Clock ticks per second, for the CPU times in /proc/<pid>/stat.
TICKS = os.sysconf("SC_CLK_TCK")


def bench_vcl(ports: List[int], cache: bool = False) -> str:
    """
    etc/'s VCL with its backends on C{ports}, passing every request to them unless C{cache}.
    """
    text = (ROOT / "etc/varnish/default.vcl").read_text()
    for ours, theirs in zip(VCL_PORTS, ports):
        assert text.count(f'.port = "{ours}";') == 1
        text = text.replace(f'.port = "{ours}";', f'.port = "{theirs}";')
    assert text.count("return (hash);") == 1
    return text if cache else text.replace("return (hash);", "return (pass);")


def cpu_seconds(pid: int) -> float:
    """
    CPU time (user and system) of C{pid} and its children, as they are now.
    """
    total = 0.0
    for one in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


class Fleet:
    """
    redis-server, the upstream stand-in, two daemons and three Varnishes: passing to the
    first daemon only, passing to both, and caching.
    """

    def __init__(self, venv: Path, work: Path) -> None:
        self.work, self.processes = work, []
        self.redis = RedisServer(work)
        self.redis.start()
        upstream = free_port()
        self._start("standin", [sys.executable, "-m", "tests.standin", str(upstream)], upstream, cwd=ROOT)
        self.daemons = []
        for n in (1, 2):
            port = free_port()
            process = self._start(f"pypipins-{n}", [
                str(venv / "bin/twistd"), "-n", "--pidfile=", "pypipins",
                "--port", f"tcp:{port}:interface=127.0.0.1", "--redis", self.redis.url,
                "--pypi-url", f"http://127.0.0.1:{upstream}/pypi",
                "--stats-url", f"http://127.0.0.1:{upstream}/stats"], port, cwd=work)
            self.daemons.append((port, process))
        (one, _), (two, _) = self.daemons
        self.varnish_one = self._varnish("varnish-one", [one, one])
        self.varnish_two = self._varnish("varnish-two", [one, two])
        self.varnish_cache = self._varnish("varnish-cache", [one, two], cache=True)

    def _start(self, name: str, args: List[str], port: int, **kwargs) -> subprocess.Popen:
        log = (self.work / f"{name}.log").open("wb")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        self.processes.append(process)
        wait_for_port(port, timeout=60, process=process)
        return process

    def _varnish(self, name: str, ports: List[int], cache: bool = False) -> "tuple[int, subprocess.Popen]":
        vcl = self.work / f"{name}.vcl"
        vcl.write_text(bench_vcl(ports, cache))
        port = free_port()
        varnishd = shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin:" + os.environ["PATH"])
        process = self._start(name, [
            varnishd, "-F", "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-n", str(self.work / name),
            "-s", "malloc,64m", "-T", "none"], port)
        return port, process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        self.redis.kill()


def measure(port: int, seconds: int, pids: Dict[str, int]) -> Dict:
    """
    wrk's figures against C{port}, and the cores each of C{pids} and wrk used meanwhile.
    """
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = wrk(port, WARM_MIX, seconds)
    elapsed = time.monotonic() - started
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cores = {name: (cpu_seconds(pid) - before[name]) / elapsed for name, pid in pids.items()}
    cores["wrk"] = ((wrk_after.ru_utime + wrk_after.ru_stime)
                    - (wrk_before.ru_utime + wrk_before.ru_stime)) / elapsed
    result["cores"] = {name: round(value, 2) for name, value in cores.items()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--venv", default=str(Path(sys.executable).parent.parent),
                        help="the virtualenv whose twistd runs the daemons")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")

    venv = Path(options.venv).resolve()
    work = Path(tempfile.mkdtemp(prefix="pypipins-fleet-"))
    work.chmod(0o755)  # varnishd's worker, another user, reads its folder
    fleet = Fleet(venv, work)
    (one, first), (_, second) = fleet.daemons
    (varnish_one, v1), (varnish_two, v2) = fleet.varnish_one, fleet.varnish_two
    varnish_cache, v3 = fleet.varnish_cache
    scenarios: Dict[str, Callable[[int], Dict]] = {
        "one direct": lambda s: measure(one, s, {"daemon 1": first.pid}),
        "one behind varnish": lambda s: measure(varnish_one, s, {"daemon 1": first.pid, "varnish": v1.pid}),
        "two behind varnish": lambda s: measure(
            varnish_two, s, {"daemon 1": first.pid, "daemon 2": second.pid, "varnish": v2.pid}),
        "varnish hits": lambda s: measure(varnish_cache, s, {"varnish": v3.pid}),
    }
    results: Dict = {"interpreter": interpreter(venv), "cores": os.cpu_count(),
                     "urls": len(WARM_MIX), "connections": 50, "seconds": options.seconds,
                     "rounds": options.rounds,
                     # what else ran meanwhile: the machine may be shared
                     "load average before": os.getloadavg()[0]}
    try:
        # every URL drawn and kept ready by each daemon (and PyPy's JIT warm) before measuring
        for port, _ in fleet.daemons:
            wrk(port, WARM_MIX, options.warmup)
        wrk(varnish_cache, WARM_MIX, options.warmup)
        rounds: Dict[str, List[Dict]] = {name: [] for name in scenarios}
        for n in range(options.rounds):
            for name, run in scenarios.items():
                rounds[name].append(run(options.seconds))
            print(f"round {n + 1}: " + ", ".join(f"{name} {r[-1]['rps']}/s" for name, r in rounds.items()),
                  file=sys.stderr, flush=True)
    finally:
        fleet.stop()
    results["load average after"] = os.getloadavg()[0]
    for name, measured in rounds.items():
        median = sorted(measured, key=lambda r: r["rps"])[len(measured) // 2]
        median["rounds_rps"] = [r["rps"] for r in measured]
        results[name] = median
    one_rps, two_rps = results["one behind varnish"]["rps"], results["two behind varnish"]["rps"]
    results["two / one behind varnish"] = round(two_rps / one_rps, 2)
    results["behind varnish / direct, one daemon"] = round(one_rps / results["one direct"]["rps"], 2)
    shutil.rmtree(work, ignore_errors=True)

    print(json.dumps(results, indent=2))
    print(f"\n{results['interpreter']}, {os.cpu_count()} cores shared by wrk, Varnish and the daemons:")
    for name in scenarios:
        r = results[name]
        cores = ", ".join(f"{who} {used}" for who, used in r["cores"].items())
        print(f"  {name:<20} {r['rps']:>6} requests/s  p99 {r['p99_ms']} ms  (cores: {cores})")
    print(f"  two daemons / one: {results['two / one behind varnish']}x; "
          f"Varnish (pass) keeps {results['behind varnish / direct, one daemon']:.0%} of one daemon's direct rate")


if __name__ == "__main__":
    main()
