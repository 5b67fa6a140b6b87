"""
The site's pages served by the service makeService builds, with the stand-in and Redis.
"""

import pytest
import pytest_twisted

from pypipins.web import pages as site

pytestmark = pytest.mark.system


@pytest_twisted.ensureDeferred
async def test_pages_served(service, upstream):
    response = await service.get("/?package=klein", headers={"Host": "badges.test:8080"})
    assert response.code == 200
    assert response.headers.getRawHeaders("content-type") == ["text/html;charset=utf-8"]
    assert response.headers.getRawHeaders("content-security-policy") == [site.POLICY]
    assert b"[![license](http://badges.test:8080/license/klein/badge.svg)]" in response.body
    # the page itself asks nothing upstream; its badges do
    assert upstream.requests == []
    response = await service.get("/?package=klein", headers={"Host": "badges.test",
                                                             "X-Forwarded-Proto": "https"})
    assert b"https://badges.test/license/klein/badge.svg" in response.body
    response = await service.get("/?package=klein", headers={"Host": "x.test\"><b>"})
    assert f"http://127.0.0.1:{service.port}/license/klein/badge.svg".encode() in response.body
    assert b"x.test" not in response.body
    response = await service.get("/?package=%3Cb%3E")
    assert response.code == 400 and "\u201c&lt;b&gt;\u201d".encode() in response.body
    response = await service.get("/badges/license")
    assert response.code == 200 and b"<h1>The license badge</h1>" in response.body
    response = await service.get("/badges/nope")
    assert response.code == 404 and b"No such page" in response.body
    assert upstream.requests == []


@pytest_twisted.ensureDeferred
async def test_public_url_wins(upstream, redis):
    from tests.helpers import make_service

    running = make_service(upstream, redis.url, "--public-url", "https://badges.example.org/")
    try:
        response = await running.get("/?package=klein")
        assert b"https://badges.example.org/v/klein/badge.svg" in response.body
    finally:
        await running.service.stopService()
