"""
The Simple API's pages read and the release chosen (L{pypipins.upstream.simple}): pure
functions, no reactor. Core metadata is in tests/upstream/test_coremetadata.py.
"""

import pytest
from packaging.version import Version

from pypipins.upstream import simple
from pypipins.upstream.coremetadata import CoreMetadata
from pypipins.facts import PackageFacts, Unavailable, Wheels
from pypipins.upstream.simple import DistFile, Release

pytestmark = pytest.mark.pure

PAGE = "https://index.test/simple/corp/"


def dist(filename, yanked=False, requires_python="", metadata=False):
    version, kind = simple.version_and_kind(filename, "corp")
    url = "https://index.test/files/" + filename
    return DistFile(filename, url, version, kind, yanked, requires_python,
                    url + ".metadata" if metadata else None)


@pytest.mark.parametrize(
    "filename, found",
    [("corp-1.0-py3-none-any.whl", ("1.0", "bdist_wheel")),
     ("Corp-1.0.tar.gz", ("1.0", "sdist")),
     ("corp-2.0b1.zip", ("2.0b1", "sdist")),
     ("corp-0.9-py2.7.egg", ("0.9", "bdist_egg")),
     ("corp-1.0.post1-cp311-cp311-manylinux_2_17_x86_64.whl", ("1.0.post1", "bdist_wheel"))],
)
def test_versions_and_kinds_from_file_names(filename, found):
    version, kind = simple.version_and_kind(filename, "corp")
    assert (str(version), kind) == found


@pytest.mark.parametrize(
    "filename",
    ["corp_extras-1.0.tar.gz",  # another project
     "corp-1.0.tar.bz2", "corp-1.0.exe", "corp.tar.gz", "corp-notaversion.tar.gz",
     "corp-1.0-py3-none.whl", "README"],
)
def test_other_files_are_passed_over(filename):
    assert simple.version_and_kind(filename, "corp") is None


@pytest.mark.parametrize(
    "href, url",
    [("../../files/corp-1.0.tar.gz#sha256=ab", "https://index.test/files/corp-1.0.tar.gz"),
     ("corp-1.0.tar.gz", "https://index.test/simple/corp/corp-1.0.tar.gz"),
     ("//files.test:8443/c/corp-1.0.tar.gz", "https://files.test:8443/c/corp-1.0.tar.gz"),
     ("http://u:p@files.test/corp-1.0.tar.gz", "http://files.test/corp-1.0.tar.gz"),
     ("file:///etc/passwd", None), ("ftp://files.test/corp-1.0.tar.gz", None),
     ("javascript:alert(1)", None), ("http://files.test:99999/x", None), ("http:///x", None)],
)
def test_file_urls_are_resolved_and_only_http(href, url):
    assert simple.file_url(href, PAGE) == url


def test_json_page():
    document = {
        "meta": {"api-version": "1.1"},
        "name": "corp",
        "files": [
            {"filename": "corp-1.0.tar.gz", "url": "../../files/corp-1.0.tar.gz",
             "hashes": {"sha256": "ab"}, "requires-python": ">=3.9", "yanked": False},
            {"filename": "corp-1.0-py3-none-any.whl", "url": "https://cdn.test/corp-1.0-py3-none-any.whl",
             "core-metadata": {"sha256": "cd"}},
            {"filename": "corp-1.1.tar.gz", "url": "/files/corp-1.1.tar.gz", "yanked": "broken"},
            {"filename": "corp-1.2.tar.gz", "url": "/files/corp-1.2.tar.gz", "yanked": True,
             "dist-info-metadata": True},
            {"filename": "corp-1.3.tar.gz", "url": "/files/corp-1.3.tar.gz", "core-metadata": False},
            {"filename": "corp-9.tar.gz", "url": "file:///etc/corp-9.tar.gz"},
            {"filename": "other-1.0.tar.gz", "url": "/files/other-1.0.tar.gz"},
            "junk", {"filename": 3, "url": None},
        ],
    }
    files = simple.parse_json(document, PAGE, "corp")
    assert [(f.filename, f.url, f.yanked, f.requires_python, f.metadata_url) for f in files] == [
        ("corp-1.0.tar.gz", "https://index.test/files/corp-1.0.tar.gz", False, ">=3.9", None),
        ("corp-1.0-py3-none-any.whl", "https://cdn.test/corp-1.0-py3-none-any.whl", False, "",
         "https://cdn.test/corp-1.0-py3-none-any.whl.metadata"),
        ("corp-1.1.tar.gz", "https://index.test/files/corp-1.1.tar.gz", True, "", None),
        ("corp-1.2.tar.gz", "https://index.test/files/corp-1.2.tar.gz", True, "",
         "https://index.test/files/corp-1.2.tar.gz.metadata"),
        ("corp-1.3.tar.gz", "https://index.test/files/corp-1.3.tar.gz", False, "", None),
    ]


@pytest.mark.parametrize(
    "document",
    [[], {"files": {}}, {"meta": {"api-version": "2.0"}, "files": []}, "text"],
)
def test_json_pages_of_another_shape_are_refused(document):
    with pytest.raises(Unavailable):
        simple.parse_json(document, PAGE, "corp")


HTML = """<!DOCTYPE html>
<html><head><title>Links for corp</title></head><body>
<h1>Links for corp</h1>
<a href="../../packages/corp-1.0.tar.gz#sha256=ab" data-requires-python="&gt;=3.9">corp-1.0.tar.gz</a><br>
<a href="../../packages/corp-1.0-py3-none-any.whl" data-core-metadata="sha256=cd">corp-1.0-py3-none-any.whl</a>
<a href="../../packages/corp-1.1.tar.gz" data-yanked="">corp-1.1.tar.gz</a>
<a href="../../packages/corp-1.2.tar.gz" data-yanked="security" data-dist-info-metadata="true">corp-1.2.tar.gz</a>
<a href="../../packages/corp-1.3.tar.gz" data-core-metadata="false">corp-1.3.tar.gz</a>
<a href="../../packages/corp-1.4.zip">  </a>
<a href="javascript:x()">corp-9.tar.gz</a>
<a>corp-8.tar.gz</a>
</body></html>"""


def test_html_page():
    files, _ = simple.read_html(HTML, "http://127.0.0.1:8080/simple/corp/", "corp")
    base = "http://127.0.0.1:8080/packages/"
    assert [(f.filename, f.url, f.yanked, f.requires_python, f.metadata_url) for f in files] == [
        ("corp-1.0.tar.gz", base + "corp-1.0.tar.gz", False, ">=3.9", None),
        ("corp-1.0-py3-none-any.whl", base + "corp-1.0-py3-none-any.whl", False, "",
         base + "corp-1.0-py3-none-any.whl.metadata"),
        ("corp-1.1.tar.gz", base + "corp-1.1.tar.gz", True, "", None),
        ("corp-1.2.tar.gz", base + "corp-1.2.tar.gz", True, "", base + "corp-1.2.tar.gz.metadata"),
        ("corp-1.3.tar.gz", base + "corp-1.3.tar.gz", False, "", None),
        # no text: the name from the URL
        ("corp-1.4.zip", base + "corp-1.4.zip", False, "", None),
    ]


def test_html_base_href():
    page = '<base href="https://mirror.test/pkgs/"><a href="corp-1.0.tar.gz">corp-1.0.tar.gz</a>'
    assert [f.url for f in simple.read_html(page, PAGE, "corp")[0]] == [
        "https://mirror.test/pkgs/corp-1.0.tar.gz"]


def test_latest_is_the_highest_final_release_not_yanked():
    files = [dist("corp-1.0.tar.gz"), dist("corp-1.0-py3-none-any.whl"), dist("corp-1.10.tar.gz"),
             dist("corp-1.10-py3-none-any.whl", yanked=True), dist("corp-2.0.tar.gz", yanked=True),
             dist("corp-1.11b1.tar.gz"), dist("corp-1.12.dev0.tar.gz")]
    chosen = simple.latest(files)
    assert (chosen.version, chosen.newest) == ("1.10", "1.12.dev0")
    # the yanked wheel is not one pip would take
    assert [f.filename for f in chosen.files] == ["corp-1.10.tar.gz"]


def test_latest_of_pre_releases_only():
    chosen = simple.latest([dist("corp-1.0a1.tar.gz"), dist("corp-1.0b2.tar.gz")])
    assert (chosen.version, chosen.newest) == ("1.0b2", "1.0b2")


def test_latest_when_everything_is_yanked():
    chosen = simple.latest([dist("corp-1.0.tar.gz", yanked=True), dist("corp-0.9.tar.gz", yanked=True)])
    assert chosen.version == "1.0"


def test_latest_of_nothing():
    assert simple.latest([]) is None


def test_release_by_version_yanked_or_not():
    files = [dist("corp-1.0.tar.gz"), dist("corp-1.1.tar.gz", yanked=True),
             dist("corp-1.1-py3-none-any.whl", yanked=True)]
    chosen = simple.release(files, "1.1")
    assert (chosen.version, chosen.newest, len(chosen.files)) == ("1.1", "", 2)
    assert simple.release(files, "1.1.0") == chosen  # the same version by PEP 440, as spelt
    assert simple.release(files, "2.0") is None


def test_metadata_sources_best_first_and_few():
    files = [dist("corp-1.0.tar.gz"), dist("corp-1.0-py3-none-any.whl"),
             dist("corp-1.0-py2.7.egg"), dist("corp-1.0-cp39-abi3-linux_x86_64.whl", metadata=True)]
    assert [name for _, name in simple.metadata_sources(files)] == [
        "corp-1.0-cp39-abi3-linux_x86_64.whl.metadata", "corp-1.0-py3-none-any.whl",
        "corp-1.0-cp39-abi3-linux_x86_64.whl"]


def test_condense():
    chosen = Release("1.0", "1.1b1", (dist("corp-1.0.tar.gz", requires_python=">=3.8"),
                                      dist("corp-1.0-py3-none-any.whl")))
    metadata = CoreMetadata(name="Corp", license_expression="MIT",
                            classifiers=("Typing :: Typed",))
    assert simple.condense(chosen, metadata, "corp") == PackageFacts(
        version="1.0", license_expression="MIT", classifiers=("Typing :: Typed",),
        requires_python=">=3.8", packagetypes=("bdist_wheel", "sdist"), name="Corp",
        newest="1.1b1", wheels=Wheels(platforms=("any",), cpython="pure"))
    assert simple.condense(chosen, CoreMetadata(requires_python=">=3.10"), "corp").name == "corp"
    assert simple.condense(chosen, CoreMetadata(requires_python=">=3.10"), "corp").requires_python == ">=3.10"


@pytest.mark.parametrize(
    "url, origin",
    [("https://Index.test/simple/", ("https", "index.test", 443)),
     ("https://index.test:443/x", ("https", "index.test", 443)),
     ("http://index.test/x", ("http", "index.test", 80)),
     ("http://127.0.0.1:8080/x", ("http", "127.0.0.1", 8080))],
)
def test_origins(url, origin):
    assert simple.origin(url) == origin


def test_version_objects_compare_by_pep_440():
    assert dist("corp-1.0.0.tar.gz").version == Version("1.0")
