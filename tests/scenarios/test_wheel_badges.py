"""
Issue 27's badges end to end: C{twistd -n pypipins} with a real Redis and the stand-in, the
platforms, free-threaded and vulnerabilities badges of ten packages on both routes costing the
upstream requests of the version badge alone (they read the same document, condensed once).
"""

import json
from collections import Counter

import pytest
import pytest_twisted
import treq

pytestmark = pytest.mark.system

#: Ten recorded packages: numpy's, cryptography's and pillow's wheels of many platforms and
#: free-threaded builds, and pure ones.
PACKAGES = ["numpy", "cryptography", "pillow", "klein", "attrs", "treq", "twisted", "hyperlink",
            "txredisapi", "pytest-twisted"]

KINDS = ["platforms", "free-threaded", "vulnerabilities"]


async def data(daemon, path):
    response = await treq.get(daemon.url(path))
    assert response.code == 200
    return json.loads(await response.content())


def daemon_of(start_daemon, upstream, redis):
    return start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url)


@pytest.mark.slow
@pytest_twisted.ensureDeferred
async def test_three_badges_cost_what_the_version_badge_costs(start_daemon, upstream, redis):
    alone = daemon_of(start_daemon, upstream, redis)
    for name in PACKAGES:
        assert (await data(alone, f"/v/{name}/badge.json"))["label"] == "pypi"
    version_alone = Counter(upstream.requests)
    assert "Traceback" not in alone.stop()

    # nothing kept of the first: a daemon of its own, Redis emptied
    redis.command("FLUSHALL")
    upstream.requests.clear()
    daemon = daemon_of(start_daemon, upstream, redis)
    said = {}
    for name in PACKAGES:
        for kind in KINDS:
            said[name, kind, "pypip"] = await data(daemon, f"/{kind}/{name}/badge.json")
            said[name, kind, "shields"] = await data(daemon, f"/pypi/{kind}/{name}.json")
        assert (await data(daemon, f"/v/{name}/badge.json"))["label"] == "pypi"
    assert Counter(upstream.requests) == version_alone
    assert sorted(version_alone) == sorted(f"/pypi/{name}/json" for name in PACKAGES)

    assert said["cryptography", "free-threaded", "pypip"]["message"] == "3.14t, 3.15t+"
    assert said["cryptography", "free-threaded", "shields"]["message"] == "3.14t | 3.15t+"
    assert said["pillow", "platforms", "pypip"]["message"] == "linux, macos, windows, ios"
    assert said["numpy", "platforms", "shields"]["message"] == "linux | macos | windows"
    assert said["klein", "platforms", "pypip"]["message"] == "any"
    assert said["klein", "free-threaded", "shields"]["message"] == "pure python"
    for name in PACKAGES:
        assert said[name, "vulnerabilities", "pypip"]["message"] == "none known"
    assert "Traceback" not in daemon.stop()
