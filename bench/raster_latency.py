"""
Cold raster latency through the daemon: PNG badges with labels never asked before (so nothing
kept serves them: each is drawn), one request at a time, over one kept-alive connection per
daemon. Several daemons (two checkouts' twistd, say) are asked in turn, round after round,
since the machine is noisy. Reports p50/p99 per daemon, and the resident memory of each daemon
and of its children (the raster workers).

    .venv/bin/python bench/raster_latency.py --twistd before=/work/main/.venv/bin/twistd \\
        --twistd after=.venv/bin/twistd [--rounds 10] [--per-round 100] [--warm-up 300]

Bounded: it sends the requests it says and stops, and every process it starts is its own.
"""

import argparse
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import RedisServer, children, free_port, wait_for_port  # noqa: E402


def memory_kb(pid: int, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def percentile(values: List[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Daemon:
    def __init__(self, name: str, twistd: str, db: int, redis: RedisServer, upstream: str, directory: Path):
        self.name = name
        self.port = free_port()
        self.log = directory / f"{name}.log"
        self.process = subprocess.Popen(
            [os.path.abspath(twistd), "-n", "--pidfile=", "pypipins", "--port", f"tcp:{self.port}:interface=127.0.0.1",
             "--redis", f"redis://127.0.0.1:{redis.port}/{db}",
             "--pypi-url", upstream + "/pypi", "--stats-url", upstream + "/stats"],
            cwd=directory, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, timeout=60, process=self.process)
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self.seconds: List[float] = []

    def get(self, path: str) -> float:
        started = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        took = time.perf_counter() - started
        if response.status != 200 or body[:4] != b"\x89PNG":
            raise RuntimeError(f"{self.name}: {path} answered {response.status} {body[:100]!r}")
        return took

    def stop(self) -> None:
        self.connection.close()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--twistd", action="append", required=True, metavar="NAME=PATH")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--warm-up", type=int, default=300)
    parser.add_argument("--ext", default="png")
    args = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="raster-latency-"))
    redis = RedisServer(directory)
    redis.start()
    upstream_port = free_port()
    upstream = subprocess.Popen([sys.executable, "-m", "tests.standin", str(upstream_port)], cwd=ROOT)
    daemons: Dict[str, Daemon] = {}
    try:
        wait_for_port(upstream_port, process=upstream)
        for db, spec in enumerate(args.twistd):
            name, _, twistd = spec.partition("=")
            daemons[name] = Daemon(name, twistd, db, redis, f"http://127.0.0.1:{upstream_port}", directory)
        path = "/license/klein/badge.{ext}?label={label}"
        for daemon in daemons.values():
            for i in range(args.warm_up):
                daemon.get(path.format(ext=args.ext, label=f"warm-{i}"))
        for round in range(args.rounds):
            for daemon in daemons.values():
                for i in range(args.per_round):
                    daemon.seconds.append(daemon.get(path.format(ext=args.ext, label=f"r{round}-{i}")))
        print(f"cold {args.ext} through the daemon, {args.rounds} rounds x {args.per_round} requests, "
              f"after {args.warm_up} to warm up")
        for daemon in daemons.values():
            ms = [s * 1000 for s in daemon.seconds]
            workers = children(daemon.process.pid)
            print(f"{daemon.name:>8}: p50 {percentile(ms, 50):6.2f} ms  p90 {percentile(ms, 90):6.2f}  "
                  f"p99 {percentile(ms, 99):6.2f}  max {max(ms):6.1f}  | daemon RSS "
                  f"{memory_kb(daemon.process.pid) // 1024} MiB "
                  f"(peak {memory_kb(daemon.process.pid, 'VmHWM') // 1024}), "
                  f"workers RSS {[memory_kb(pid) // 1024 for pid in workers]} MiB")
    finally:
        for daemon in daemons.values():
            daemon.stop()
        upstream.terminate()
        upstream.wait()
        redis.kill()


if __name__ == "__main__":
    main()
