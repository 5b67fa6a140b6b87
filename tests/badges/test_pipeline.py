"""
L{pypipins.badges.pipeline}: the checks and the wording as pure functions, and the whole way
from what a URL asks to what its badge says through the real L{Lookup} over the stand-in
upstreams in memory (StubTreq, a Clock).
"""

from typing import Any, Optional, cast

import pytest
from treq.testing import StubTreq
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.task import Clock

from pypipins.badges import Badge, Options, Reads, Reason
from pypipins.badges.pipeline import (
    INVALID_KEPT, Asked, Checked, Pipeline, check, release_version, say,
)
from pypipins.badges.pypip import PYPIP
from pypipins.badges.shields import SHIELDS
from pypipins.facts import Answer, PackageFacts
from pypipins.store.cache import MemoryCache
from pypipins.store.lookup import Lookup
from pypipins.upstream.fetcher import Fetcher
from pypipins.upstream.pypi import PyPI
from pypipins.upstream.pypistats import PyPIStats
from pypipins.upstream.simple import SimpleIndex
from tests.helpers import fired
from tests.standin import Upstream

pytestmark = pytest.mark.memory

TTL = 600


# -- the checks and the wording, pure --------------------------------------------------------


@pytest.mark.parametrize(
    "package, version, index, reads, reason",
    [
        ("-nope-", None, None, Reads.RELEASE, Reason.INVALID_NAME),
        ("-nope-", None, None, Reads.PROJECT, Reason.INVALID_NAME),
        ("klein", None, "elsewhere", Reads.RELEASE, Reason.UNKNOWN_INDEX),
        ("klein", None, "elsewhere", Reads.PROVENANCE, Reason.UNKNOWN_INDEX),
        ("klein", "not a version", None, Reads.RELEASE, Reason.INVALID_VERSION),
        ("klein", "not a version", None, Reads.PROVENANCE, Reason.INVALID_VERSION),
        ("klein", None, "private", Reads.DOWNLOADS, Reason.NOT_COUNTED),
        # private has no Simple API (api=json): nothing to read status or provenance from
        ("klein", None, "private", Reads.PROJECT, Reason.NO_SIMPLE_API),
        ("klein", None, "private", Reads.PROVENANCE, Reason.NO_SIMPLE_API),
        # corp has a Simple API only (api=simple): no JSON API lists vulnerabilities there
        ("klein", None, "corp", Reads.VULNERABILITIES, Reason.NO_JSON_API),
        ("klein", "not a version", None, Reads.VULNERABILITIES, Reason.INVALID_VERSION),
    ],
)
def test_check_says_why_nothing_is_read(package, version, index, reads, reason):
    assert check(Asked(package, version, index), reads, {"private", "corp"}, {"corp"}) is reason


def test_check_normalises_what_is_read():
    assert check(Asked("Zope.Interface", "1.0-RC1", "pypi"), Reads.RELEASE, set()) == Checked(
        "zope-interface", "1.0rc1", None)
    # download counts and a project's status are of the package, whatever release is asked
    for reads in (Reads.DOWNLOADS, Reads.PROJECT):
        assert check(Asked("klein", "nonsense"), reads, set()) == Checked("klein", None, None)
    assert check(Asked("Klein", "1.0", "corp"), Reads.PROVENANCE, {"corp"}, {"corp"}) == Checked(
        "klein", "1.0", "corp")
    assert check(Asked("Klein", "1.0-RC1", "private"), Reads.VULNERABILITIES, {"private"}, {"corp"}) == (
        Checked("klein", "1.0rc1", "private"))


def test_release_versions_are_normalised_or_refused():
    assert release_version("1.0-RC1") == "1.0rc1"
    assert [release_version(text) for text in ("v1.0", " 1.0", "1" * 65, "1.0/../x")] == [None] * 4


def test_lasting_reasons_are_kept_and_others_asked_again():
    kind = PYPIP.kind("v")
    kept = say(PYPIP, kind, Reason.INVALID_NAME, Options(), now=100.0)
    assert kept.fresh_until == 100.0 + INVALID_KEPT and kept.badge.is_error
    again = say(PYPIP, kind, Reason.UNAVAILABLE, Options(), now=100.0)
    assert again.fresh_until == 0.0 and not again.queued


def test_facts_are_said_until_they_go_stale():
    kind = PYPIP.kind("v")
    fresh = say(PYPIP, kind, Answer(PackageFacts(version="1.0"), False, 500.0), Options(), now=100.0)
    assert (fresh.badge, fresh.stale, fresh.fresh_until) == (Badge("pypi", "1.0", "brightgreen"), False, 500.0)
    stale = say(PYPIP, kind, Answer(PackageFacts(version="1.0"), True, 500.0), Options(), now=100.0)
    assert (stale.stale, stale.fresh_until) == (True, 0.0)


# -- the whole way, through the real Lookup --------------------------------------------------


class OverLookup:
    """
    A L{Pipeline} over a real L{Lookup} of the stand-in's PyPI, pypistats and Simple API, with
    an index C{mirror} (JSON and Simple API) and an index C{private} (JSON API only).
    """

    def __init__(self) -> None:
        self.clock = Clock()
        self.clock.advance(1_000_000)
        self.upstream = Upstream(clock=self.clock.seconds)
        fetcher = Fetcher(StubTreq(self.upstream), self.clock)
        # no distribution is opened here, so the reactor's thread pool is never asked for
        threads = cast(IReactorThreads, self.clock)
        mirror = SimpleIndex(fetcher, threads, "http://mirror.test/simple")
        self.lookup = Lookup(
            MemoryCache(self.clock), PyPI(fetcher, "http://pypi.test/pypi"),
            PyPIStats(fetcher, "http://pypi.test/stats"), self.clock, TTL,
            indexes={"mirror": PyPI(fetcher, "http://mirror.test/pypi"),
                     "private": PyPI(fetcher, "http://private.test/pypi")},
            simple=SimpleIndex(fetcher, threads, "http://pypi.test/simple"),
            simple_indexes={"mirror": mirror},
        )
        self.pipeline = Pipeline(self.lookup, self.clock.seconds)

    def badge(self, dialect: Any, kind: str, asked: Asked, options: Optional[Options] = None) -> Any:
        found = dialect.kind(kind)
        assert found is not None, kind
        return fired(self.pipeline.badge(dialect, found, asked, options or Options()))


@pytest.fixture
def reading() -> OverLookup:
    return OverLookup()


@pytest.mark.parametrize(
    "dialect, kind, asked, badge",
    [
        (PYPIP, "v", Asked("Klein"), Badge("pypi", "24.8.0", "brightgreen")),
        (SHIELDS, "v", Asked("klein"), Badge("pypi", "v24.8.0", "blue")),
        (PYPIP, "license", Asked("klein"), Badge("license", "MIT", "blue")),
        (PYPIP, "wheel", Asked("klein"), Badge("wheel", "yes", "brightgreen")),
        (PYPIP, "vulnerabilities", Asked("klein"), Badge("vulnerabilities", "none known", "brightgreen")),
        # each kind reads what it says something of: counts, a Simple page, provenance
        (PYPIP, "d", Asked("klein"), Badge("downloads", "61k/month", "brightgreen")),
        (SHIELDS, "dd", Asked("klein"), Badge("downloads", "2.1k/day", "brightgreen")),
        (PYPIP, "project-status", Asked("prov-archived"), Badge("project", "archived", "orange")),
        (PYPIP, "provenance", Asked("prov-github", "2.0"),
         Badge("provenance", "github.com/pypipins/attested", "brightgreen")),
        (PYPIP, "provenance", Asked("prov-github", "1.0"), Badge("provenance", "none", "lightgrey")),
        # an index the server knows, read from its own upstream
        (PYPIP, "project-status", Asked("prov-deprecated", index="mirror"),
         Badge("project", "deprecated", "orange")),
    ],
)
def test_each_kind_reads_what_it_says(reading, dialect, kind, asked, badge):
    said = reading.badge(dialect, kind, asked)
    assert (said.badge, said.reason, said.stale) == (badge, None, False)
    assert said.fresh_until > reading.clock.seconds()


@pytest.mark.parametrize(
    "kind, asked, reason",
    [
        ("v", Asked("-nope-"), Reason.INVALID_NAME),
        ("v", Asked("klein", index="elsewhere"), Reason.UNKNOWN_INDEX),
        ("v", Asked("klein", "not a version"), Reason.INVALID_VERSION),
        ("d", Asked("klein", index="mirror"), Reason.NOT_COUNTED),
        ("project-status", Asked("klein", index="private"), Reason.NO_SIMPLE_API),
        ("vulnerabilities", Asked("klein", index="mirror"), Reason.NO_JSON_API),
    ],
)
def test_what_is_refused_never_reaches_an_upstream(reading, kind, asked, reason):
    said = reading.badge(PYPIP, kind, asked)
    assert said.reason is reason and said.badge.is_error
    assert reading.upstream.requests == []


@pytest.mark.parametrize(
    "kind, asked, reason, message",
    [
        ("v", Asked("no-such-package"), Reason.NOT_FOUND, "package not found"),
        ("v", Asked("klein", "99.0"), Reason.VERSION_NOT_FOUND, "version not found"),
    ],
)
def test_a_read_that_fails_is_said_as_its_reason(reading, kind, asked, reason, message):
    said = reading.badge(PYPIP, kind, asked)
    assert (said.reason, said.badge.message, said.badge.label, said.fresh_until) == (reason, message, "pypi", 0.0)


def test_an_upstream_failing_is_unavailable(reading):
    reading.upstream.fail("klein", "500")
    said = reading.badge(PYPIP, "license", Asked("klein"))
    assert (said.reason, said.badge) == (
        Reason.UNAVAILABLE, Badge("license", "unavailable", "lightgrey", is_error=True))


def test_the_query_customizes_what_is_said_but_not_an_errors_colour(reading):
    options = Options(label="release", color="#123456")
    assert reading.badge(PYPIP, "v", Asked("klein"), options).badge == Badge("release", "24.8.0", "#123456")
    error = reading.badge(PYPIP, "v", Asked("-nope-"), options).badge
    assert (error.label, error.color) == ("release", "red")


def test_what_a_kind_repeats_is_the_package_as_asked(reading):
    """
    shields' framework versions name the package and release as the URL spells them.
    """
    said = reading.badge(SHIELDS, "frameworkversions/plone", Asked("Klein", "24.8.0"))
    assert said.badge.message == "Plone versions are missing for Klein/24.8.0"
