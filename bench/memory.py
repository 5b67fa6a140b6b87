"""
The daemon's resident memory under bench/client.py's memory scenario, for configurations run
in alternation (so that the machine's noise falls alike on each):

    .venv/bin/python bench/memory.py [--runs 2] [--requests 40000] [--packages 4000] CONFIG...

Each CONFIG is one argument: a virtualenv, then the daemon's environment (NAME=value) and its
options (--name=value), e.g. '.venv-pypy PYPY_GC_MAX=300MB --ready-memory=16'. Each run starts
its own redis-server, upstream stand-in and daemon, as bench/run.py's Stack does. Prints one
JSON object a run, then a summary per configuration.
"""

import argparse
import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.client import MEMORY_PACKAGES, MEMORY_REQUESTS  # noqa: E402
from tests.helpers import RedisServer, free_port, wait_for_port  # noqa: E402


def parse(config: str) -> Tuple[Path, Dict[str, str], List[str]]:
    venv, *rest = shlex.split(config)
    env = dict(word.split("=", 1) for word in rest if not word.startswith("-"))
    return Path(venv).absolute(), env, [word for word in rest if word.startswith("-")]


def run_one(config: str, requests: int, packages: int) -> Dict:
    venv, env, options = parse(config)
    work = Path(tempfile.mkdtemp(prefix="pypipins-memory-"))
    redis = RedisServer(work)
    redis.start()
    processes: List[subprocess.Popen] = []

    def start(name: str, args: List[str], port: int, **kwargs) -> subprocess.Popen:
        log = (work / f"{name}.log").open("wb")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        processes.append(process)
        wait_for_port(port, timeout=60, process=process)
        return process

    try:
        upstream, port = free_port(), free_port()
        start("standin", [sys.executable, "-m", "tests.standin", str(upstream)], upstream, cwd=ROOT)
        daemon = start("pypipins", [
            str(venv / "bin/twistd"), "-n", "--pidfile=", "pypipins",
            "--port", f"tcp:{port}:interface=127.0.0.1", "--redis", redis.url,
            "--pypi-url", f"http://127.0.0.1:{upstream}/pypi",
            "--stats-url", f"http://127.0.0.1:{upstream}/stats", *options,
        ], port, cwd=work, env={**os.environ, **env})
        result = json.loads(subprocess.run(
            [sys.executable, str(ROOT / "bench/client.py"), "memory", f"http://127.0.0.1:{port}",
             str(daemon.pid), str(requests), str(packages)],
            capture_output=True, text=True, check=True).stdout)
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        redis.kill()
    return {"config": config, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--requests", type=int, default=MEMORY_REQUESTS)
    parser.add_argument("--packages", type=int, default=MEMORY_PACKAGES)
    parser.add_argument("configs", nargs="+")
    args = parser.parse_args()
    results: Dict[str, List[Dict]] = {config: [] for config in args.configs}
    for _ in range(args.runs):
        for config in args.configs:
            result = run_one(config, args.requests, args.packages)
            results[config].append(result)
            print(json.dumps(result), flush=True)
    for config, runs in results.items():
        summary = {key: [run[key] for run in runs] for key in
                   ("rss_before_mb", "rss_half_mb", "rss_end_mb", "growth_second_half_mb", "errors", "seconds")}
        summary["median_end_mb"] = statistics.median(summary["rss_end_mb"])
        summary["median_growth_mb"] = statistics.median(summary["growth_second_half_mb"])
        print(json.dumps({"summary": config, **summary}), flush=True)


if __name__ == "__main__":
    main()
