"""
A week in an hour: one daemon per interpreter asked a million badges over 20,000 packages,
its resident size sampled every 10,000 requests, to tell a plateau from a leak.

    .venv/bin/python bench/soak.py [--requests 1000000] [--packages 20000] [--every 10000]
                                   [--venvs .venv,.venv-pypy] [--parallel] [--probe] [--no-write]

The requests walk the packages as bench/client.py's memory scenario does, nine badges a
package in a row (its first visit cold, the rest of the walk warm), download badges
included; each visit to a package asks another style, and every fourth visit the JSON form,
so a package is asked a few distinct queries. The daemon runs with its defaults, except
the upstream limits that pace a week of fetches (pypistats' 30 a minute, 40 a second to an
origin), raised in the daemon and the stand-in alike so that a week's fetches fit in the
run, and pypistats' daily update set some minutes into the run (--stats-refresh-at), when
every download count kept goes stale at once. Every memory bound is the default.

Writes docs/soak.json, docs/soak.png and the soak's section of docs/BENCHMARKS.md unless
--no-write. --probe puts bench/soak_probe on the daemon's path and asks it what it holds at
each quarter (into the run's folder; it disturbs the figures, so measured runs go without).
"""

import argparse
import asyncio
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.client import rss_mb  # noqa: E402
from tests.helpers import RedisServer, free_port, wait_for_port  # noqa: E402

REQUESTS = 1_000_000
PACKAGES = 20_000
EVERY = 10_000
CONNECTIONS = 50
KINDS = ["license", "v", "wheel", "py_versions", "status", "format", "implementation", "egg", "d"]
STYLES = ["flat", "flat-square", "plastic"]
PERIODS = ["day", "week", "month"]
#: The upstream limits of a week, compressed: pypistats' and the per-origin rate, raised alike
#: in the stand-in and the daemon.
STATS_PER_SECOND, STATS_PER_MINUTE, UPSTREAM_RATE = 100, 6000, 400
#: Minutes into the run when pypistats' counts change (a day of the week): every download
#: count kept goes stale at once, and its refresh waits for the budget.
REFRESH_AFTER = 5.0
OPTIONS = ["--stats-per-second", str(STATS_PER_SECOND), "--stats-per-minute", str(STATS_PER_MINUTE),
           "--upstream-rate", str(UPSTREAM_RATE)]


def path(i: int, packages: int) -> str:
    """
    The C{i}th request's path: the packages walked in turn, each visit its nine kinds.
    """
    visit, kind = divmod(i, len(KINDS))
    cycle, package = divmod(visit, packages)
    style = STYLES[(package + cycle) % len(STYLES)]
    ext = "json" if cycle % 4 == 3 else "svg"
    query = f"style={style}"
    if KINDS[kind] == "d":
        query += f"&period={PERIODS[(package + cycle) % len(PERIODS)]}"
    return f"/{KINDS[kind]}/bench-{package}/badge.{ext}?{query}"


async def load(port: int, pid: int, total: int, packages: int, every: int, probe,
               minutes: Optional[float] = None) -> Dict:
    """
    C{total} requests from L{CONNECTIONS} keep-alive connections (fewer if C{minutes} pass
    first); the daemon's resident size at the start and after each C{every} answered.
    """
    started = time.monotonic()
    deadline = started + minutes * 60 if minutes else float("inf")
    samples: List[List[float]] = [[0, round(rss_mb(pid), 1), 0.0]]
    statuses: Dict[str, int] = {}
    counter = iter(range(total))
    answered = 0

    async def connection() -> None:
        nonlocal answered
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in counter:
            if time.monotonic() > deadline:
                break
            request = f"GET {path(i, packages)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
            while True:
                try:
                    writer.write(request)
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), None)
                    if length is not None:
                        await reader.readexactly(length)
                    else:
                        await chunks(reader)
                    break
                except (asyncio.IncompleteReadError, ConnectionError):
                    # the daemon closed the connection: asked again on a new one
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
            status = head[9:12].decode()
            statuses[status] = statuses.get(status, 0) + 1
            answered += 1
            if answered % every == 0:
                samples.append([answered, round(rss_mb(pid), 1), round(time.monotonic() - started, 1)])
                if answered % (total // 4) == 0:
                    probe()
        writer.close()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    if answered % every:
        samples.append([answered, round(rss_mb(pid), 1), round(time.monotonic() - started, 1)])
    return {"samples": samples, "statuses": statuses, "seconds": round(time.monotonic() - started, 1)}


async def chunks(reader: asyncio.StreamReader) -> None:
    """
    Read a chunked body (what Twisted sends when a resource writes after returning).
    """
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return


def interpreter(venv: Path) -> str:
    from bench.run import interpreter as name

    return name(venv)


def one(venv: Path, total: int, packages: int, every: int, probing: bool, extra: List[str],
        refresh_after: float, minutes: Optional[float] = None) -> Dict:
    """
    The soak of one interpreter's daemon, in a stack of its own.
    """
    work = Path(tempfile.mkdtemp(prefix="pypipins-soak-"))
    redis = RedisServer(work)
    redis.start()
    processes: List[subprocess.Popen] = []

    def start(name: str, args: List[str], port: int, **kwargs) -> subprocess.Popen:
        log = (work / f"{name}.log").open("wb")
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        processes.append(process)
        wait_for_port(port, timeout=60, process=process)
        return process

    env = dict(os.environ)
    probes = work / "probes.jsonl"
    if probing:
        env.update(PYTHONPATH=os.pathsep.join([str(ROOT / "bench/soak_probe"), str(ROOT)]),
                   PYPIPINS_SOAK_PROBE=str(probes))
    try:
        upstream, port = free_port(), free_port()
        start("standin", [sys.executable, "-m", "tests.standin", str(upstream)], upstream, cwd=ROOT)
        import urllib.request

        urllib.request.urlopen(f"http://127.0.0.1:{upstream}/_control/stats-limits?"
                               f"per_second={STATS_PER_SECOND}&per_minute={STATS_PER_MINUTE}").read()
        daemon = start("pypipins", [
            str(venv / "bin/twistd"), "-n", "--pidfile=", "pypipins",
            "--port", f"tcp:{port}:interface=127.0.0.1", "--redis", redis.url,
            "--pypi-url", f"http://127.0.0.1:{upstream}/pypi",
            "--stats-url", f"http://127.0.0.1:{upstream}/stats", *OPTIONS, *extra,
            "--stats-refresh-at", time.strftime("%H:%M", time.gmtime(time.time() + refresh_after * 60)),
        ], port, cwd=work, env=env)

        def probe() -> None:
            if probing:
                daemon.send_signal(signal.SIGUSR2)

        result = asyncio.run(load(port, daemon.pid, total, packages, every, probe, minutes))
        if probing:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and (not probes.exists() or
                                                   len(probes.read_text().splitlines()) < 4):
                time.sleep(1)
            result["probes"] = str(probes)
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        redis.kill()
    return {"interpreter": interpreter(venv), "venv": venv.name, "work": str(work), **result}


def growth(samples: List[List[float]], since: float) -> float:
    """
    Megabytes the resident size grew from the sample at fraction C{since} of the run to the end.
    """
    at = samples[round((len(samples) - 1) * since)]
    return round(samples[-1][1] - at[1], 1)


def summary(run: Dict) -> Dict:
    samples = run["samples"]
    peak = max(s[1] for s in samples)
    return {"interpreter": run["interpreter"], "requests": samples[-1][0], "seconds": run["seconds"],
            "rss_start_mb": samples[0][1], "rss_quarter_mb": samples[round((len(samples) - 1) / 4)][1],
            "rss_half_mb": samples[round((len(samples) - 1) / 2)][1],
            "rss_three_quarters_mb": samples[round((len(samples) - 1) * 3 / 4)][1],
            "rss_end_mb": samples[-1][1], "rss_peak_mb": peak,
            "growth_last_quarter_mb": growth(samples, 0.75), "growth_second_half_mb": growth(samples, 0.5),
            "statuses": run["statuses"]}


def chart(runs: List[Dict], out: Path) -> None:
    """
    Resident size against requests answered, a line an interpreter, drawn to PNG by the
    badge rasterizer (as bench/report.py's chart is).
    """
    from xml.sax.saxutils import escape

    from pypipins.render.raster import png

    colors = ["#007ec6", "#ea7233", "#4b0", "#939393"]
    width, height, left, right, top, bottom = 900, 440, 70, 20, 50, 360
    most = max(s[0] for run in runs for s in run["samples"]) or 1
    ceiling = max(s[1] for run in runs for s in run["samples"]) * 1.15
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
             f'<rect width="{width}" height="{height}" fill="#fff"/>',
             '<g font-family="DejaVu Sans" font-size="12" fill="#333">',
             f'<text x="{left}" y="26" font-size="15">pypipins resident size (MB) over {most:,} requests</text>']

    def x(requests: float) -> float:
        return left + (width - left - right) * requests / most

    def y(mb: float) -> float:
        return bottom - (bottom - top) * mb / ceiling

    for step in range(6):
        mb = ceiling * step / 5
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(mb):.1f}" y2="{y(mb):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 8}" y="{y(mb) + 4:.1f}" text-anchor="end">{mb:.0f}</text>')
    for step in range(5):
        requests = most * step / 4
        parts.append(f'<text x="{x(requests):.1f}" y="{bottom + 18}" text-anchor="middle">{requests:,.0f}</text>')
    for i, run in enumerate(runs):
        points = " ".join(f"{x(s[0]):.1f},{y(s[1]):.1f}" for s in run["samples"])
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colors[i]}" stroke-width="2"/>')
        legend = 395 + 18 * i
        parts.append(f'<rect x="{left}" y="{legend - 10}" width="12" height="12" fill="{colors[i]}"/>')
        parts.append(f'<text x="{left + 18}" y="{legend}">{escape(run["interpreter"])}</text>')
    parts.append("</g></svg>")
    out.write_bytes(png("".join(parts)))


def section(report: Dict) -> str:
    """
    The soak's part of docs/BENCHMARKS.md, from docs/soak.json's figures.
    """
    lines = ["## Soak", "",
             f"`{report['command']}`, {report['date']}, commit {report['commit']}: "
             f"{report['requests']:,} requests over {report['packages']:,} packages a daemon"
             + (f" or {report['minutes']:g} minutes, whichever came first (the table says how many were "
                "answered), " if report.get("minutes") else ", ")
             + f"{CONNECTIONS} connections, nine badges a package in a row (download badges among them), "
             "each visit another style, every fourth the JSON form; resident size every "
             f"{report['every']:,} requests. Options: the defaults and `{' '.join(OPTIONS)}` "
             "(a week of upstream fetches in the run). Goal: the last quarter grows by at most 2 MB, "
             "PyPy ends at or under 200 MB.", "",
             "| interpreter | requests | seconds | start | at 1/4 | at 1/2 | at 3/4 | end | peak "
             "| last quarter | second half | answers |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in (summary(run) for run in report["runs"]):
        answers = ", ".join(f"{n:,} {code}" for code, n in sorted(s["statuses"].items()))
        lines.append(f"| {s['interpreter']} | {s['requests']:,} | {s['seconds']:,.0f} | {s['rss_start_mb']} MB "
                     f"| {s['rss_quarter_mb']} MB | {s['rss_half_mb']} MB | {s['rss_three_quarters_mb']} MB "
                     f"| {s['rss_end_mb']} MB | {s['rss_peak_mb']} MB | {s['growth_last_quarter_mb']:+} MB "
                     f"| {s['growth_second_half_mb']:+} MB | {answers} |")
    lines += ["", "![resident size over the soak](soak.png)", ""]
    return "\n".join(lines)


#: Where the soak's section sits in docs/BENCHMARKS.md, which bench/report.py rewrites around it.
BEGIN, END = "<!-- soak: bench/soak.py writes what follows -->", "<!-- soak ends -->"


def place(markdown: str, text: str) -> str:
    """
    C{markdown} with its soak section replaced by C{text} (appended if it had none).
    """
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in markdown and END in markdown:
        head, rest = markdown.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1]
    return markdown.rstrip("\n") + "\n\n" + block + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--packages", type=int, default=PACKAGES)
    parser.add_argument("--every", type=int, default=EVERY)
    parser.add_argument("--venvs", default=".venv,.venv-pypy")
    parser.add_argument("--parallel", action="store_true", help="the interpreters' soaks at once")
    parser.add_argument("--probe", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--daemon", default="", help="more of the daemon's options, for an experiment")
    parser.add_argument("--minutes", type=float, help="stop asking after this long, whatever was answered")
    parser.add_argument("--refresh-after", type=float, default=REFRESH_AFTER,
                        help="minutes into the run when pypistats' daily update is (--stats-refresh-at)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        print(json.dumps(one(ROOT / options.one, options.requests, options.packages, options.every,
                             options.probe, shlex.split(options.daemon), options.refresh_after,
                             options.minutes)))
        return
    arguments = [f"--requests={options.requests}", f"--packages={options.packages}", f"--every={options.every}",
                 f"--daemon={options.daemon}", f"--refresh-after={options.refresh_after}",
                 *(["--probe"] if options.probe else []),
                 *([f"--minutes={options.minutes}"] if options.minutes else [])]
    runs: List[Optional[Dict]] = []
    children = []
    for name in options.venvs.split(","):
        child = subprocess.Popen([sys.executable, __file__, "--one", name, *arguments], stdout=subprocess.PIPE,
                                 text=True)
        children.append(child)
        if not options.parallel:
            runs.append(json.loads(child.communicate()[0]))
    if options.parallel:
        runs = [json.loads(child.communicate()[0]) for child in children]
    for run in runs:
        print(json.dumps(summary(run)), flush=True)
        print(f"  resident MB every {options.every:,}: {[sample[1] for sample in run['samples']]}", flush=True)
        if options.probe:
            print(f"  probes: {run['probes']}", flush=True)
    if options.no_write:
        return
    from bench.run import machine

    info = machine()
    report = {"command": " ".join(["bench/soak.py", *sys.argv[1:]]), "date": info["date"], "commit": info["commit"],
              "requests": options.requests, "packages": options.packages, "every": options.every,
              "minutes": options.minutes, "runs": runs}
    docs = ROOT / "docs"
    (docs / "soak.json").write_text(json.dumps(report, indent=1) + "\n")
    chart(runs, docs / "soak.png")
    benchmarks = docs / "BENCHMARKS.md"
    benchmarks.write_text(place(benchmarks.read_text(), section(report)))


if __name__ == "__main__":
    main()
