"""
Issue 27's badges on the routes, in memory (StubTreq over the real resources, a Clock): the
platforms, free-threaded and vulnerabilities badges of synthetic PyPI documents on pypip.in's
routes and shields' C{/pypi/} routes, in every format, with the query parameters the other
badges take, C{?version=} and C{?index=}; and of the recorded numpy, cryptography and pillow.
"""

import json
import re
from typing import Any, Dict, List, cast

import pytest
import treq
from treq.testing import StubTreq
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.task import Clock
from twisted.web.resource import Resource

from pypipins.drawing.images import LocalImages
from pypipins.render import CONTENT_TYPES, FORMATS
from pypipins.store.cache import MemoryCache
from pypipins.store.lookup import Lookup
from pypipins.upstream.fetcher import Fetcher
from pypipins.upstream.pypi import PyPI
from pypipins.upstream.pypistats import PyPIStats
from pypipins.upstream.simple import SimpleIndex
from tests.drawers import InProcessDrawer
from tests.helpers import fired, in_memory_site, svg_texts
from tests.standin import FIXTURES

pytestmark = pytest.mark.memory


def document(version: str, *filenames: str, vulnerabilities: Any = ()) -> Dict[str, Any]:
    """
    A PyPI JSON document of a release of C{filenames}, with C{vulnerabilities} (a list of
    entries, or L{None} for a document without the field, as an index's may be).
    """
    found: Dict[str, Any] = {
        "info": {"name": "x", "version": version},
        "urls": [{"filename": name, "packagetype": "bdist_wheel" if name.endswith(".whl") else "sdist"}
                 for name in filenames],
    }
    if vulnerabilities is not None:
        found["vulnerabilities"] = list(vulnerabilities)
    return found


def vulnerability(id: str, withdrawn: Any = None) -> Dict[str, Any]:
    return {"id": id, "aliases": ["CVE-2026-0001"], "details": "a long text " * 50, "fixed_in": ["9.9"],
            "link": "https://osv.dev/vulnerability/" + id, "source": "osv", "summary": None, "withdrawn": withdrawn}


LINUX = "manylinux2014_x86_64.manylinux_2_17_x86_64"

#: The synthetic projects, by name: their latest release's document.
PROJECTS = {
    "every-system": document(
        "1.0", "x-1.0-cp313-cp313-" + LINUX + ".whl", "x-1.0-cp313-cp313-musllinux_1_2_aarch64.whl",
        "x-1.0-cp313-cp313-win_amd64.whl", "x-1.0-cp313-cp313-ios_13_0_arm64_iphoneos.whl",
        "x-1.0-cp313-cp313-android_21_arm64_v8a.whl", "x-1.0-cp313-cp313-macosx_11_0_arm64.whl", "x-1.0.tar.gz"),
    # one wheel for two systems at once, in one compressed tag set
    "tag-set": document("1.0", "x-1.0-cp39-abi3-macosx_10_9_x86_64.macosx_11_0_arm64.win32.whl"),
    "pure": document("2.0", "x-2.0-py2.py3-none-any.whl", "x-2.0.tar.gz"),
    "fallback": document("1.0", "x-1.0-py3-none-any.whl", "x-1.0-cp313-cp313-" + LINUX + ".whl",
                         "x-1.0-cp313-cp313-win_amd64.whl"),
    "source-only": document("1.0", "x-1.0.tar.gz"),
    "bsd-only": document("1.0", "x-1.0-cp313-cp313-freebsd_14_0_amd64.whl"),
    "pypy-only": document("1.0", "x-1.0-pp310-pypy310_pp73-" + LINUX + ".whl"),
    "abi3-only": document("1.0", "x-1.0-cp39-abi3-" + LINUX + ".whl", "x-1.0-cp39-abi3-win_amd64.whl"),
    "threads": document(
        "3.0", "x-3.0-cp313-cp313t-" + LINUX + ".whl", "x-3.0-cp314-cp314t-win_amd64.whl",
        "x-3.0-cp315-abi3.abi3t-" + LINUX + ".whl", "x-3.0-cp316-cp316t-" + LINUX + ".whl",
        "x-3.0-cp39-abi3-" + LINUX + ".whl", "x-3.0-pp311-pypy311_pp73-win_amd64.whl",
        vulnerabilities=[vulnerability("GHSA-aaaa-bbbb-cccc"),
                         vulnerability("PYSEC-2026-1", withdrawn="2026-01-02T00:00:00Z")]),
    "vulnerable": document("4.0", "x-4.0.tar.gz", vulnerabilities=[vulnerability(f"PYSEC-2026-{n}") for n in range(3)]),
}

#: Releases' own documents, C{/pypi/<name>/<version>/json}.
RELEASES = {
    ("pure", "1.0"): document("1.0", "x-1.0.tar.gz",
                              vulnerabilities=[vulnerability("GHSA-1"), vulnerability("GHSA-2")]),
    ("vulnerable", "4.1b1"): document("4.1b1", "x-4.1b1-py3-none-any.whl"),
}

#: An index's documents: a Warehouse JSON API without vulnerabilities.
INDEX = {"pure": document("2.0", "x-2.0-py3-none-any.whl", vulnerabilities=None)}

#: A Simple API index's page (PEP 691) of project C{corp}.
SIMPLE_PAGE = {
    "meta": {"api-version": "1.1"}, "name": "corp",
    "files": [{"filename": name, "url": f"/files/{name}", "hashes": {}} for name in (
        "corp-1.0-cp314-cp314t-" + LINUX + ".whl", "corp-1.0-cp314-cp314-macosx_11_0_arm64.whl", "corp-1.0.tar.gz")],
}


class Documents(Resource):
    """
    PyPI's JSON API (C{/pypi/}), an index's (C{/index/}) and a Simple API (C{/simple/}) of
    the documents above; everything else a 404. L{requests} lists the paths asked.
    """

    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.requests: List[str] = []

    def render_GET(self, request: Any) -> bytes:
        path = request.path.decode()
        self.requests.append(path)
        found: Any = None
        if match := re.fullmatch(r"/pypi/(numpy|cryptography|pillow)/json", path):
            found = json.loads((FIXTURES / "pypi" / f"{match.group(1)}.json").read_bytes())
        elif match := re.fullmatch(r"/(pypi|index)/([^/]+)/json", path):
            found = (PROJECTS if match.group(1) == "pypi" else INDEX).get(match.group(2))
        elif match := re.fullmatch(r"/pypi/([^/]+)/([^/]+)/json", path):
            found = RELEASES.get((match.group(1), match.group(2)))
        elif path == "/simple/corp/":
            request.setHeader("content-type", "application/vnd.pypi.simple.v1+json")
            return json.dumps(SIMPLE_PAGE).encode()
        if found is None:
            request.setResponseCode(404)
            return b"Not Found"
        request.setHeader("content-type", "application/json")
        return json.dumps(found).encode()


class Site:
    def __init__(self) -> None:
        clock = Clock()
        clock.advance(1_000_000)
        self.upstream = Documents()
        fetcher = Fetcher(StubTreq(self.upstream), clock)
        # no distribution is opened here, so the reactor's thread pool is never asked for
        simple = SimpleIndex(fetcher, cast(IReactorThreads, clock), "http://u/simple")
        lookup = Lookup(MemoryCache(clock), PyPI(fetcher, "http://u/pypi"), PyPIStats(fetcher, "http://u/stats"),
                        clock, 600, indexes={"corp": simple, "mirror": PyPI(fetcher, "http://u/index")},
                        simple_indexes={"corp": simple})
        images = LocalImages(MemoryCache(clock), InProcessDrawer())
        self.client = StubTreq(in_memory_site(lookup, images, clock).resource())

    def get(self, path: str) -> Any:
        response = fired(self.client.get("http://badges.test" + path))
        response.body = fired(treq.content(response))
        return response

    def data(self, path: str) -> Dict[str, Any]:
        response = self.get(path)
        assert response.code == 200, (path, response.body)
        return json.loads(response.body)

    def both(self, kind: str, package: str, query: str = ""):
        """
        What pypip.in's route and shields' say of C{package}: (message, colour) of each.
        """
        ours = self.data(f"/{kind}/{package}/badge.json{query}")
        theirs = self.data(f"/pypi/{kind}/{package}.json{query}")
        return (ours["message"], ours["color"]), (theirs["message"], theirs["color"])


@pytest.fixture
def site() -> Site:
    return Site()


@pytest.mark.parametrize(
    "package, ours, theirs, color",
    [("every-system", "linux, macos, windows, android, ios", "linux | macos | windows | android | ios", "blue"),
     ("tag-set", "macos, windows", "macos | windows", "blue"),
     ("pure", "any", "any", "brightgreen"),
     # a pure wheel installs everywhere, whatever the others are for
     ("fallback", "any", "any", "brightgreen"),
     ("pypy-only", "linux", "linux", "blue"),
     ("source-only", "no wheels", "no wheels", "lightgrey"),
     ("bsd-only", "no wheels", "no wheels", "lightgrey"),
     ("numpy", "linux, macos, windows", "linux | macos | windows", "blue"),
     ("cryptography", "linux, macos, windows", "linux | macos | windows", "blue"),
     ("pillow", "linux, macos, windows, ios", "linux | macos | windows | ios", "blue")],
)
def test_platforms(site, package, ours, theirs, color):
    assert site.both("platforms", package) == ((ours, color), (theirs, color))


@pytest.mark.parametrize(
    "package, ours, theirs, color",
    [("threads", "3.13t, 3.14t, 3.15t+", "3.13t | 3.14t | 3.15t+", "brightgreen"),
     ("pure", "pure python", "pure python", "brightgreen"),
     # the wheels built for an ABI have none for the free-threaded build
     ("fallback", "no", "no", "red"),
     ("abi3-only", "no", "no", "red"),
     ("every-system", "no", "no", "red"),
     ("pypy-only", "no wheels", "no wheels", "lightgrey"),
     ("source-only", "no wheels", "no wheels", "lightgrey"),
     ("numpy", "3.14t, 3.15t", "3.14t | 3.15t", "brightgreen"),
     ("cryptography", "3.14t, 3.15t+", "3.14t | 3.15t+", "brightgreen"),
     ("pillow", "3.14t, 3.15t", "3.14t | 3.15t", "brightgreen")],
)
def test_free_threaded(site, package, ours, theirs, color):
    assert site.both("free-threaded", package) == ((ours, color), (theirs, color))


@pytest.mark.parametrize(
    "package, query, said",
    [("pure", "", ("none known", "brightgreen")),
     # one of two withdrawn
     ("threads", "", ("1 known", "red")),
     ("vulnerable", "", ("3 known", "red")),
     ("numpy", "", ("none known", "brightgreen")),
     ("cryptography", "", ("none known", "brightgreen")),
     ("pillow", "", ("none known", "brightgreen")),
     ("pure", "?version=1.0", ("2 known", "red")),
     ("vulnerable", "?version=4.1b1", ("none known", "brightgreen")),
     ("vulnerable", "?version=4.1-BETA1", ("none known", "brightgreen"))],
)
def test_vulnerabilities(site, package, query, said):
    ours, theirs = site.both("vulnerabilities", package, query)
    assert ours == theirs == said


def test_a_release_asked_reads_its_own_document(site):
    assert site.data("/vulnerabilities/pure/badge.json?version=1.0")["message"] == "2 known"
    assert site.data("/platforms/pure/badge.json?version=1.0")["message"] == "no wheels"
    assert site.data("/pypi/free-threaded/vulnerable/4.1b1.json")["message"] == "pure python"
    assert site.data("/vulnerabilities/pure/badge.json")["message"] == "none known"
    # each document asked once, whatever the badges and routes that read it
    site.data("/pypi/vulnerabilities/pure.json?version=1.0")
    site.data("/pypi/platforms/pure/1.0.json")
    assert sorted(site.upstream.requests) == [
        "/pypi/pure/1.0/json", "/pypi/pure/json", "/pypi/vulnerable/4.1b1/json"]


@pytest.mark.parametrize("kind", ["platforms", "free-threaded", "vulnerabilities"])
def test_errors(site, kind):
    assert site.data(f"/{kind}/pure/badge.json?version=9.9")["message"] == "version not found"
    assert site.data(f"/{kind}/pure/badge.json?version=nonsense")["message"] == "invalid version"
    assert site.data(f"/{kind}/no-such/badge.json")["message"] == "package not found"
    assert site.data(f"/{kind}/-bad-/badge.json")["message"] == "invalid package name"
    assert site.data(f"/{kind}/pure/badge.json?index=nowhere")["message"] == "unknown index"
    assert site.data(f"/pypi/{kind}/pure/9.9.json")["message"] == "package or version not found"
    for path in (f"/{kind}/pure/badge.json?version=9.9", f"/pypi/{kind}/no-such.json"):
        assert site.data(path)["label"] == kind


def test_every_format_on_both_routes(site):
    for kind in ("platforms", "free-threaded", "vulnerabilities"):
        for ext in FORMATS:
            for path in (f"/{kind}/threads/badge.{ext}", f"/pypi/{kind}/threads.{ext}"):
                response = site.get(path)
                assert response.code == 200, path
                assert response.headers.getRawHeaders("content-type") == [CONTENT_TYPES[ext]], path
                assert response.body, path
    assert (svg_texts(site.get("/free-threaded/threads/badge.svg").body)["title"]
            == "free-threaded: 3.13t, 3.14t, 3.15t+")
    assert svg_texts(site.get("/pypi/platforms/threads").body)["title"] == "platforms: linux | windows"


def test_query_parameters_as_the_other_badges(site):
    data = site.data("/platforms/threads/badge.json?label=wheels&color=orange&labelColor=blue&style=flat-square")
    assert (data["label"], data["message"], data["color"], data["labelColor"]) == (
        "wheels", "linux, windows", "orange", "blue")
    data = site.data("/pypi/vulnerabilities/vulnerable.json?label=CVEs&colorB=green&logo=python")
    assert (data["label"], data["message"], data["color"]) == ("CVEs", "3 known", "green")
    # an error keeps its own colour
    data = site.data("/vulnerabilities/pure/badge.json?version=9.9&color=green")
    assert (data["message"], data["color"]) == ("version not found", "red")
    response = site.get("/free-threaded/threads/badge.svg?logo=python&style=for-the-badge&cacheSeconds=86400")
    assert response.code == 200 and b"<image" in response.body
    assert "max-age=86400" in response.headers.getRawHeaders("cache-control")[0]


def test_an_index_of_the_simple_api(site):
    """
    The wheels from the page's file names; vulnerabilities, which no Simple API lists, not
    asked for: C{no json api}, as C{project-status} says C{no simple api} of a JSON index.
    """
    assert site.data("/platforms/corp/badge.json?index=corp")["message"] == "linux, macos"
    assert site.data("/pypi/free-threaded/corp.json?index=corp")["message"] == "3.14t"
    asked = len(site.upstream.requests)
    for path in ("/vulnerabilities/corp/badge.json?index=corp", "/pypi/vulnerabilities/corp.json?index=corp"):
        data = site.data(path)
        assert (data["message"], data["color"]) == ("no json api", "lightgrey")
    assert len(site.upstream.requests) == asked


def test_an_index_of_the_json_api_without_vulnerabilities(site):
    assert site.both("platforms", "pure", "?index=mirror") == (("any", "brightgreen"),) * 2
    assert site.both("vulnerabilities", "pure", "?index=mirror") == (("unknown", "lightgrey"),) * 2
    assert site.data("/vulnerabilities/pure/badge.json?index=pypi")["message"] == "none known"
