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
