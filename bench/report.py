"""
docs/BENCHMARKS.md and docs/benchmarks.png from the figures bench/run.py measured, which it
keeps in docs/benchmarks.json: `python -m bench.report` writes the two again from them.
"""

import json
import sys
from pathlib import Path
from typing import Dict, List, Tuple
from xml.sax.saxutils import escape

from bench.cold import COLD_ROUNDS, WARMUP_ROUNDS

THROUGHPUT = ["ceiling one", "same one", "warm one", "ceiling mix", "warm mix", "raster"]
LABELS = {
    "ceiling one": "reference: a bare Klein route answering a constant SVG (no log), one path",
    "same one": "reference: a constant Klein route sending the badge's bytes and headers, with the "
                "daemon's access log",
    "warm one": "1. warm, one badge (the daemon with its defaults: access log in twistd's log)",
    "ceiling mix": "reference: the bare route, the mix's paths",
    "warm mix": "2. warm mix (9 kinds x 50 packages x 3 styles, SVG and JSON)",
    "raster": "4. raster badges (PNG), warm",
}
#: A flat memory over the second half of scenario 6: less than this growth.
FLAT_MB = 5.0
#: Resident memory at the end of scenario 6, at most, by interpreter.
MEMORY_MB = {"CPython": 150, "PyPy": 200}
#: The goals against a reference measured in the same run.
WARM_RATIO = 0.85
P99_RATIO = 1.1
COLD_RATIO = 1.2
SHAPES = {"huge": "cold badge of a 6.5 MB document (hypothesis' shape), time to first byte",
          "wide": "cold badge of a 3.4 MB document (pillow's shape), time to first byte"}


def who_of(run: Dict) -> str:
    return run["interpreter"].split()[0]


def warm_ratios(run: Dict) -> Dict[str, float]:
    """
    The warm one badge's req/s against the bare route's, and against the same bytes' route's
    (when measured): the second is what the daemon's own route costs, the gap between the two
    what Twisted's header writing and the access line cost.
    """
    ratios = {"warm one / bare": round(run["warm one"]["rps"] / run["ceiling one"]["rps"], 3)}
    if "same one" in run:
        ratios["warm one / same bytes"] = round(run["warm one"]["rps"] / run["same one"]["rps"], 3)
        ratios["same bytes / bare"] = round(run["same one"]["rps"] / run["ceiling one"]["rps"], 3)
    return ratios


def limits(runs: Dict[str, Dict]) -> List[Tuple[str, str, str, str, str, bool]]:
    """
    The rows of the limits' table: what, interpreter, measured, reference, goal, met.
    """
    rows = []
    for run in runs.values():
        who = run["interpreter"].split()[0]
        for shape, what in SHAPES.items():
            cold = run.get("cold_big", {}).get(shape)
            if cold is not None:
                rows.append((what, who, f"{cold['badge_ms']} ms ({cold['ratio']}x)",
                             f"node fetch + JSON.parse: {cold['node_ms']} ms", f"<= {COLD_RATIO}x",
                             cold["ratio"] <= COLD_RATIO))
        for scenario, ceiling in (("warm one", "ceiling one"), ("warm mix", "ceiling mix")):
            ratio = run[scenario]["rps"] / run[ceiling]["rps"]
            rows.append((f"{scenario}, req/s (wrk -c50, median of 3 alternating rounds)", who,
                         f"{run[scenario]['rps']} ({ratio:.2f})", f"bare route: {run[ceiling]['rps']}",
                         f">= {WARM_RATIO}", ratio >= WARM_RATIO))
        p99, route = run["warm one"]["p99_ms"], run["ceiling one"]["p99_ms"]
        rows.append(("p99 of warm badges", who, f"{p99} ms ({p99 / route:.2f}x)", f"bare route: {route} ms",
                     f"<= {P99_RATIO}x", p99 <= P99_RATIO * route))
        beside = run.get("beside_cold")
        if beside is not None:
            a, b = beside["alone"]["p99_ms"], beside["beside"]["p99_ms"]
            rows.append((f"p99 of the warm mix while {beside['cold_badges_beside']} cold hypothesis-sized "
                         "badges are made beside it", who, f"{b} ms ({b / a:.2f}x)", f"the mix alone: {a} ms",
                         f"<= {P99_RATIO}x", b <= P99_RATIO * a))
        memory = run["memory"]
        asked = f"{memory['requests']:,} requests over {memory.get('packages', 5000):,} packages"
        rows.append((f"resident memory after {asked}", who,
                     f"{memory['rss_half_mb']} MB at half, {memory['rss_end_mb']} MB at the end",
                     "", f"<= {MEMORY_MB.get(who, 150)} MB", memory["rss_end_mb"] <= MEMORY_MB.get(who, 150)))
        rows.append(("resident memory growth over the second half", who,
                     f"{memory['growth_second_half_mb']:+} MB", "", f"<= {FLAT_MB:g} MB",
                     memory["growth_second_half_mb"] <= FLAT_MB))
    return rows


def targets(runs: Dict[str, Dict]) -> List[Tuple[str, str, str, bool]]:
    rows = []
    for run in runs.values():
        who = run["interpreter"].split()[0]
        cold = run["cold"]
        rows.append((f"cold: upstream requests = distinct packages ({who})", str(cold["distinct_packages"]),
                     str(cold["upstream_requests"]), cold["upstream_requests"] == cold["distinct_packages"]))
        burst = run.get("burst")
        if burst is not None:
            rows.append((f"downloads burst: all 40 counted within 1.1x of the budget's best ({who})",
                         f"<= {1.1 * burst['budget_best_seconds']:.1f} s",
                         f"{burst['seconds_until_all_counted']} s ({burst['ratio_to_best']}x)",
                         burst["ratio_to_best"] <= 1.1))
            rows.append((f"downloads burst: 429s provoked ({who})", "0", str(burst["refused_429"]),
                         burst["refused_429"] == 0))
    cpython = next((r for r in runs.values() if r["interpreter"].startswith("CPython")), None)
    pypy = next((r for r in runs.values() if r["interpreter"].startswith("PyPy")), None)
    if cpython and pypy:
        for scenario, ceiling in (("warm one", "ceiling one"), ("warm mix", "ceiling mix")):
            ratio = pypy[scenario]["rps"] / cpython[scenario]["rps"]
            stack = pypy[ceiling]["rps"] / cpython[ceiling]["rps"]
            rows.append((f"PyPy / CPython, {scenario}", ">= 2.5x",
                         f"{ratio:.2f}x (the bare Klein route itself: {stack:.2f}x)", ratio >= 2.5))
    return rows


def warm_path(runs: Dict[str, Dict]) -> List[str]:
    """
    The warm one badge's gaps, told apart: each interpreter's ratios in this run, when the
    same bytes' route was measured, then what profiling found (bench/warm_path.md, written by
    hand from the profiles it names).
    """
    lines = ["", "### Where a warm badge's time goes", ""]
    for run in runs.values():
        if "same one" in run:
            ratios = warm_ratios(run)
            lines.append(f"- {who_of(run)}, in this run: the daemon makes {ratios['warm one / bare']:.2f} of the bare "
                         f"route's req/s and {ratios['warm one / same bytes']:.2f} of the same bytes' "
                         f"route's, which makes {ratios['same bytes / bare']:.2f} of the bare route's.")
    notes = Path(__file__).resolve().parent / "warm_path.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    return lines


def chart(runs: Dict[str, Dict], path: Path) -> None:
    """
    Throughput per scenario and interpreter, as an SVG drawn to PNG by the badge rasterizer.
    """
    from pypipins.render.raster import png

    names = list(runs)
    colors = ["#007ec6", "#ea7233", "#4b0", "#939393"]
    measured = [s for s in THROUGHPUT if all(s in run for run in runs.values())]
    top = max(run[s]["rps"] for run in runs.values() for s in measured) * 1.15
    width, height, left, bottom, bar = 900, 420, 70, 340, 28
    group = (width - left - 20) / len(measured)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
             f'<rect width="{width}" height="{height}" fill="#fff"/>',
             '<g font-family="DejaVu Sans" font-size="12" fill="#333">',
             f'<text x="{left}" y="24" font-size="15">pypipins throughput (requests/s, higher is better)</text>']
    for step in range(0, 6):
        value = top * step / 5
        y = bottom - (bottom - 50) * step / 5
        parts.append(f'<line x1="{left}" x2="{width - 20}" y1="{y}" y2="{y}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{value:,.0f}</text>')
    for g, scenario in enumerate(measured):
        x0 = left + g * group + (group - bar * len(names)) / 2
        for i, name in enumerate(names):
            rps = runs[name][scenario]["rps"]
            h = (bottom - 50) * rps / top
            x = x0 + i * bar
            parts.append(f'<rect x="{x}" y="{bottom - h}" width="{bar - 4}" height="{h}" fill="{colors[i]}"/>')
            parts.append(f'<text x="{x + (bar - 4) / 2}" y="{bottom - h - 4}" text-anchor="middle" '
                         f'font-size="10">{rps}</text>')
        parts.append(f'<text x="{left + g * group + group / 2}" y="{bottom + 18}" text-anchor="middle">'
                     f'{escape(scenario)}</text>')
    for i, name in enumerate(names):
        y = 370 + 18 * i
        parts.append(f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{colors[i]}"/>')
        parts.append(f'<text x="{left + 18}" y="{y}">{escape(runs[name]["interpreter"])}</text>')
    parts.append("</g></svg>")
    path.write_bytes(png("".join(parts)))


def write(runs: Dict[str, Dict], machine: Dict[str, str], command: str, docs: Path) -> None:
    docs.mkdir(exist_ok=True)
    (docs / "benchmarks.json").write_text(
        json.dumps({"runs": runs, "machine": machine, "command": command}, indent=1) + "\n")
    names = list(runs)
    lines = ["# Benchmarks", "",
             f"Made by `{command}` on {machine['date']} (commit {machine['commit']}). Everything runs on "
             "loopback on one machine, the load generator included, so figures are comparable within "
             "this run only: the shared machines are noisy.", "",
             "| machine | |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in machine.items() if k not in ("date", "commit")]
    lines += [f"| interpreter ({n}) | {runs[n]['interpreter']} |" for n in names]
    lines += ["", "## Close to the limits", "",
              "Each figure against its reference, measured in the same run, alternating.", "",
              "| what | interpreter | pypipins | reference | goal | met |",
              "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {w} | {i} | {m} | {r} | {g} | {'yes' if ok else '**no**'} |" for w, i, m, r, g, ok in limits(runs)]
    lines += ["", "![throughput](benchmarks.png)", "", "## Other targets", "",
              "| target | wanted | measured | met |", "| --- | --- | --- | --- |"]
    lines += [f"| {t} | {w} | {m} | {'yes' if ok else '**no**'} |" for t, w, m, ok in targets(runs)]
    lines += ["", "## Throughput and latency", "",
              "wrk, 2 threads, 50 connections, after a warm-up of the same load; each scenario measured in "
              "rounds alternating with its ceiling's, the median round shown (all rounds' req/s in brackets).", "",
              "| scenario | "
              + " | ".join(f"{runs[n]['interpreter'].split()[0]} req/s, p50 / p99 ms" for n in names) + " |",
              "| --- |" + " --- |" * len(names)]
    for scenario in [s for s in THROUGHPUT if all(s in runs[n] for n in names)]:
        cells = [f"{runs[n][scenario]['rps']}, {runs[n][scenario]['p50_ms']} / {runs[n][scenario]['p99_ms']}"
                 + (f" {runs[n][scenario]['rounds_rps']}" if "rounds_rps" in runs[n][scenario] else "")
                 + (f" ({runs[n][scenario]['non_2xx']} non-2xx)" if runs[n][scenario]["non_2xx"] else "")
                 for n in names]
        lines.append(f"| {LABELS[scenario]} | " + " | ".join(cells) + " |")
    lines += warm_path(runs)
    lines += ["", "## 3. Cold: 200 clients at once over 50 uncached packages, the upstream answering after 50 ms", "",
              "| | " + " | ".join(runs[n]["interpreter"].split()[0] for n in names) + " |",
              "| --- |" + " --- |" * len(names)]
    for key in ("requests", "ok", "p50_ms", "p90_ms", "p99_ms", "max_ms", "upstream_requests"):
        lines.append(f"| {key} | " + " | ".join(str(runs[n]["cold"][key]) for n in names) + " |")
    lines += ["", "## 3b. Cold badges of the biggest documents, against node fetching and parsing them", "",
              "Each round asks the daemon for the version badge of a package nobody asked for yet, then node "
              "(bench/fetch_parse.mjs, a process that lives on) for another's document, from the same "
              "stand-in; the medians of the rounds after three to warm up.", "",
              "| | " + " | ".join(runs[n]["interpreter"].split()[0] for n in names) + " |",
              "| --- |" + " --- |" * len(names)]
    for shape in SHAPES:
        for key in ("badge_ms", "node_ms", "ratio"):
            lines.append(f"| {shape}: {key} | " + " | ".join(
                str(runs[n].get("cold_big", {}).get(shape, {}).get(key, "-")) for n in names) + " |")
    lines += ["", "## 5. Condensing a 6.5 MB PyPI document (hypothesis-sized; made by bench/condense.py)", "",
              "| | " + " | ".join(runs[n]["interpreter"].split()[0] for n in names) + " |",
              "| --- |" + " --- |" * len(names)]
    for key in ("document_mb", "first_seconds", "seconds", "decoded_whole_seconds", "peak_mb", "record_bytes"):
        lines.append(f"| {key} | " + " | ".join(str(runs[n]["condense"].get(key, "-")) for n in names) + " |")
    lines += ["", "## 6. Memory: many requests over thousands of packages, 50 at a time", "",
              "| | " + " | ".join(runs[n]["interpreter"].split()[0] for n in names) + " |",
              "| --- |" + " --- |" * len(names)]
    for key in ("requests", "errors", "seconds", "rss_before_mb", "rss_half_mb", "rss_end_mb",
                "growth_second_half_mb"):
        lines.append(f"| {key} | " + " | ".join(str(runs[n]["memory"].get(key, "-")) for n in names) + " |")
    lines += ["", "`rss_before_mb` is the daemon's resident size before the scenario's first request, after "
              "the other scenarios; see the notes below for what it is made of."]
    if all("burst" in runs[n] for n in names):
        lines += ["", "## 7. Downloads burst: 40 new packages at once, at pypistats' limits (5/s, 30/min)", "",
                  "The stand-in enforces the limits as pypistats does (429 beyond); each badge is asked "
                  "again as soon as it says `queued`, until it shows its count. The budget's best is when "
                  "the 40th request may go at the soonest (30 in the first seconds, the rest as the "
                  "minute's window moves).", "",
                  "| | " + " | ".join(runs[n]["interpreter"].split()[0] for n in names) + " |",
                  "| --- |" + " --- |" * len(names)]
        for key in ("packages", "counted_at_once", "requests", "seconds_until_all_counted",
                    "budget_best_seconds", "ratio_to_best", "refused_429"):
            lines.append(f"| {key} | " + " | ".join(str(runs[n]["burst"][key]) for n in names) + " |")
    lines += ["", "## What stands behind the gaps", ""]
    for n in names:
        run = runs[n]
        if "rss_started_mb" in run:
            lines.append(f"- {run['interpreter']}: the daemon's resident size is {run['rss_started_mb']} MB "
                         f"as it starts, before any cache holds anything; after scenario 6, "
                         f"{run['memory']['rss_end_mb']} MB.")
        memory = run["memory"]
        if "cold_big" in run:
            made = run['beside_cold']['cold_badges_beside'] + len(SHAPES) * (WARMUP_ROUNDS + COLD_ROUNDS)
            lines.append(f"  Scenario 6 comes last: before its first request the daemon held "
                         f"{memory['rss_before_mb']} MB, "
                         f"having made {made} cold badges of 3.4 and 6.5 MB "
                         "documents in the rows above (a collector that grew its heap for them keeps it); "
                         "`bench/memory.py` measures scenario 6 alone, in a daemon that did nothing else.")
        if "cold_big" in run:
            huge = run["cold_big"]["huge"]
            lines.append(f"  Cold rows, every round ({who_of(run)}): the badge {huge['badge_rounds_ms']} ms, "
                         f"node {huge['node_rounds_ms']} ms (hypothesis' shape).")
    cpython = next((r for r in runs.values() if r["interpreter"].startswith("CPython")), None)
    pypy = next((r for r in runs.values() if r["interpreter"].startswith("PyPy")), None)
    if cpython and pypy:
        lines.append(f"- The constant Klein route, which does nothing but answer, is "
                     f"{pypy['ceiling one']['rps'] / cpython['ceiling one']['rps']:.2f}x faster on PyPy than on "
                     "CPython in this run: a badge path close to that ceiling on both interpreters cannot be "
                     "much further apart than that.")
    text = "\n".join(lines) + "\n"
    soak = docs / "soak.json"
    if soak.exists():
        # bench/soak.py's section, kept from its own run
        from bench.soak import place, section

        text = place(text, section(json.loads(soak.read_text())))
    (docs / "BENCHMARKS.md").write_text(text)
    chart(runs, docs / "benchmarks.png")


if __name__ == "__main__":
    docs = Path(__file__).resolve().parent.parent / "docs"
    sys.path.insert(0, str(docs.parent))
    kept = json.loads((docs / "benchmarks.json").read_text())
    write(kept["runs"], kept["machine"], kept["command"], docs)
