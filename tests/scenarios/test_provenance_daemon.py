"""
The project-status and provenance badges end to end: C{twistd -n pypipins} as users start it,
a real Redis, the stand-in's Simple API and Integrity API on loopback; what each badge costs
upstream, counted by the stand-in.
"""

import json

import pytest
import pytest_twisted
import treq

pytestmark = pytest.mark.system


async def said(daemon, path):
    response = await treq.get(daemon.url(path))
    assert response.code == 200, path
    badge = json.loads(await response.content())
    return badge["message"], badge["color"]


#: name -> (project-status, provenance, Simple API requests, provenance requests)
EXPECTED = {
    "prov-archived": (("archived", "orange"), ("none", "lightgrey"), 1, 0),
    "prov-quarantined": (("quarantined", "red"), ("none", "lightgrey"), 1, 0),
    "prov-github": (("active", "brightgreen"), ("github.com/pypipins/attested", "brightgreen"), 1, 2),
    "prov-partial": (("active", "brightgreen"), ("partial", "yellow"), 1, 1),
    "prov-mixed": (("active", "brightgreen"), ("mixed", "orange"), 1, 2),
    "prov-wheels": (("active", "brightgreen"), ("github.com/pypipins/attested", "brightgreen"), 1, 3),
}


def counted(requests, name):
    return (sum(1 for r in requests if r == f"/simple/{name}/"),
            sum(1 for r in requests if r.startswith(f"/integrity/{name}/")))


@pytest_twisted.ensureDeferred
async def test_both_badges_through_twistd(start_daemon, upstream, redis):
    daemon = start_daemon("--redis", redis.url, "--pypi-url", upstream.pypi_url,
                          "--stats-url", upstream.stats_url, "--simple-url", upstream.simple_url)
    for name, (status, provenance, pages, documents) in EXPECTED.items():
        assert await said(daemon, f"/project-status/{name}/badge.json") == status
        assert await said(daemon, f"/provenance/{name}/badge.json") == provenance
        # again, and in another form: nothing more upstream within the TTL
        assert await said(daemon, f"/provenance/{name}/badge.json?style=flat-square") == provenance
        assert await said(daemon, f"/project-status/{name.upper()}/badge.json?label=x") == status
        response = await treq.get(daemon.url(f"/provenance/{name}/badge.svg"))
        assert response.code == 200 and provenance[0].encode() in await response.content()
        assert counted(upstream.requests, name) == (pages, documents), name
    # the quarantined project's JSON API answers 404, and its status badge says so all the same
    assert await said(daemon, "/v/prov-quarantined/badge.json") == ("package not found", "red")
    assert not any(r.startswith("/pypi/") and "quarantined" not in r for r in upstream.requests)
    # what is kept is condensed: a few numbers a release
    fetched_at, record = redis.cached("pypipins:simple:prov-wheels")
    assert record["releases"] == [["1.0", 81, 81, [
        "/integrity/prov-wheels/1.0/prov_wheels-1.0.tar.gz/provenance",
        "/integrity/prov-wheels/1.0/prov_wheels-1.0-py3-none-manylinux_00.whl/provenance",
        "/integrity/prov-wheels/1.0/prov_wheels-1.0-py3-none-manylinux_01.whl/provenance",
    ]]]
    assert "Traceback" not in daemon.stop()


@pytest_twisted.ensureDeferred
async def test_a_second_daemon_asks_nothing(start_daemon, upstream, redis):
    """
    What one daemon fetched, another sharing the Redis reads: provenance documents included.
    """
    args = ("--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url,
            "--simple-url", upstream.simple_url)
    first, second = start_daemon(*args), start_daemon(*args)
    assert await said(first, "/provenance/prov-wheels/badge.json") == ("github.com/pypipins/attested", "brightgreen")
    asked = len(upstream.requests)
    assert await said(second, "/provenance/prov-wheels/badge.json") == ("github.com/pypipins/attested", "brightgreen")
    assert await said(second, "/project-status/prov-wheels/badge.json") == ("active", "brightgreen")
    assert len(upstream.requests) == asked == 4
