"""
Other indexes end to end: real distributions built here with setuptools, served by pypiserver
(the Simple API as HTML, no core metadata files; with and without authentication) and by a
Twisted stand-in that speaks PEP 691 JSON with yanked files and PEP 658 metadata; a Warehouse
JSON index behind Basic authentication; and the badges the daemon makes of them.
"""

import base64
import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
import pytest_twisted
import treq
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IListeningPort
from twisted.web.server import Site

from tests.helpers import RunningService, free_port, make_service, port_of, until, wait_for_port
from tests.simple_standin import BasicAuthGuard, SimpleIndex
from tests.standin import Upstream

pytestmark = pytest.mark.system

PYPI_SERVER = str(Path(sys.executable).parent / "pypi-server")

USER, PASSWORD = "alice", "s3cr3t-Pa55"

TYPED = [
    "Development Status :: 5 - Production/Stable",
    "License :: OSI Approved :: MIT License",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Typing :: Typed",
]

#: (name, version, setup() arguments, what to build): the projects of the tests' indexes.
PROJECTS = [
    ("typed-corp", "1.0.0", {"classifiers": ["Development Status :: 4 - Beta"]}, ["sdist"]),
    ("typed-corp", "1.2.0", {"classifiers": TYPED, "python_requires": ">=3.10"},
     ["sdist", "bdist_wheel"]),
    ("pre-corp", "1.0.0", {"license_expression": "BSD-3-Clause"}, ["bdist_wheel"]),
    ("pre-corp", "2.0.0b1", {"license_expression": "BSD-3-Clause"}, ["sdist", "bdist_wheel"]),
    ("sdist-corp", "0.3.0", {"license_expression": "Apache-2.0",
                             "classifiers": ["Programming Language :: Python :: 3.12"]}, ["sdist"]),
]


@pytest.fixture(scope="session")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """
    A folder of the projects' wheels and sdists, built offline by setuptools.
    """
    out = tmp_path_factory.mktemp("dists")
    builds = []
    for name, version, arguments, commands in PROJECTS:
        source = tmp_path_factory.mktemp(f"{name}-{version}")
        module = name.replace("-", "_")
        (source / f"{module}.py").write_text(f"__version__ = {version!r}\n")
        (source / "setup.py").write_text(textwrap.dedent(f"""\
            from setuptools import setup
            setup(name={name!r}, version={version!r}, py_modules=[{module!r}], **{arguments!r})
            """))
        command = [sys.executable, "setup.py", "-q"]
        for each in commands:
            command += [each, "-d", str(out)]
        builds.append(subprocess.Popen(command, cwd=source, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE))
    for build in builds:
        _, errors = build.communicate(timeout=120)
        assert build.returncode == 0, errors.decode()
    return out


def by_project(folder: Path) -> Dict[str, List[Path]]:
    projects: Dict[str, List[Path]] = {}
    for file in sorted(folder.iterdir()):
        projects.setdefault(file.name.split("-")[0].replace("_", "-"), []).append(file)
    return projects


def test_the_distributions(distributions):
    assert sorted(f.name for f in distributions.iterdir()) == [
        "pre_corp-1.0.0-py3-none-any.whl", "pre_corp-2.0.0b1-py3-none-any.whl",
        "pre_corp-2.0.0b1.tar.gz", "sdist_corp-0.3.0.tar.gz", "typed_corp-1.0.0.tar.gz",
        "typed_corp-1.2.0-py3-none-any.whl", "typed_corp-1.2.0.tar.gz"]


class PackageIndexServer:
    """
    C{pypi-server run} on loopback, serving C{packages}; reading needs the htpasswd file's
    users when there is one. It never falls back to pypi.org.
    """

    def __init__(self, directory: Path, packages: Path, htpasswd: Optional[Path] = None) -> None:
        self.port = free_port()
        auth = ["-a", "download,list", "-P", str(htpasswd)] if htpasswd else ["-a", ".", "-P", "."]
        self.log = directory / f"pypiserver-{self.port}.log"
        self.process = subprocess.Popen(
            [PYPI_SERVER, "run", "-v", "-i", "127.0.0.1", "-p", str(self.port), "--disable-fallback",
             *auth, str(packages)],
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(self.port, process=self.process)
        except RuntimeError:
            raise RuntimeError(self.log.read_text())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple/"

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory, distributions) -> Iterator[PackageIndexServer]:
    server = PackageIndexServer(tmp_path_factory.mktemp("pypiserver"), distributions)
    yield server
    server.kill()


@pytest.fixture(scope="module")
def private_pypiserver(tmp_path_factory, distributions) -> Iterator[PackageIndexServer]:
    with warnings.catch_warnings():
        # passlib 1.7.4, the last, imports crypt, deprecated since Python 3.11
        warnings.simplefilter("ignore", DeprecationWarning)
        from passlib.apache import HtpasswdFile

    directory = tmp_path_factory.mktemp("private-pypiserver")
    passwords = HtpasswdFile(str(directory / "htpasswd"), new=True, default_scheme="apr_md5_crypt")
    passwords.set_password(USER, PASSWORD)
    passwords.save()
    server = PackageIndexServer(directory, distributions, directory / "htpasswd")
    yield server
    server.kill()


async def badge(base_url: str, path: str) -> Dict[str, str]:
    response = await treq.get(base_url + path)
    assert response.code == 200
    return json.loads(await response.content())


def says(answer: Dict[str, str]) -> str:
    return answer["message"]


@pytest_twisted.ensureDeferred
async def test_pypiserver_with_and_without_authentication(
    start_daemon, upstream, redis, pypiserver, private_pypiserver, tmp_path, monkeypatch
):
    # what a real pypiserver speaks: PEP 503 HTML, no core metadata files, whatever is asked
    page = await treq.get(pypiserver.url + "typed-corp/",
                          headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    assert (await page.content()).startswith(b"<!DOCTYPE html>")
    assert b"data-core-metadata" not in await (await treq.get(pypiserver.url + "pre-corp/")).content()

    secret_file = tmp_path / "private-index"
    secret_file.write_text(f"{USER}:{PASSWORD}\n")
    monkeypatch.setenv("PRIVATE_ENV_AUTH", f"{USER}:{PASSWORD}")
    monkeypatch.setenv("WRONG_AUTH", f"{USER}:not-{PASSWORD}")
    daemon = start_daemon(
        "--redis", redis.url, "--pypi-url", upstream.pypi_url, "--stats-url", upstream.stats_url,
        "--index", f"corp={pypiserver.url}",
        "--index", f"private={private_pypiserver.url},auth=file:{secret_file}",
        "--index", f"private-env={private_pypiserver.url},auth=env:PRIVATE_ENV_AUTH",
        "--index", f"wrong={private_pypiserver.url},auth=env:WRONG_AUTH",
        "--index", f"anonymous={private_pypiserver.url}",
    )
    url = daemon.url("")

    for index in ("corp", "private", "private-env"):
        assert [says(await badge(url, f"/{kind}/typed-corp/badge.json?index={index}")) for kind in
                ("v", "license", "py_versions", "types", "status", "wheel", "format", "requires")
                ] == ["1.2.0", "MIT", "3.10, 3.11", "typed", "stable", "yes", "wheel", ">=3.10"]
        # the version badge is orange for a pre-release: here a final one, green
        assert (await badge(url, f"/v/typed-corp/badge.json?index={index}"))["color"] == "brightgreen"

    # a final release, a newer pre-release: pip's choice, and --pre's
    assert says(await badge(url, "/v/pre-corp/badge.json?index=corp")) == "1.0.0"
    pre = await badge(url, "/pre/pre-corp/badge.json?index=corp")
    assert (says(pre), pre["color"]) == ("2.0.0b1", "orange")
    assert says(await badge(url, "/license/pre-corp/badge.json?index=corp")) == "BSD-3-Clause"
    # an sdist only: its PKG-INFO read from the tarball
    assert [says(await badge(url, f"/{kind}/sdist-corp/badge.json?index=private")) for kind in
            ("v", "wheel", "format", "license", "py_versions", "types")
            ] == ["0.3.0", "no", "source", "Apache-2.0", "3.12", "untyped"]
    # a release by version, spelt as PEP 440 allows
    assert [says(await badge(url, f"/{kind}/typed-corp/badge.json?index=corp&version=1.0")) for kind in
            ("v", "wheel", "status")] == ["1.0.0", "no", "beta"]
    assert says(await badge(url, "/v/typed-corp/badge.json?index=corp&version=3.0")) == "version not found"
    assert says(await badge(url, "/v/Typed.Corp/badge.json?index=corp")) == "1.2.0"

    assert says(await badge(url, "/v/no-such-corp/badge.json?index=corp")) == "package not found"
    assert says(await badge(url, "/v/typed-corp/badge.json?index=wrong")) == "unavailable"
    assert says(await badge(url, "/v/typed-corp/badge.json?index=anonymous")) == "unavailable"
    assert says(await badge(url, "/v/typed-corp/badge.json?index=elsewhere")) == "unknown index"
    assert says(await badge(url, "/d/typed-corp/badge.json?index=corp")) == "not counted off PyPI"
    # PyPI was asked nothing
    assert upstream.requests == []

    log = daemon.stop()
    assert "Traceback" not in log
    for secret in (PASSWORD, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
                   base64.b64encode(f"{USER}:not-{PASSWORD}".encode()).decode()):
        assert secret not in log
    # pypiserver refused the wrong credentials, and asked for some when none were sent
    assert f"index:wrong failing ({private_pypiserver.url}typed-corp/ answered 403)" in log
    assert f"index:anonymous failing ({private_pypiserver.url}typed-corp/ answered 401)" in log


def listen(resource) -> IListeningPort:
    site = Site(resource)
    site.noisy = False
    return reactor.listenTCP(0, site, interface="127.0.0.1")  # type: ignore[arg-type]  # Twisted's hints refuse a Site


@pytest.fixture
def standin_index(distributions) -> Iterator[Tuple[SimpleIndex, str]]:
    """
    The PEP 691 stand-in and the URL of its pages: on 127.0.0.1 behind Basic authentication,
    the files on C{localhost}, another origin; typed-corp 1.2.0 yanked.
    """
    index = SimpleIndex(by_project(distributions),
                        {"typed_corp-1.2.0.tar.gz": "broken", "typed_corp-1.2.0-py3-none-any.whl": ""})
    guarded = BasicAuthGuard(index, "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())
    pages, files = listen(guarded), listen(index)
    index.files_url = f"http://localhost:{port_of(files)}"
    yield index, f"http://127.0.0.1:{port_of(pages)}/simple"
    pytest_twisted.blockon(pages.stopListening())
    pytest_twisted.blockon(files.stopListening())


@pytest.fixture
def standin_service(upstream, redis, standin_index, monkeypatch) -> Iterator[RunningService]:
    """
    The daemon in-process, with the stand-in as index C{json}: its files' host configured.
    """
    monkeypatch.setenv("STANDIN_AUTH", f"{USER}:{PASSWORD}")
    running = make_service(
        upstream, redis.url,
        "--index", f"json={standin_index[1]},auth=env:STANDIN_AUTH,files={standin_index[0].files_url}",
    )
    pytest_twisted.blockon(Deferred.fromCoroutine(until(lambda: running.redis.connected)))
    yield running
    pytest_twisted.blockon(running.service.stopService())


@pytest_twisted.ensureDeferred
async def test_pep_691_json_with_yanked_files_and_core_metadata(standin_service, standin_index, upstream):
    index = standin_index[0]
    url = standin_service.url("")
    # 1.2.0 is yanked: pip would take 1.0.0, which the version badge says
    assert [says(await badge(url, f"/{kind}/typed-corp/badge.json?index=json")) for kind in
            ("v", "status", "format")] == ["1.0.0", "beta", "source"]
    # a yanked release is still there when pinned, and its wheel's metadata is a PEP 658 file
    assert [says(await badge(url, f"/{kind}/typed-corp/badge.json?index=json&version=1.2.0"))
            for kind in ("v", "license", "types", "py_versions")] == ["1.2.0", "MIT", "typed", "3.10, 3.11"]
    assert [says(await badge(url, f"/{kind}/pre-corp/badge.json?index=json")) for kind in
            ("v", "pre", "license")] == ["1.0.0", "2.0.0b1", "BSD-3-Clause"]
    # requires-python from the page when the metadata (a PKG-INFO) has none
    assert says(await badge(url, "/requires/typed-corp/badge.json?index=json")) == ">=3.8"

    asked = dict(index.requests)
    # the metadata files were read, not the wheels
    assert "/files/typed_corp-1.2.0-py3-none-any.whl.metadata" in asked
    assert "/files/typed_corp-1.2.0-py3-none-any.whl" not in asked
    assert "/files/pre_corp-1.0.0-py3-none-any.whl.metadata" in asked
    assert "/files/typed_corp-1.0.0.tar.gz" in asked  # no metadata file for an sdist
    # credentials went to the index's pages, never to the files on another origin
    pages = [auth for path, auth in index.requests if path.startswith("/simple/")]
    files = [auth for path, auth in index.requests if path.startswith("/files/")]
    assert pages and files
    assert all(auth is not None for auth in pages) and all(auth is None for auth in files)
    assert upstream.requests == []


@pytest_twisted.ensureDeferred
async def test_files_only_from_the_index_origin_and_its_file_hosts(upstream, redis, standin_index, monkeypatch):
    """
    The same index without C{files=}: its pages point to files on another origin, which are
    not fetched (whatever a page says, the operator says where the daemon goes); the version
    and file badges still answer from the page, and the host is logged once.
    """
    from twisted.logger import globalLogPublisher

    index, pages_url = standin_index
    monkeypatch.setenv("STANDIN_AUTH", f"{USER}:{PASSWORD}")
    events: List[dict] = []
    globalLogPublisher.addObserver(events.append)
    running = make_service(upstream, redis.url, "--index", f"json={pages_url},auth=env:STANDIN_AUTH")
    try:
        url = running.url("")
        assert [says(await badge(url, f"/{kind}/{project}/badge.json?index=json"))
                for kind, project in [("v", "typed-corp"), ("format", "typed-corp"),
                                      ("license", "typed-corp"), ("license", "pre-corp")]
                ] == ["1.0.0", "source", "unknown", "unknown"]
    finally:
        globalLogPublisher.removeObserver(events.append)
        await running.service.stopService()
    assert [path for path, _ in index.requests if not path.startswith("/simple/")] == []
    from twisted.logger import formatEvent

    said = [formatEvent(e) for e in events if "are not fetched" in formatEvent(e)]
    assert said == [f"{pages_url}: files on {index.files_url} are not fetched: neither the "
                    "index's origin nor one of its file hosts (--index ...,files=URL)."]


@pytest_twisted.ensureDeferred
async def test_status_and_provenance_from_an_index_without_them(standin_service, standin_index, upstream):
    """
    An index whose pages say neither a status (PEP 792) nor provenance (PEP 740): active,
    none; read with its credentials, one page for both badges.
    """
    index = standin_index[0]
    url = standin_service.url("")
    for query in ("", "&version=1.2.0", "&style=flat-square"):
        assert says(await badge(url, f"/project-status/typed-corp/badge.json?index=json{query}")) == "active"
        assert says(await badge(url, f"/provenance/typed-corp/badge.json?index=json{query}")) == "none"
    assert says(await badge(url, "/provenance/typed-corp/badge.json?index=json&version=9")) == "version not found"
    assert [request for request in index.requests if request[0] == "/simple/typed-corp/"] == [
        ("/simple/typed-corp/", "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())]
    assert upstream.requests == []


@pytest_twisted.ensureDeferred
async def test_pep_503_html_from_the_same_index(upstream, redis, distributions):
    """
    An index that answers HTML though JSON was asked first: its data-yanked and
    data-core-metadata are read as the JSON's keys are.
    """
    index = SimpleIndex(by_project(distributions), {"pre_corp-1.0.0-py3-none-any.whl": "oops"},
                        speaks_json=False)
    port = listen(index)
    index.files_url = f"http://127.0.0.1:{port.getHost().port}"
    running = make_service(upstream, redis.url, "--index", f"html={index.files_url}/simple/")
    try:
        url = running.url("")
        # 1.0.0 yanked: only the pre-release is left, and it is what pip would take
        assert [says(await badge(url, f"/{kind}/pre-corp/badge.json?index=html")) for kind in
                ("v", "pre", "license")] == ["2.0.0b1", "2.0.0b1", "BSD-3-Clause"]
        assert "/files/pre_corp-2.0.0b1-py3-none-any.whl.metadata" in dict(index.requests)
        assert "/files/pre_corp-2.0.0b1-py3-none-any.whl" not in dict(index.requests)
    finally:
        await running.service.stopService()
        await port.stopListening()


@pytest_twisted.ensureDeferred
async def test_a_warehouse_json_index_behind_basic_authentication(upstream, redis, monkeypatch):
    mirror = Upstream()
    port = listen(BasicAuthGuard(mirror, "Basic " + base64.b64encode(b"__token__:t0ken").decode()))
    mirror_url = f"http://127.0.0.1:{port.getHost().port}/pypi"
    monkeypatch.setenv("MIRROR_TOKEN", "t0ken")
    monkeypatch.setenv("WRONG_TOKEN", "t0kem")
    running = make_service(upstream, redis.url,
                           "--index", f"mirror={mirror_url},api=json,auth=env:MIRROR_TOKEN",
                           "--index", f"wrong={mirror_url},api=json,auth=env:WRONG_TOKEN")
    try:
        url = running.url("")
        assert says(await badge(url, "/license/klein/badge.json?index=mirror")) == "MIT"
        assert says(await badge(url, "/pre/beta-ahead/badge.json?index=mirror")) == "1.5.0b2"
        assert says(await badge(url, "/v/beta-ahead/badge.json?index=mirror&version=1.3.0")) == "1.3.0"
        assert says(await badge(url, "/v/klein/badge.json?index=wrong")) == "unavailable"
        assert says(await badge(url, "/v/no-such-thing/badge.json?index=mirror")) == "package not found"
        # a JSON API has no Simple API page to read status and provenance from
        assert says(await badge(url, "/provenance/klein/badge.json?index=mirror")) == "no simple api"
        assert mirror.requests == ["/pypi/klein/json", "/pypi/beta-ahead/json",
                                   "/pypi/beta-ahead/1.3.0/json", "/pypi/no-such-thing/json"]
        assert upstream.requests == []
        # the same package from PyPI is PyPI's, cached apart
        assert says(await badge(url, "/license/klein/badge.json")) == "MIT"
        assert upstream.requests == ["/pypi/klein/json"]
        assert redis.command("EXISTS", "pypipins:index:mirror:facts:klein") == "1"
    finally:
        await running.service.stopService()
        await port.stopListening()
