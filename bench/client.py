"""
Load a benchmark needs from a client of its own process (each run gets a fresh reactor):

    python bench/client.py cold BASE_URL      200 requests at once over 50 uncached packages
    python bench/client.py memory BASE_URL PID [REQUESTS [PACKAGES]]
                                              40,000 requests over 4,000 packages unless told,
                                              50 at a time
    python bench/client.py burst BASE_URL     the download badges of 40 new packages at once

Prints one JSON object.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import treq
from twisted.internet import defer, reactor
from twisted.web.client import Agent, HTTPConnectionPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.reactor_run import run

FACTS_KINDS = ["license", "v", "py_versions", "status"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def cold(base: str) -> dict:
    """
    200 clients at once, each asking one badge: 4 kinds of 50 packages nobody asked for yet.
    """
    pool = HTTPConnectionPool(reactor)
    pool.maxPersistentPerHost = 200
    http = treq.client.HTTPClient(Agent(reactor, pool=pool))
    paths = [f"/{kind}/bench-{1000 + n}/badge.svg" for n in range(50) for kind in FACTS_KINDS]

    async def one(path):
        started = time.monotonic()
        response = await http.get(base + path)
        await response.content()
        return response.code, (time.monotonic() - started) * 1000

    results = await defer.gatherResults([defer.Deferred.fromCoroutine(one(p)) for p in paths])
    await pool.closeCachedConnections()
    latencies = [ms for _, ms in results]
    return {"requests": len(results), "ok": sum(1 for code, _ in results if code == 200),
            "p50_ms": round(percentile(latencies, 0.50), 1), "p90_ms": round(percentile(latencies, 0.90), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies), 1),
            "mean_ms": round(statistics.mean(latencies), 1)}


#: The memory scenario of issue 17: requests, over this many distinct packages.
MEMORY_REQUESTS = 40_000
MEMORY_PACKAGES = 4_000


async def memory(base: str, pid: int, total: int = MEMORY_REQUESTS, packages: int = MEMORY_PACKAGES) -> dict:
    """
    C{total} requests over C{packages} packages, kinds and styles in turn; the daemon's
    resident size at the half and at the end (and at each tenth, to see the trend).
    """
    pool = HTTPConnectionPool(reactor)
    pool.maxPersistentPerHost = 50
    http = treq.client.HTTPClient(Agent(reactor, pool=pool))
    samples, errors = {}, 0
    start = rss_mb(pid)
    kinds = ["license", "v", "wheel", "py_versions", "status", "format", "implementation", "egg"]
    styles = ["flat", "flat-square", "plastic"]
    todo = iter(range(total))
    marks = {total * n // 10 for n in range(1, 11)}

    async def worker():
        nonlocal errors
        for i in todo:
            path = f"/{kinds[i % len(kinds)]}/bench-{(i // len(kinds)) % packages}/badge.svg?style={styles[i % 3]}"
            response = await http.get(base + path)
            await response.content()
            errors += response.code != 200
            if i + 1 in marks:
                samples[i + 1] = rss_mb(pid)

    started = time.monotonic()
    await defer.gatherResults([defer.Deferred.fromCoroutine(worker()) for _ in range(50)])
    await pool.closeCachedConnections()
    half, end = samples.get(total // 2, 0.0), rss_mb(pid)
    return {"requests": total, "packages": packages, "errors": errors,
            "seconds": round(time.monotonic() - started, 1),
            "rss_before_mb": round(start, 1), "rss_half_mb": round(half, 1), "rss_end_mb": round(end, 1),
            "growth_second_half_mb": round(end - half, 1),
            "rss_each_tenth_mb": [round(samples.get(mark, 0.0), 1) for mark in sorted(marks)]}


#: New packages in the downloads burst; the stand-in's numbered-<N> have N downloads a day.
BURST = 40


async def burst(base: str) -> dict:
    """
    The download badges of L{BURST} packages nobody asked for yet, all at once, as a README
    with many badges (or many READMEs) does; each asked again as soon as it says C{queued},
    until it shows its count. How many were counted within the daemon's wait, and when the
    last one was.
    """
    pool = HTTPConnectionPool(reactor)
    pool.maxPersistentPerHost = BURST
    http = treq.client.HTTPClient(Agent(reactor, pool=pool))
    started = time.monotonic()
    first_counted, asked = 0, 0

    async def one(n: int) -> float:
        nonlocal first_counted, asked
        path = f"/d/numbered-{n}/badge.json?period=day"
        first = True
        while True:
            response = await http.get(base + path)
            message = json.loads(await response.content())["message"]
            asked += 1
            if message == f"{n}/day":
                first_counted += first
                return time.monotonic() - started
            if message != "queued":
                raise RuntimeError(f"{path}: {message}")
            first = False

    done = await defer.gatherResults([defer.Deferred.fromCoroutine(one(n)) for n in range(1, BURST + 1)])
    await pool.closeCachedConnections()
    return {"packages": BURST, "counted_at_once": first_counted, "requests": asked,
            "seconds_until_all_counted": round(max(done), 1)}


def main() -> None:
    mode, base = sys.argv[1], sys.argv[2]
    if mode == "cold":
        work = cold(base)
    elif mode == "burst":
        work = burst(base)
    else:
        work = memory(base, int(sys.argv[3]), *(int(n) for n in sys.argv[4:6]))
    print(json.dumps(run(work)))


if __name__ == "__main__":
    main()
