"""
PyPy's major collections, paced by the daemon: the policy, and the service on PyPy, in a
process of its own (the collector is the process').
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from pypipins.ops.collector import MiB, Pacing

pytestmark = pytest.mark.system

PYPY = hasattr(sys, "pypy_version_info")


def test_no_collection_until_the_threshold_is_passed() -> None:
    pacing = Pacing(factor=1.3, minimum=64 * MiB)
    assert not pacing.minor(10 * MiB)
    assert not pacing.minor(64 * MiB)
    assert pacing.minor(65 * MiB)
    # once begun, a step at each minor collection until it is done, whatever is used
    assert pacing.minor(1 * MiB)


def test_the_threshold_follows_what_the_last_collection_left() -> None:
    pacing = Pacing(factor=1.3, minimum=64 * MiB, growth=1.4)
    pacing.minor(70 * MiB)
    pacing.done()
    assert not pacing.minor(60 * MiB)  # what it left: 60 MiB, so 78 MiB, within 1.4 x 64
    assert pacing.threshold == pytest.approx(78 * MiB)
    assert not pacing.minor(78 * MiB)
    assert pacing.minor(79 * MiB)


def test_the_threshold_grows_by_at_most_the_growth_at_a_time() -> None:
    pacing = Pacing(factor=1.3, minimum=64 * MiB, growth=1.4)
    pacing.minor(65 * MiB)
    pacing.done()
    # a burst of garbage still alive at the next minor collection does not set it at 1.3 x 200
    pacing.minor(200 * MiB)
    assert pacing.threshold == pytest.approx(1.4 * 64 * MiB)


def test_the_threshold_falls_as_what_is_alive_does() -> None:
    pacing = Pacing(factor=1.3, minimum=64 * MiB)
    pacing.threshold = 300 * MiB
    pacing.collecting = True
    pacing.done()
    pacing.minor(100 * MiB)
    assert pacing.threshold == pytest.approx(130 * MiB)
    pacing.done()
    pacing.minor(10 * MiB)
    assert pacing.threshold == 64 * MiB


@pytest.mark.skipif(PYPY, reason="CPython's collector is left alone")
def test_cpython_is_left_alone() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == {**json.loads(out), "applies": False, "collections": 0,
                               "enabled_while_running": True, "enabled_after": True}


SCRIPT = textwrap.dedent("""
    import gc, json, os
    from pypipins.ops.collector import PacedCollector, Pacing, MiB
    collector = PacedCollector(Pacing(minimum=16 * MiB))
    collector.startService()
    enabled = gc.isenabled()
    freed = []
    class Noted:
        def __del__(self):
            freed.append(1)
    # a cache's churn: what it keeps replaced all the time, the old garbage that pacing is for
    kept, noted = [None] * 20_000, [None] * 5_000
    for i in range(600_000):
        kept[i % len(kept)] = bytes(1000)
        noted[i % len(noted)] = Noted()
    collector.stopService()
    print(json.dumps({"enabled_while_running": enabled, "collections": collector.collections,
                      "finalized": len(freed), "enabled_after": gc.isenabled(),
                      "applies": PacedCollector.applies()}))
""")


@pytest.mark.skipif(not PYPY, reason="PyPy's collector is the one paced")
@pytest.mark.parametrize("own", [False, True])
def test_pypy_collects_by_the_pacing_and_finalizers_run(own: bool) -> None:
    """
    In a process of its own (the collector is the process'), some 200 MB of garbage: major
    collections run by the service, finalizers with them; an operator's
    C{PYPY_GC_MAJOR_COLLECT} keeps PyPy's own pacing.
    """
    env = {name: value for name, value in os.environ.items() if name != "PYPY_GC_MAJOR_COLLECT"}
    if own:
        env["PYPY_GC_MAJOR_COLLECT"] = "1.82"
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True,
                         env=env).stdout
    found = json.loads(out)
    assert found["finalized"] > 150_000  # of 595,000 dropped, as many as a major collection found
    assert found["enabled_after"]
    if own:
        assert found == {**found, "applies": False, "collections": 0, "enabled_while_running": True}
    else:
        assert found["applies"] and not found["enabled_while_running"]
        assert found["collections"] >= 2
