"""
The pre-release badge and C{?version=} end to end: the service built by makeService, the
PyPI stand-in over loopback, a real Redis.
"""

import pytest
import pytest_twisted

from pypipins.badges.pipeline import release_version
from tests.helpers import endpoint

pytestmark = pytest.mark.system


def said(data):
    return data["label"], data["message"], data["color"]


@pytest.mark.parametrize(
    "package, message, color",
    [("beta-ahead", "1.5.0b2", "orange"),  # a beta ahead of 1.4.2; 2.0.0 yanked; 1.6.dev0 has no file
     ("klein", "24.8.0", "brightgreen"),
     ("prerelease-pkg", "2.0b1", "orange"),
     ("weird-version", "banana-split", "lightgrey")],
)
@pytest_twisted.ensureDeferred
async def test_pre(service, upstream, package, message, color):
    data = endpoint(await service.get(f"/pre/{package}/badge.json"))
    assert said(data) == ("pre-release", message, color)


@pytest_twisted.ensureDeferred
async def test_pre_and_version_share_one_request(service, upstream):
    assert said(endpoint(await service.get("/v/beta-ahead/badge.json"))) == ("pypi", "1.4.2", "brightgreen")
    assert said(endpoint(await service.get("/pre/Beta_Ahead/badge.json"))) == ("pre-release", "1.5.0b2", "orange")
    assert upstream.requests == ["/pypi/beta-ahead/json"]


@pytest_twisted.ensureDeferred
async def test_version_parameter(service, upstream):
    data = endpoint(await service.get("/v/twisted/badge.json?version=24.11.0"))
    assert said(data) == ("pypi", "24.11.0", "brightgreen")
    # normalised as PEP 440 says, so both spellings are one cache key
    data = endpoint(await service.get("/wheel/beta-ahead/badge.json?version=1.5.0-BETA2"))
    assert said(data) == ("wheel", "yes", "brightgreen")
    data = endpoint(await service.get("/wheel/beta-ahead/badge.json?version=1.5.0b2&style=flat-square"))
    assert said(data) == ("wheel", "yes", "brightgreen")
    data = endpoint(await service.get("/format/beta-ahead/badge.json?version=1.5.0a1"))
    assert said(data) == ("format", "source", "yellow")
    data = endpoint(await service.get("/pre/beta-ahead/badge.json?version=1.3.0"))
    assert said(data) == ("pre-release", "1.3.0", "brightgreen")
    assert upstream.requests == [
        "/pypi/twisted/24.11.0/json",
        "/pypi/beta-ahead/1.5.0b2/json",
        "/pypi/beta-ahead/1.5.0a1/json",
        "/pypi/beta-ahead/1.3.0/json",
    ]
    # a release's facts are kept apart from the latest's
    assert said(endpoint(await service.get("/v/twisted/badge.json"))) == ("pypi", "26.10.0", "brightgreen")


@pytest_twisted.ensureDeferred
async def test_version_not_found(service, upstream):
    data = endpoint(await service.get("/license/klein/badge.json?version=99.0"))
    assert data == {"schemaVersion": 1, "label": "license", "message": "version not found",
                    "color": "red", "isError": True}
    data = endpoint(await service.get("/license/no-such-package/badge.json?version=1.0"))
    assert data["message"] == "version not found"


@pytest.mark.parametrize(
    "version", ["banana", "1.0/../../evil", "1.0%2F..", "1" * 65, "%00", "1.0 ; rm", ""]
)
@pytest_twisted.ensureDeferred
async def test_invalid_version_never_reaches_upstream(service, upstream, version):
    data = endpoint(await service.get(f"/license/klein/badge.json?version={version}"))
    assert data == {"schemaVersion": 1, "label": "license", "message": "invalid version",
                    "color": "red", "isError": True}
    assert upstream.requests == []


@pytest_twisted.ensureDeferred
async def test_downloads_ignore_the_version(service, upstream):
    data = endpoint(await service.get("/d/klein/badge.json?version=1.0"))
    assert data["label"] == "downloads" and not data.get("isError")


@pytest.mark.parametrize("kind, label", [("license", "license"), ("d", "downloads")])
@pytest_twisted.ensureDeferred
async def test_unknown_index_never_reaches_upstream(service, upstream, kind, label):
    data = endpoint(await service.get(f"/{kind}/klein/badge.json?index=http://evil.test/"))
    assert data == {"schemaVersion": 1, "label": label, "message": "unknown index",
                    "color": "red", "isError": True}
    assert upstream.requests == []


@pytest_twisted.ensureDeferred
async def test_pypi_is_the_default_index(service, upstream):
    data = endpoint(await service.get("/license/klein/badge.json?index=pypi"))
    assert said(data) == ("license", "MIT", "blue")


@pytest.mark.parametrize(
    "text, version",
    [("1.0", "1.0"), ("1.0-RC1", "1.0rc1"), ("2!1.0.post1", "2!1.0.post1"), ("1.0+local.7", "1.0+local.7"),
     ("v1.0", None), (" 1.0", None), ("1.0 ", None), ("1.0/..", None), ("latest", None), ("9" * 65, None)],
)
def test_release_version(text, version):
    assert release_version(text) == version
