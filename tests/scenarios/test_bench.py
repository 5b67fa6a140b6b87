"""
The scripts in bench/ still run, and the load script still finds no error (a small run).
"""

import subprocess
import sys

import pytest

from tests.helpers import ROOT

pytestmark = [pytest.mark.system, pytest.mark.slow]


def test_load_with_faults_small_run():
    out = subprocess.run(
        [sys.executable, "bench/load_faults.py", "--requests", "2000", "--concurrency", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    report = dict(line.strip().split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    assert report["requests"] == "2000"
    assert report["errors"] == "0"
    assert report["tracebacks in the daemon's log"] == "0"


def test_render_timing_runs():
    out = subprocess.run([sys.executable, "bench/render.py", "--rounds", "1"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "svg:  median" in out.stdout and "png:  median" in out.stdout


def test_soak_small_run():
    """
    bench/soak.py on this interpreter, small: every answer a 200, the resident size sampled as
    told, a table and a chart made from what it measured (not written into docs/).
    """
    import json

    out = subprocess.run(
        [sys.executable, "bench/soak.py", "--requests", "3000", "--packages", "100", "--every", "500",
         "--venvs", sys.prefix, "--no-write"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.splitlines()[0])
    assert summary["requests"] == 3000
    assert summary["statuses"] == {"200": 3000}
    assert 20 < summary["rss_start_mb"] <= summary["rss_peak_mb"] < 1000


def test_soak_section_replaces_its_own_only():
    from bench.soak import BEGIN, END, place

    once = place("# Benchmarks\n\ntext\n", "## Soak\n\nfirst")
    twice = place(once + "\nafter\n", "## Soak\n\nsecond")
    assert twice == f"# Benchmarks\n\ntext\n\n{BEGIN}\n## Soak\n\nsecond\n{END}\n\nafter\n"
