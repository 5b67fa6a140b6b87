"""
The project-status and provenance badges through the real site in memory (StubTreq over the
stand-in, a Clock): what each says, and what each costs upstream.
"""

import json
import threading

from typing import cast

import pytest
import pytest_twisted
from treq.testing import StubTreq
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.task import Clock

from pypipins.store.cache import MemoryCache
from pypipins.drawing.images import LocalImages
from pypipins.store.flight import RETRY_AFTER
from pypipins.store.lookup import PROVENANCE_FRESH, Lookup
from pypipins.facts import PackageSource, ReleaseFiles
from pypipins.upstream import simple as simple_api
from pypipins.upstream.fetcher import OFF_REACTOR, Condensing, Fetcher
from pypipins.upstream.pypi import PyPI
from pypipins.upstream.pypistats import PyPIStats
from pypipins.upstream.simple import SimpleIndex
from tests import big_documents, simple_pypi
from tests.drawers import ForkingDrawer
from tests.helpers import fired, in_memory_site
from tests.standin import Upstream

pytestmark = pytest.mark.memory

TTL = 600


class Site:
    def __init__(self, index_api: str = "simple") -> None:
        self.clock = Clock()
        self.clock.advance(1_000_000)
        self.upstream = Upstream(clock=self.clock.seconds)
        fetcher = Fetcher(StubTreq(self.upstream), self.clock)
        # no distribution is opened here, so the reactor's thread pool is never asked for
        threads = cast(IReactorThreads, self.clock)
        simple = SimpleIndex(fetcher, threads, "http://pypi.test/simple")
        # an index named "mirror", here the same stand-in under another name
        simple_mirror = SimpleIndex(fetcher, threads, "http://mirror.test/simple")
        mirror: PackageSource = (simple_mirror if index_api == "simple"
                                 else PyPI(fetcher, "http://mirror.test/pypi"))
        self.lookup = Lookup(
            MemoryCache(self.clock), PyPI(fetcher, "http://pypi.test/pypi"),
            PyPIStats(fetcher, "http://pypi.test/stats"), self.clock, TTL,
            indexes={"mirror": mirror}, simple=simple,
            simple_indexes={"mirror": simple_mirror} if index_api == "simple" else {},
        )
        images = LocalImages(MemoryCache(self.clock), ForkingDrawer(), MemoryCache(self.clock))
        self.client = StubTreq(in_memory_site(self.lookup, images, self.clock).resource())

    def badge(self, path: str) -> dict:
        response = fired(self.client.get("http://badges.test" + path))
        assert response.code == 200, path
        return json.loads(fired(response.content()))

    def said(self, path: str) -> tuple:
        badge = self.badge(path)
        return badge["label"], badge["message"], badge["color"]

    def asked(self, kind: str) -> list:
        """
        The requests the stand-in had for C{kind}: simple, integrity or pypi.
        """
        return [path for path in self.upstream.requests if path.startswith(f"/{kind}/")]


@pytest.fixture
def site():
    return Site()


@pytest.mark.parametrize(
    "name, message, color",
    [("prov-none", "active", "brightgreen"), ("prov-archived", "archived", "orange"),
     ("prov-deprecated", "deprecated", "orange"), ("prov-quarantined", "quarantined", "red"),
     ("prov-strange", "under-review", "lightgrey"), ("nosuch", "package not found", "red")],
)
def test_project_status(site, name, message, color):
    assert site.said(f"/project-status/{name}/badge.json") == ("project", message, color)


@pytest.mark.parametrize(
    "name, message, color",
    [("prov-github", "github.com/pypipins/attested", "brightgreen"),
     ("prov-gitlab", "gitlab.com/group/sub/project", "brightgreen"),
     ("prov-google", "google", "brightgreen"),
     ("prov-partial", "partial", "yellow"),
     ("prov-mixed", "mixed", "orange"),
     ("prov-none", "none", "lightgrey"),
     ("prov-quarantined", "none", "lightgrey"),
     ("prov-wheels", "github.com/pypipins/attested", "brightgreen"),
     ("nosuch", "package not found", "red")],
)
def test_provenance(site, name, message, color):
    assert site.said(f"/provenance/{name}/badge.json") == ("provenance", message, color)


def test_a_quarantined_project_whose_json_api_is_gone(site):
    assert site.said("/v/prov-quarantined/badge.json")[1] == "package not found"
    assert site.said("/project-status/prov-quarantined/badge.json")[1] == "quarantined"


def test_both_badges_share_one_simple_api_request_per_ttl(site):
    site.said("/project-status/prov-github/badge.json")
    response = fired(site.client.get("http://badges.test/provenance/prov-github/badge.svg?style=flat-square"))
    assert b"github.com/pypipins/attested" in fired(response.content())
    site.said("/provenance/prov-github/badge.json?label=built")
    site.said("/project-status/Prov_GitHub/badge.json")
    assert site.asked("simple") == ["/simple/prov-github/"]
    # the latest release, 2.0 (3.0 is yanked, 2.1rc1 a pre-release): its sdist and wheel
    assert site.asked("integrity") == [
        "/integrity/prov-github/2.0/prov_github-2.0.tar.gz/provenance",
        "/integrity/prov-github/2.0/prov_github-2.0-py3-none-any.whl/provenance",
    ]
    assert site.asked("pypi") == []
    site.clock.advance(TTL)
    site.said("/provenance/prov-github/badge.json?label=again")  # stale, refreshed behind
    site.said("/provenance/prov-github/badge.json?label=and-again")
    # the page again; the provenance documents, a week fresh, not
    assert len(site.asked("simple")) == 2
    assert len(site.asked("integrity")) == 2
    site.clock.advance(PROVENANCE_FRESH)
    site.said("/provenance/prov-github/badge.json?label=a-week-on")
    site.said("/provenance/prov-github/badge.json?label=a-week-and-a-bit-on")
    assert len(site.asked("integrity")) == 4


def test_80_wheels_cost_three_provenance_requests(site):
    assert site.said("/provenance/prov-wheels/badge.json")[1] == "github.com/pypipins/attested"
    assert site.asked("integrity") == [
        "/integrity/prov-wheels/1.0/prov_wheels-1.0.tar.gz/provenance",
        "/integrity/prov-wheels/1.0/prov_wheels-1.0-py3-none-manylinux_00.whl/provenance",
        "/integrity/prov-wheels/1.0/prov_wheels-1.0-py3-none-manylinux_01.whl/provenance",
    ]


@pytest.mark.parametrize(
    "query, message, color",
    [("version=1.0", "none", "lightgrey"), ("version=2", "github.com/pypipins/attested", "brightgreen"),
     ("version=3.0", "none", "lightgrey"), ("version=9.9", "version not found", "red"),
     ("version=../x", "invalid version", "red")],
)
def test_provenance_of_a_release(site, query, message, color):
    assert site.said(f"/provenance/prov-github/badge.json?{query}") == ("provenance", message, color)


def test_a_version_changes_no_project_status(site):
    assert site.said("/project-status/prov-archived/badge.json?version=../x")[1] == "archived"


def test_invalid_names_cost_nothing(site):
    for kind in ("project-status", "provenance"):
        assert site.said(f"/{kind}/-nope-/badge.json")[1] == "invalid package name"
    assert site.upstream.requests == []


def test_a_hostile_page_sends_us_nowhere(site):
    assert site.said("/provenance/prov-hostile/badge.json")[1] == "none"
    assert site.asked("integrity") == []
    assert site.upstream.requests == ["/simple/prov-hostile/"]


def test_stale_over_errors(site):
    site.said("/provenance/prov-partial/badge.json")
    site.upstream.fail("prov-partial", "500")
    site.clock.advance(TTL)
    for _ in range(3):
        assert site.said("/provenance/prov-partial/badge.json")[1] == "partial"
        assert site.said("/project-status/prov-partial/badge.json")[1] == "active"
    # one refresh tried, then none for RETRY_AFTER
    assert len(site.asked("simple")) == 2
    site.clock.advance(RETRY_AFTER)


def test_unavailable_with_nothing_kept(site):
    site.upstream.fail("prov-mixed", "500")
    assert site.said("/provenance/prov-mixed/badge.json")[1] == "unavailable"
    assert site.said("/project-status/prov-mixed/badge.json")[1] == "unavailable"


@pytest.mark.parametrize("how", ["500", "garbage", "wrong-shape"])
def test_a_provenance_document_failing_is_unavailable(site, how):
    site.upstream.fail("prov_gitlab-1.0-py3-none-any.whl", how)
    assert site.said("/provenance/prov-gitlab/badge.json")[1] == "unavailable"
    # the page itself was read, and says what it says
    assert site.said("/project-status/prov-gitlab/badge.json")[1] == "active"


def test_an_index_with_a_simple_api(site):
    assert site.said("/provenance/prov-github/badge.json?index=mirror")[1] == "github.com/pypipins/attested"
    assert site.said("/project-status/prov-archived/badge.json?index=mirror")[1] == "archived"
    assert site.said("/project-status/prov-archived/badge.json?index=elsewhere")[1] == "unknown index"


def test_an_index_without_one():
    site = Site(index_api="json")
    for kind in ("project-status", "provenance"):
        assert site.said(f"/{kind}/prov-github/badge.json?index=mirror") == (
            "project" if kind == "project-status" else "provenance", "no simple api", "lightgrey")
    assert site.upstream.requests == []


@pytest_twisted.ensureDeferred
async def test_a_big_page_is_read_and_condensed_beside_the_reactor(monkeypatch):
    """
    A Simple API page of megabytes (the biggest projects' are) is decoded, read and condensed
    in the condensing threads, as the JSON API's documents are, so that the reactor's thread
    goes on answering meanwhile; a small page in the reactor's thread.
    """
    from twisted.internet import reactor
    from twisted.python.threadpool import ThreadPool

    threads = []

    def watched(function):
        def run(*args):
            ran = (function.__name__, threading.current_thread().name)
            # each file of a page is read by _dist_file: once is enough to say where
            if not threads or threads[-1] != ran:
                threads.append(ran)
            return function(*args)
        return run

    for name in ("_dist_file", "condense_project", "latest"):
        monkeypatch.setattr(simple_api, name, watched(getattr(simple_api, name)))
    pool = ThreadPool(0, 1, "condensing")
    pool.start()
    try:
        fetcher = Fetcher(StubTreq(Upstream()), reactor, condensing=Condensing(reactor, pool))
        index = SimpleIndex(fetcher, reactor, "http://pypi.test/simple")
        big = await index.project("wide-1")
        big_release = await index.facts("wide-2")
        small = await index.project("prov-github")
    finally:
        pool.stop()
    assert len(big_documents.simple_page("wide-1")) > 3_000_000
    assert len(simple_pypi.project_page("prov-github")) < OFF_REACTOR
    assert (big.latest, len(big.releases), small.latest) == ("10.9.0", 110, "2.0")
    assert big.releases[-1] == ReleaseFiles("10.9.0", 43, 43, (
        "/integrity/wide-1/10.9.0/wide_1-10.9.0.tar.gz/provenance",
        "/integrity/wide-1/10.9.0/wide_1-10.9.0-cp310-cp310-macosx_10_13_x86_64.whl/provenance",
        "/integrity/wide-1/10.9.0/wide_1-10.9.0-cp310-cp310-macosx_11_0_arm64.whl/provenance"))
    assert big_release.version == "10.9.0"
    beside = "PoolThread-condensing-0"
    main = threading.main_thread().name
    # the project's page read and condensed, the release's chosen, then the small page's
    assert threads == [("_dist_file", beside), ("condense_project", beside), ("latest", beside),
                       ("_dist_file", beside), ("latest", beside),
                       ("_dist_file", main), ("condense_project", main), ("latest", main)]
