"""
Project status (PEP 792) and provenance (PEP 740): the Simple API's pages and the Integrity
API's documents read and condensed. Pure functions.
"""

import json
import platform

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pypipins.facts import PROVENANCE_READ, ProjectFacts, Provenance, Publisher, ReleaseFiles, Unavailable
from pypipins.upstream import simple
from tests import big_documents
from tests.simple_pypi import project_page, provenance_document

pytestmark = pytest.mark.pure

PAGE = "https://pypi.test/simple/corp/"
ORIGIN = simple.origin(PAGE)


def entry(filename, provenance=None, yanked=False):
    return {"filename": filename, "url": f"https://files.test/{filename}", "hashes": {},
            "yanked": yanked, "provenance": provenance}


def condensed(*entries, status=None):
    document = {"meta": {"api-version": "1.4"}, "name": "corp", "files": list(entries)}
    if status is not None:
        document["project-status"] = status
    files = simple.parse_json(document, PAGE, "corp")
    return simple.condense_project(files, simple.project_status(document), ORIGIN)


# -- PEP 792 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "marker, status",
    [(None, "active"), ({"status": "archived"}, "archived"), ({"status": "quarantined", "reason": "x"}, "quarantined"),
     ({"status": " deprecated "}, "deprecated"), ({"status": "Under Review"}, "Under Review"),
     ({"status": "x" * 500}, "x" * simple.MAX_WORD)],
)
def test_project_status(marker, status):
    document = {"files": []} if marker is None else {"files": [], "project-status": marker}
    assert simple.project_status(document) == status


@pytest.mark.parametrize("marker", ["archived", {}, {"status": 1}, {"status": " "}, None, []])
def test_a_project_status_not_of_pep_792s_shape_is_the_upstream_failing(marker):
    with pytest.raises(Unavailable):
        simple.project_status({"files": [], "project-status": marker})


def test_html_pages_say_status_and_provenance():
    page = ('<html><head><meta name="pypi:project-status" content="archived"></head><body>'
            '<a href="/files/corp-1.0.tar.gz" data-provenance="/integrity/corp/1.0/corp-1.0.tar.gz/provenance">'
            'corp-1.0.tar.gz</a></body></html>')
    files, status = simple.read_html(page, PAGE, "corp")
    assert status == "archived"
    assert files[0].provenance == "https://pypi.test/integrity/corp/1.0/corp-1.0.tar.gz/provenance"
    assert simple.read_html("<html></html>", PAGE, "corp") == ([], "active")


# -- PEP 740: which files are attested ----------------------------------------------------


@pytest.mark.parametrize(
    "provenance, url",
    [("/integrity/corp/1.0/corp-1.0.tar.gz/provenance", "https://pypi.test/integrity/corp/1.0/corp-1.0.tar.gz/provenance"),
     ("https://pypi.test/p?x=1#f", "https://pypi.test/p?x=1"), (None, None), (1, None),
     ("file:///etc/passwd", None), ("javascript:x", None)],
)
def test_provenance_urls_are_read_as_file_urls_are(provenance, url):
    files = simple.parse_json({"files": [entry("corp-1.0.tar.gz", provenance)]}, PAGE, "corp")
    assert files[0].provenance == url


def test_a_release_condensed_to_counts_and_three_paths():
    wheels = [entry(f"corp-1.0-py3-none-manylinux_{i:02d}.whl", f"/i/{i:02d}") for i in range(80)]
    project = condensed(*reversed(wheels), entry("corp-1.0.tar.gz", "/i/sdist"), entry("corp-1.0.zip"))
    assert project == ProjectFacts("active", "1.0", (ReleaseFiles("1.0", 82, 81, ("/i/sdist", "/i/00", "/i/01")),))
    assert len(project.releases[0].provenances) == PROVENANCE_READ


def test_releases_latest_and_yanked_files():
    project = condensed(
        entry("corp-1.0.tar.gz"),
        entry("corp-2.0.tar.gz", "/i/2s"), entry("corp-2.0-py3-none-any.whl", "/i/2w"),
        # a yanked file is not the release's, unless all of them are
        entry("corp-2.0-py2-none-any.whl", yanked=True),
        entry("corp-3.0b1.tar.gz", "/i/3"),
        entry("corp-4.0.tar.gz", yanked="broken"),
        status={"status": "archived"},
    )
    assert project == ProjectFacts("archived", "2.0", (
        ReleaseFiles("1.0", 1, 0, ()),
        ReleaseFiles("2.0", 2, 2, ("/i/2s", "/i/2w")),
        ReleaseFiles("3.0b1", 1, 1, ("/i/3",)),
        ReleaseFiles("4.0", 1, 0, ()),
    ))
    assert project.release(None) == project.releases[1]
    assert project.release("2") is project.release("2.0") is project.releases[1]
    assert project.release("5.0") is None


def test_provenance_off_the_index_origin_is_not_followed():
    project = condensed(
        entry("corp-1.0.tar.gz", "http://pypi.test/i/s"),  # another scheme: another origin
        entry("corp-1.0-py3-none-any.whl", "https://evil.test/i/w"),
        entry("corp-1.0-py2-none-any.whl", "https://pypi.test:8443/i/w"),
    )
    assert project.releases == (ReleaseFiles("1.0", 3, 0, ()),)


def test_a_project_without_files():
    assert condensed(status={"status": "quarantined"}) == ProjectFacts("quarantined", "", ())
    assert ProjectFacts().release(None) is None


def test_project_facts_as_kept():
    project = ProjectFacts("archived", "2.0", (ReleaseFiles("1.0", 3, 0), ReleaseFiles("2.0", 2, 1, ("/p",))))
    assert ProjectFacts.from_json(project.to_json()) == project
    # a release without provenance is a few bytes: 4,000 of them stay small
    many = ProjectFacts("active", "3999.0", tuple(ReleaseFiles(f"{n}.0", 3) for n in range(4000)))
    assert len(many.to_json()) < 4000 * 20


# -- PEP 740: who published them ----------------------------------------------------------


def bundle(publisher):
    return {"publisher": publisher, "attestations": [{"version": 1}]}


@pytest.mark.parametrize(
    "bundles, publishers",
    [([bundle({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"})], [Publisher("GitHub", "o/r")]),
     ([bundle({"kind": "Google", "email": "a@b.test"})], [Publisher("Google")]),
     ([bundle({"kind": "GitLab", "repository": "g/s/p"}), bundle({"kind": "GitLab", "repository": "g/s/p"}),
       bundle({"kind": "GitHub", "repository": "o/r"})], [Publisher("GitLab", "g/s/p"), Publisher("GitHub", "o/r")]),
     # what names no publisher is passed over
     ([bundle(None), bundle({"kind": ""}), "x", bundle({"kind": "ActiveState", "repository": 3})],
      [Publisher("ActiveState")]),
     ([bundle({"kind": "K" * 500, "repository": "r" * 500})],
      [Publisher("K" * simple.MAX_WORD, "r" * simple.MAX_WORD)])],
)
def test_provenance_documents(bundles, publishers):
    parsed = simple.parse_provenance({"version": 1, "attestation_bundles": bundles})
    assert parsed == Provenance(tuple(publishers))
    assert Provenance.from_json(parsed.to_json()) == parsed


@pytest.mark.parametrize(
    "document",
    [None, [], {}, {"version": 2, "attestation_bundles": []}, {"version": 1, "attestation_bundles": []},
     {"version": 1, "attestation_bundles": "x"}, {"version": 1, "attestation_bundles": [bundle({})]}],
)
def test_what_is_no_provenance_document_is_the_upstream_failing(document):
    with pytest.raises(Unavailable):
        simple.parse_provenance(document)


def test_the_stand_ins_documents_are_of_the_peps_shapes():
    page = json.loads(project_page("prov-github"))
    files = simple.parse_json(page, "http://pypi.test/simple/prov-github/", "prov-github")
    project = simple.condense_project(files, simple.project_status(page), simple.origin("http://pypi.test/simple"))
    assert project.latest == "2.0"
    document = json.loads(provenance_document("prov-github", "prov_github-2.0.tar.gz"))
    assert simple.parse_provenance(document) == Provenance((Publisher("GitHub", "pypipins/attested"),))


# -- reading a page as fast as the interpreter can ------------------------------------------

_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)
_FILE = st.fixed_dictionaries({}, optional={
    "filename": st.sampled_from(["corp-1.0.tar.gz", "corp-1.1-py3-none-any.whl", "other-1.0.tar.gz", ""]) | _ANY_JSON,
    "url": st.sampled_from(["/f/corp-1.0.tar.gz", "https://files.test/corp-2.0.zip", "file:///x"]) | _ANY_JSON,
    "yanked": st.booleans() | st.text(max_size=3) | _ANY_JSON,
    "requires-python": st.just(">=3.9") | _ANY_JSON,
    "core-metadata": st.booleans() | st.none() | _ANY_JSON,
    "dist-info-metadata": st.booleans() | st.none() | _ANY_JSON,
    "provenance": st.just("/integrity/corp/1.0/p") | _ANY_JSON,
}) | _ANY_JSON
_PAGE = st.fixed_dictionaries({}, optional={
    "files": st.lists(_FILE, max_size=4) | _ANY_JSON,
    "meta": st.fixed_dictionaries(
        {}, optional={"api-version": st.sampled_from(["1.4", "2.0", "x"]) | _ANY_JSON}) | _ANY_JSON,
    "project-status": st.fixed_dictionaries({}, optional={"status": st.sampled_from(["archived", " ", ""]) | _ANY_JSON})
    | _ANY_JSON,
})


def _read_or_refused(read, body):
    try:
        return read(body)
    except Unavailable:
        return "refused"


def _decoded_whole(body):
    try:
        document = json.loads(body)
    except ValueError:
        raise Unavailable("not JSON")
    return simple.parse_json(document, PAGE, "corp"), simple.project_status(document)


@given(document=_PAGE | _ANY_JSON)
def test_reading_only_what_is_kept_says_what_decoding_all_says(document):
    body = json.dumps(document).encode()
    assert _read_or_refused(lambda b: simple.read_json(b, PAGE, "corp"), body) == _read_or_refused(_decoded_whole, body)


@pytest.mark.parametrize("body", [b"<html>not JSON</html>", b"", b'{"files": [', "{\"files\": []}".encode("utf-16"),
                                  b'{"files": [], "x": NaN}'])
def test_reading_what_msgspec_cannot_read(body):
    assert _read_or_refused(lambda b: simple.read_json(b, PAGE, "corp"), body) == _read_or_refused(_decoded_whole, body)


def test_on_cpython_a_page_is_read_without_decoding_all_of_it():
    if platform.python_implementation() != "CPython":
        pytest.skip("msgspec is CPython's")
    body = big_documents.simple_page("corp")
    assert simple._DECODER is not None
    files, status = simple.read_json(body, PAGE, "corp")
    assert (files, status) == _decoded_whole(body)
    assert len(files) == 4730 and status == "active"


@given(url=st.from_regex(simple._PLAIN_URL, fullmatch=True),
       page=st.sampled_from(["https://pypi.test/simple/corp/", "http://other.test:8080/x/y/"]))
def test_a_plain_url_is_what_resolving_it_makes(url, page):
    assert simple._resolved(url, page) == url
