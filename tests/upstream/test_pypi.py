"""
Fetching and condensing PyPI's documents (L{pypipins.upstream.pypi}): the stand-in answered in
memory through treq.testing.StubTreq, and time through a Clock. pypistats' are in
tests/upstream/test_pypistats.py.
"""

import json
import threading

import pytest
import pytest_twisted
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version
from twisted.internet.defer import CancelledError
from treq.testing import StubTreq
from twisted.internet.task import Clock

from pypipins.upstream import pypi, pypistats
from pypipins.facts import Downloads, NotFound, PackageFacts, Unavailable, Vulnerabilities, Wheels
from pypipins.upstream.fetcher import Fetcher, RateLimited, TooLarge
from tests.helpers import fired
from tests import big_documents
from tests.standin import FIXTURES, Upstream

pytestmark = pytest.mark.memory

RECORDED = sorted(p.stem for p in (FIXTURES / "pypi").glob("*.json"))


@pytest.mark.parametrize("name", RECORDED)
def test_condensed_record_is_small_and_round_trips(name):
    document = json.loads((FIXTURES / "pypi" / f"{name}.json").read_bytes())
    facts = pypi.condense(document)
    assert facts.version == document["info"]["version"]
    record = facts.to_json()
    assert len(record) < 2048
    assert PackageFacts.from_json(record) == facts


def test_condense_keeps_what_badges_read():
    document = json.loads((FIXTURES / "pypi" / "twisted.json").read_bytes())
    facts = pypi.condense(document)
    assert facts.license_expression == "MIT"
    assert facts.requires_python == ">=3.10"
    assert facts.packagetypes == ("bdist_wheel", "sdist")
    assert "Programming Language :: Python :: 3 :: Only" in facts.classifiers
    assert all(not c.startswith("Intended Audience") for c in facts.classifiers)


def test_condense_a_huge_license_text():
    document = {"info": {"version": "1", "license": "Permission is hereby granted " * 1000}, "urls": []}
    facts = pypi.condense(document)
    assert len(facts.to_json()) < 2048


@pytest.mark.parametrize(
    "document",
    [[], "text", {"info": None}, {"info": {}}, {"info": {"version": 3}}, {"urls": []}],
)
def test_condense_refuses_other_shapes(document):
    with pytest.raises(Unavailable):
        pypi.condense(document)


def test_condense_tolerates_odd_fields():
    document = {"info": {"version": "1", "classifiers": [3, None, "License :: OSI Approved :: MIT License"],
                         "license": None, "requires_python": 3.9},
                "urls": [None, {"packagetype": 7}, {"packagetype": "sdist"}]}
    facts = pypi.condense(document)
    assert facts == PackageFacts(version="1", classifiers=("License :: OSI Approved :: MIT License",),
                                 packagetypes=("sdist",), wheels=Wheels())


def clients(timeout: float = 10.0):
    upstream = Upstream()
    clock = Clock()
    fetcher = Fetcher(StubTreq(upstream), clock, timeout)
    return (upstream, clock, pypi.PyPI(fetcher, "http://pypi.test/pypi/"),
            pypistats.PyPIStats(fetcher, "http://pypi.test/stats"))


def test_fetch_facts_and_downloads():
    upstream, clock, client, stats = clients()
    facts = []
    client.facts("klein").addCallback(facts.append)
    assert facts[0].version == "24.8.0"
    downloads = []
    stats.downloads("klein").addCallback(downloads.append)
    assert downloads == [Downloads(last_day=2113, last_week=14602, last_month=61257)]
    assert upstream.requests == ["/pypi/klein/json", "/stats/packages/klein/recent"]


@pytest.mark.parametrize("how, error", [("500", Unavailable), ("429", RateLimited),
                                        ("garbage", Unavailable), ("wrong-shape", Unavailable)])
def test_fetch_failures(how, error):
    upstream, clock, client, stats = clients()
    upstream.fail("klein", how)
    failures = []
    client.facts("klein").addErrback(failures.append)
    stats.downloads("klein").addErrback(failures.append)
    assert [f.type for f in failures] == [error, error]


def test_fetch_not_found():
    upstream, clock, client, stats = clients()
    failures = []
    client.facts("nope").addErrback(failures.append)
    stats.downloads("nope").addErrback(failures.append)
    assert [f.type for f in failures] == [NotFound, NotFound]


def test_fetch_times_out():
    upstream, clock, client, stats = clients(timeout=3)
    upstream.fail("klein", "hang")
    failures = []
    client.facts("klein").addErrback(failures.append)
    clock.advance(2.9)
    assert failures == []
    clock.advance(0.2)
    assert [f.type for f in failures] == [Unavailable]
    assert "did not answer within 3" in failures[0].getErrorMessage()


def test_body_over_the_limit(monkeypatch):
    from pypipins.upstream import fetcher as module

    monkeypatch.setattr(module, "MAX_BODY", 1000)
    upstream, clock, client, stats = clients()
    failures = []
    client.facts("klein").addErrback(failures.append)  # 47 KB, with a Content-Length
    assert [f.type for f in failures] == [TooLarge]
    assert issubclass(TooLarge, Unavailable)
    assert "sent 47847 bytes" in failures[0].getErrorMessage()


def _release(*files):
    return [dict(f, packagetype="sdist") for f in files]


def test_condense_keeps_the_newest_release_of_all():
    document = {
        "info": {"version": "1.2"},
        "releases": {
            "1.2": _release({}),
            "1.10rc1": _release({}),  # newer than 1.2 as a version, not as text
            "2.0": _release({"yanked": True}),  # yanked: not what pip takes
            "3.0": [],  # no files: nothing to install
            "not a version": _release({}),
            "1.9": "odd",
        },
    }
    assert pypi.condense(document).newest == "1.10rc1"


@pytest.mark.parametrize("name", ["attrs", "hyperlink", "klein", "pytest-twisted", "treq", "twisted", "txredisapi"])
def test_condense_real_releases(name):
    """
    None of the recorded packages has a pre-release ahead of its latest release.
    """
    document = json.loads((FIXTURES / "pypi" / f"{name}.json").read_bytes())
    assert pypi.condense(document).newest == document["info"]["version"]


def test_condense_a_beta_ahead():
    document = json.loads((FIXTURES / "pypi" / "beta-ahead.json").read_bytes())
    facts = pypi.condense(document)
    assert (facts.version, facts.newest) == ("1.4.2", "1.5.0b2")


def test_record_from_an_earlier_version_still_reads():
    """
    Records stay in Redis for a week across upgrades: fields added since take their default,
    and fields dropped since are ignored.
    """
    old = (b'{"version":"1.0","license":"MIT","license_expression":"","classifiers":[],"requires_python":"",'
           b'"packagetypes":["sdist"]}')
    assert PackageFacts.from_json(old) == PackageFacts(version="1.0", license="MIT", packagetypes=("sdist",))
    assert PackageFacts.from_json(b'{"version":"1.0","gone":3}') == PackageFacts(version="1.0")


def test_release_document_url():
    upstream, clock, client, _ = clients()
    facts = fired(client.release("klein", "24.8.0"))
    assert facts.version == "24.8.0"
    assert upstream.requests == ["/pypi/klein/24.8.0/json"]


def test_a_cancelled_fetch_is_no_upstream_failure():
    """
    A client that goes away cancels the fetch made for it: that is no failure of the upstream
    (nothing logged, health untouched, metrics say cancelled), and the cancel is not turned
    into an answer.
    """
    from prometheus_client import CollectorRegistry

    from pypipins.ops.health import UpstreamHealth
    from pypipins.ops.metrics import Metrics

    upstream, clock = Upstream(), Clock()
    registry = CollectorRegistry()
    health = UpstreamHealth("pypi", clock)
    fetcher = Fetcher(StubTreq(upstream), clock, 10.0, "pypi", health, Metrics(registry))
    upstream.fail("klein", "hang")
    failures = []
    d = pypi.PyPI(fetcher, "http://pypi.test/pypi/").facts("klein")
    d.addErrback(failures.append)
    clock.advance(1)
    d.cancel()
    assert [f.type for f in failures] == [CancelledError]
    clock.advance(60)  # the timer that would have timed it out is gone too
    assert len(failures) == 1
    assert health.failing_since is None
    count = registry.get_sample_value
    assert count("pypipins_upstream_requests_total", {"upstream": "pypi", "outcome": "cancelled"}) == 1
    assert count("pypipins_upstream_requests_total", {"upstream": "pypi", "outcome": "error"}) is None


_VERSIONS = st.one_of(
    # plain ones, with leading and trailing zeros
    st.lists(st.integers(0, 12).map(str) | st.sampled_from(["0", "00", "010"]), min_size=1,
             max_size=4).map(".".join),
    # and every other kind PEP 440 has, and some it has not
    st.sampled_from(["1.0rc1", "1.0.post1", "1.0.dev3", "2!1.0", "1.0+local", "v1.2", "1.0a1",
                     "10.0b2", "1.0-RC1", "not a version", "1..2", "", "1.2.3.4.5.6",
                     "0.0.0a0", "12.0.0.dev0"]),
)


@given(st.lists(_VERSIONS, max_size=30))
def test_newest_is_the_highest_pep_440_version(versions):
    """
    The plain versions' shortcut chooses as packaging's ordering does.
    """
    valid = []
    for text in versions:
        try:
            valid.append(Version(text))
        except InvalidVersion:
            pass
    chosen = pypi.newest(versions)
    if not valid:
        assert chosen == ""
    else:
        assert Version(chosen) == max(valid)


@pytest_twisted.ensureDeferred
async def test_big_documents_are_condensed_beside_the_reactor():
    """
    A document of megabytes is decoded and condensed in the condensing threads, so that the
    reactor's thread goes on answering meanwhile; a small one in the reactor's thread, where
    handing it over would cost more than it spares.
    """
    from twisted.internet import reactor
    from twisted.python.threadpool import ThreadPool

    from pypipins.upstream.fetcher import OFF_REACTOR, Condensing, decode_json, of_body

    pool = ThreadPool(0, 1, "condensing")
    pool.start()
    threads = []

    def read(body):
        threads.append(threading.current_thread().name)
        return pypi.condense(decode_json(body))

    try:
        fetcher = Fetcher(StubTreq(Upstream()), reactor, condensing=Condensing(reactor, pool))
        huge = await fetcher.fetch("http://pypi.test/pypi/huge-1/json", of_body(read))
        small = await fetcher.fetch("http://pypi.test/pypi/klein/json", of_body(read))
    finally:
        pool.stop()
    assert len(big_documents.document("huge")) > OFF_REACTOR > len((FIXTURES / "pypi/klein.json").read_bytes())
    assert (huge.version, huge.newest, small.version) == ("6.4499.0", "6.4499.0", "24.8.0")
    assert threads[0] == "PoolThread-condensing-0" and threads[1] == threading.main_thread().name


#: Any JSON value, and the values PyPI's fields take, odd ones included.
_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
_FILE = st.one_of(
    st.fixed_dictionaries({"packagetype": st.sampled_from(["sdist", "bdist_wheel", 3])},
                          optional={"yanked": st.one_of(st.booleans(), st.none(), st.text(max_size=3), st.integers())}),
    _ANY_JSON,
)
_DOCUMENT = st.fixed_dictionaries(
    {},
    optional={
        "info": st.one_of(st.fixed_dictionaries({}, optional={
            "version": st.one_of(st.sampled_from(["1.0", "2.0b1", "nonsense"]), _ANY_JSON),
            "license": _ANY_JSON, "license_expression": _ANY_JSON, "name": _ANY_JSON,
            "requires_python": _ANY_JSON,
            "classifiers": st.one_of(st.lists(st.sampled_from(
                ["License :: OSI Approved :: MIT License", "Programming Language :: Python :: 3.12"])), _ANY_JSON),
        }), _ANY_JSON),
        "urls": st.one_of(st.lists(_FILE, max_size=3), _ANY_JSON),
        "releases": st.one_of(st.dictionaries(st.sampled_from(["1.0", "1.1", "2.0b1", "bad", "0.9"]),
                                              st.one_of(st.lists(_FILE, max_size=3), _ANY_JSON)), _ANY_JSON),
    },
)


def _condensed_or_refused(read, body):
    try:
        return read(body)
    except Unavailable:
        return "refused"


@given(document=st.one_of(_DOCUMENT, _ANY_JSON))
def test_reading_only_what_is_kept_says_what_condensing_all_says(document):
    body = json.dumps(document).encode()
    assert _condensed_or_refused(pypi.read, body) == _condensed_or_refused(
        lambda b: pypi.condense(json.loads(b)), body)


@pytest.mark.parametrize("body", [b"<html>this is not JSON</html>", b"", b'{"info": {"version": "1.0"}', b"NaN"])
def test_reading_what_is_not_a_document(body):
    assert _condensed_or_refused(pypi.read, body) == "refused"


def test_a_document_msgspec_cannot_read_is_read_whole():
    # UTF-16, which json takes and msgspec does not; and a NaN, which is no JSON but json takes
    for body in ('{"info": {"version": "1.0"}}'.encode("utf-16"), b'{"info": {"version": "1.0", "x": NaN}}'):
        assert pypi.read(body).version == "1.0"


def test_on_cpython_a_document_is_read_without_decoding_all_of_it():
    import platform

    if platform.python_implementation() != "CPython":
        pytest.skip("msgspec is CPython's")
    body = big_documents.document("huge")
    assert pypi._DECODER is not None
    assert pypi.read(body) == pypi.condense(json.loads(body))


def test_condense_reads_wheels_and_vulnerabilities():
    document = {"info": {"version": "1"}, "urls": [
        {"filename": "x-1-cp314-cp314t-manylinux_2_17_x86_64.whl", "packagetype": "bdist_wheel"},
        {"filename": "x-1-cp315-abi3.abi3t-win_amd64.whl", "packagetype": "bdist_wheel"},
        {"filename": "x-1.tar.gz", "packagetype": "sdist"}, {"filename": 3}, None],
        "vulnerabilities": [
            {"id": "GHSA-1", "withdrawn": None}, {"id": "PYSEC-2", "withdrawn": "2026-01-01T00:00:00Z"},
            {"id": "PYSEC-3"}, {"id": 4}, "text", {"withdrawn": ""}]}
    facts = pypi.condense(document)
    assert facts.wheels == Wheels(("linux", "windows"), ("3.14t", "3.15t+"), "binary")
    # the withdrawn one left out; those without an identifier counted all the same
    assert facts.vulnerabilities == Vulnerabilities(4, ("GHSA-1", "PYSEC-3"))
    assert pypi.read(json.dumps(document).encode()) == facts
    assert PackageFacts.from_json(facts.to_json()) == facts


@pytest.mark.parametrize("vulnerabilities", [None, {}, "none"])
def test_a_document_without_a_list_of_vulnerabilities_says_none_of_them(vulnerabilities):
    document = {"info": {"version": "1"}, "urls": []}
    if vulnerabilities is not None:
        document["vulnerabilities"] = vulnerabilities
    facts = pypi.condense(document)
    assert facts.vulnerabilities is None
    assert pypi.read(json.dumps(document).encode()) == facts


def test_the_record_grows_with_neither_files_nor_vulnerabilities():
    def record(n):
        # n builds of each of four free-threaded versions for three systems
        wheels = [{"filename": f"x-1-{m}-cp31{m % 4}-cp31{m % 4}t-{platform}.whl", "packagetype": "bdist_wheel"}
                  for m in range(n) for platform in ("manylinux_2_17_x86_64", "win_amd64", "macosx_11_0_arm64")]
        vulnerabilities = [{"id": f"PYSEC-2026-{m:04}", "withdrawn": None} for m in range(n * 10)]
        document = {"info": {"version": "1"}, "urls": wheels, "vulnerabilities": vulnerabilities}
        return pypi.condense(document).to_json()

    assert len(record(40)) == len(record(10)) < 1024
    assert PackageFacts.from_json(record(40)).vulnerabilities.count == 400
