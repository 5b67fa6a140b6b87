"""
The standard Simple API of a package index, which devpi, pypiserver, Artifactory, Nexus and
GitLab speak: a project's page lists its files (PEP 691 JSON, or PEP 503 HTML), with yanked
flags (PEP 592), C{Requires-Python} and, where the index has them, core metadata files
(PEP 658/714). Versions come from the file names; what the classifier-based badges read comes
from the core metadata, or from inside a distribution when the index serves none.

Its JSON form also says a project's status (PEP 792) and where each file's provenance is
(PEP 740), which the project-status and provenance badges read, from PyPI's Simple API too.

Reading a page and choosing a release are pure functions; L{SimpleIndex} moves the bytes, and
has what it fetched read by its fetcher (L{Fetcher.fetch}): in the condensing threads when it
is big, as the pages of projects of thousands of files are (megabytes).
"""

import re
from html.parser import HTMLParser
from typing import Any, Callable, Dict, Generic, Iterable, List, Optional, Set, Tuple, TypeVar
from urllib.parse import unquote, urldefrag, urljoin, urlsplit, urlunsplit

import attrs
try:
    import msgspec
except ImportError:  # PyPy: no build of it
    msgspec = None  # type: ignore[assignment]

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorThreads
from twisted.internet.threads import deferToThreadPool
from twisted.logger import Logger

from pypipins.upstream import coremetadata
from pypipins.upstream.coremetadata import CoreMetadata
from pypipins.facts import (
    PROVENANCE_READ, NotFound, PackageFacts, ProjectFacts, Provenance, Publisher, ReleaseFiles,
    Unavailable, condense_wheels,
)
from pypipins.upstream.fetcher import (
    Fetcher, Fetched, Origin, Parse, TooLarge, decode_json, of_body, origin, shown, whole,
)

#: JSON first (PEP 691), HTML if that is all the index speaks (PEP 503; pypiserver).
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)

#: The largest distribution downloaded to read its metadata, when the index serves no
#: C{.metadata} file. Past it the classifier-based badges have nothing to read.
MAX_DISTRIBUTION = 16 * 1024 * 1024

#: Files of a release tried for metadata before giving up: a release with wheels for many
#: platforms must not cost as many downloads.
METADATA_TRIES = 3

#: What PyPI's Integrity API answers with a file's provenance (PEP 740).
INTEGRITY_ACCEPT = "application/vnd.pypi.integrity.v1+json"

#: The largest provenance document read: PyPI's are a few kilobytes a file.
MAX_PROVENANCE = 1024 * 1024

#: A project status (PEP 792) or a publisher's kind or repository is cut to this: it is shown
#: on a badge, and kept for every project asked for.
MAX_WORD = 100

#: The hosts of files known for an index's origin (the index's own is always allowed): PyPI's
#: pages point to its files host, so a pypi.org-shaped index reads metadata without a setting.
KNOWN_FILE_HOSTS: Dict[Origin, Tuple[Origin, ...]] = {
    ("https", "pypi.org", 443): (("https", "files.pythonhosted.org", 443),),
    ("https", "test.pypi.org", 443): (("https", "test-files.pythonhosted.org", 443),),
}

#: Hosts of files not allowed that are logged, each once: a bound, whatever pages say.
FOREIGN_HOSTS_LOGGED = 16

#: The project status a page that says none means (PEP 792).
ACTIVE = "active"

#: The order a release's provenance documents are read in: sdist, then wheels (by name).
_PROVENANCE_PREFERENCE = {"sdist": 0, "bdist_wheel": 1, "bdist_egg": 2}

#: C{<name>-<version>[-<python tag>...].egg}, the form setuptools gave eggs.
_EGG = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-.+)?\.egg$")

#: Which kind of file a badge prefers to read metadata from: a wheel's is the exact one
#: (PEP 427), an sdist's PKG-INFO may be older metadata, an egg's older still.
_METADATA_PREFERENCE = {"bdist_wheel": 0, "sdist": 1, "bdist_egg": 2}

_log = Logger()
T = TypeVar("T")


@attrs.frozen
class DistFile:
    """
    One file of a project as its index lists it.
    """

    filename: str
    #: Absolute http(s) URL, without fragment or credentials.
    url: str
    version: Version
    #: C{bdist_wheel}, C{sdist} or C{bdist_egg}, as PyPI calls them.
    packagetype: str
    yanked: bool = False
    requires_python: str = ""
    #: Where its PEP 658 core metadata is, if the index said it has it.
    metadata_url: Optional[str] = None
    #: Where its PEP 740 provenance is (absolute http(s)), if the index said it has one.
    provenance: Optional[str] = None


@attrs.frozen
class Release:
    """
    The release a badge describes: its version, the newest release of all (empty for a
    release asked for by version, as PyPI's release documents list no others), its files.
    """

    version: str
    newest: str
    files: Tuple[DistFile, ...]


def version_and_kind(filename: str, project: str) -> Optional[Tuple[Version, str]]:
    """
    The version and kind of the distribution C{filename} of C{project} (normalised), or
    L{None} if it is none of C{project}'s wheels, sdists or eggs.
    """
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
            kind = "bdist_wheel"
        elif filename.endswith(".egg"):
            match = _EGG.match(filename)
            if match is None:
                return None
            name = canonicalize_name(match["name"])
            version = Version(match["version"].replace("_", "-"))
            kind = "bdist_egg"
        else:
            name, version = parse_sdist_filename(filename)
            kind = "sdist"
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return (version, kind) if name == project else None


#: An absolute http(s) URL that resolving, dropping the fragment and rebuilding leave as it
#: is: a lower-case host, no port, credentials, query or fragment, only unreserved characters
#: in its path; as PyPI's file and provenance URLs are. Taken as it is, it spares the long way
#: (urllib's joining and splitting, most of the time of reading a page of thousands of files).
_PLAIN_URL = re.compile(r"https?://[a-z0-9.-]+(?:/[A-Za-z0-9._~%/+-]*)?")


def file_url(href: str, page_url: str) -> Optional[str]:
    """
    C{href} resolved against the page it is on, without fragment (hashes) or credentials; or
    L{None} unless it is http or https: an index's page must not make us fetch C{file:} or
    other schemes.
    """
    href = href.strip()
    if _PLAIN_URL.fullmatch(href):
        return href
    return _resolved(href, page_url)


def _resolved(href: str, page_url: str) -> Optional[str]:
    url, _ = urldefrag(urljoin(page_url, href))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _dist_file(
    project: str,
    page_url: str,
    filename: Any,
    href: Any,
    yanked: bool,
    requires_python: Any,
    has_metadata: bool,
    provenance: Any = None,
) -> Optional[DistFile]:
    if not isinstance(href, str):
        return None
    url = file_url(href, page_url)
    if url is None:
        return None
    if not isinstance(filename, str) or not filename.strip():
        filename = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    filename = filename.strip()
    found = version_and_kind(filename, project)
    if found is None:
        return None
    return DistFile(
        filename=filename,
        url=url,
        version=found[0],
        packagetype=found[1],
        yanked=yanked,
        requires_python=requires_python.strip()[:200] if isinstance(requires_python, str) else "",
        metadata_url=url + ".metadata" if has_metadata else None,
        provenance=file_url(provenance, page_url) if isinstance(provenance, str) else None,
    )


def parse_json(document: Any, page_url: str, project: str) -> List[DistFile]:
    """
    The files of a PEP 691 JSON project page.

    @raise Unavailable: when the document is not of that shape, or of another major version.
    """
    if not isinstance(document, dict) or not isinstance(document.get("files"), list):
        raise Unavailable("not a Simple API project page")
    _check_version(document.get("meta"))
    files = []
    for entry in document["files"]:
        if not isinstance(entry, dict):
            continue
        dist = _json_file(
            project, page_url, entry.get("filename"), entry.get("url"), entry.get("yanked"),
            entry.get("requires-python"),
            # PEP 714 renamed dist-info-metadata to core-metadata
            entry.get("core-metadata", entry.get("dist-info-metadata")), entry.get("provenance"),
        )
        if dist is not None:
            files.append(dist)
    return files


def _check_version(meta: Any) -> None:
    version = meta.get("api-version") if isinstance(meta, dict) else None
    if isinstance(version, str) and version.split(".")[0] != "1":
        raise Unavailable(f"Simple API version {version[:20]!r}, not 1.x")


def _json_file(
    project: str, page_url: str, filename: Any, url: Any, yanked: Any, requires_python: Any,
    metadata: Any, provenance: Any,
) -> Optional[DistFile]:
    # PEP 592: true, or a reason
    yanked = yanked is True or isinstance(yanked, str)
    return _dist_file(
        project, page_url, filename, url, yanked, requires_python, bool(metadata), provenance
    )


def project_status(document: Any) -> str:
    """
    PEP 792's status of a project, from its PEP 691 JSON page: C{project-status.status} as
    written, or L{ACTIVE} when the page says none.

    @raise Unavailable: when C{project-status} is there but not of PEP 792's shape.
    """
    if not isinstance(document, dict) or "project-status" not in document:
        return ACTIVE
    return _status(document["project-status"])


def _status(marker: Any) -> str:
    status = marker.get("status") if isinstance(marker, dict) else None
    if not isinstance(status, str) or not status.strip():
        raise Unavailable("a project-status that is not PEP 792's")
    return status.strip()[:MAX_WORD]


_DECODER: "Optional[msgspec.json.Decoder[_Page]]" = None
if msgspec is not None:
    # Only what reading a page keeps; every field Any, for reading to judge as it judges
    # json's, and UNSET where a field that is there, even null, says something else than
    # one that is not.

    class _File(msgspec.Struct, rename="kebab"):
        filename: Any = None
        url: Any = None
        yanked: Any = None
        requires_python: Any = None
        core_metadata: Any = msgspec.UNSET
        dist_info_metadata: Any = None
        provenance: Any = None

    class _Page(msgspec.Struct, rename="kebab"):
        files: List[_File]
        meta: Any = None
        project_status: Any = msgspec.UNSET

    _DECODER = msgspec.json.Decoder(_Page)


def read_json(body: bytes, page_url: str, project: str) -> Tuple[List[DistFile], str]:
    """
    L{parse_json} and L{project_status} of the PEP 691 page C{body}, read as fast as this
    interpreter can: on CPython msgspec reads only the fields kept (a page of megabytes is
    mostly hashes, sizes and dates), in a quarter of the time C{json} takes to decode it all,
    and so holds the interpreter's lock, which one call into C never gives up, a quarter as
    long. A page msgspec cannot read so (not UTF-8, a C{NaN}, a file that is no object) is
    decoded whole and read as ever: the files and status are the same either way.

    @raise Unavailable: when C{body} is not JSON, or not a project page.
    """
    if _DECODER is not None:
        try:
            page = _DECODER.decode(body)
        except msgspec.MsgspecError:
            pass
        else:
            _check_version(page.meta)
            files = []
            for f in page.files:
                metadata = f.dist_info_metadata if f.core_metadata is msgspec.UNSET else f.core_metadata
                dist = _json_file(
                    project, page_url, f.filename, f.url, f.yanked, f.requires_python, metadata,
                    f.provenance,
                )
                if dist is not None:
                    files.append(dist)
            status = ACTIVE if page.project_status is msgspec.UNSET else _status(page.project_status)
            return files, status
    document = decode_json(body)
    return parse_json(document, page_url, project), project_status(document)


class _Links(HTMLParser):
    """
    The anchors of a page (attributes, text), its C{<base href>}, and the project status its
    C{<meta name="pypi:project-status">} says (PEP 792).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: Optional[str] = None
        self.status: Optional[str] = None
        self.links: List[Tuple[Dict[str, Optional[str]], str]] = []
        self._open: Optional[Tuple[Dict[str, Optional[str]], List[str]]] = None

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        if tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")
        elif tag == "meta" and self.status is None:
            meta = dict(attrs)
            if meta.get("name") == "pypi:project-status" and (meta.get("content") or "").strip():
                self.status = (meta.get("content") or "").strip()[:MAX_WORD]
        elif tag == "a":
            self._open = (dict(attrs), [])

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.links.append((self._open[0], "".join(self._open[1])))
            self._open = None


def read_html(text: str, page_url: str, project: str) -> Tuple[List[DistFile], str]:
    """
    The files of a PEP 503 HTML project page, and the project's status (PEP 792), L{ACTIVE}
    when the page says none. One anchor per file, its text the file name, with
    C{data-yanked}, C{data-requires-python} and C{data-core-metadata} (or the older
    C{data-dist-info-metadata}), and C{data-provenance} (PEP 740).
    """
    links = _Links()
    links.feed(text)
    links.close()
    if links.base:
        page_url = urljoin(page_url, links.base)
    files = []
    for attributes, anchor_text in links.links:
        metadata = attributes.get("data-core-metadata", attributes.get("data-dist-info-metadata"))
        dist = _dist_file(
            project, page_url, anchor_text, attributes.get("href"),
            "data-yanked" in attributes, attributes.get("data-requires-python"),
            metadata is not None and metadata.strip().lower() != "false",
            attributes.get("data-provenance"),
        )
        if dist is not None:
            files.append(dist)
    return files, links.status or ACTIVE


def latest(files: Iterable[DistFile]) -> Optional[Release]:
    """
    The release pip would install: the highest final release that is not yanked, or the
    highest pre-release when there is no final one, as PyPI says; L{None} for no files.
    """
    files = list(files)
    # when every file is yanked, the highest of them still says what the project is at
    installable = [f for f in files if not f.yanked] or files
    if not installable:
        return None
    versions = {f.version for f in installable}
    finals = [v for v in versions if not v.is_prerelease]
    chosen = max(finals or versions)
    return Release(
        str(chosen), str(max(versions)), tuple(f for f in installable if f.version == chosen)
    )


def release(files: Iterable[DistFile], version: str) -> Optional[Release]:
    """
    Release C{version} (normalised), yanked or not (PEP 592: a pinned version still
    installs), or L{None} when no file is of it.
    """
    wanted = Version(version)
    chosen = tuple(f for f in files if f.version == wanted)
    # spelt as its files spell it (1.1.0 may be asked for as 1.1)
    return Release(str(chosen[0].version), "", chosen) if chosen else None


def metadata_sources(files: Iterable[DistFile]) -> List[Tuple[str, str]]:
    """
    Where the release's metadata may be read, best first, as (URL, file name): the PEP 658
    files, then wheels, sdists and eggs; a C{.metadata} URL's file name ends so.
    """
    ranked = sorted(files, key=lambda f: _METADATA_PREFERENCE[f.packagetype])
    sources = [(f.metadata_url, f.filename + ".metadata") for f in ranked if f.metadata_url]
    sources += [(f.url, f.filename) for f in ranked]
    return sources[:METADATA_TRIES]


def condense(chosen: Release, metadata: CoreMetadata, project: str) -> PackageFacts:
    """
    The facts badges read, from a release's files and its core metadata.
    """
    return PackageFacts(
        version=chosen.version,
        license=metadata.license,
        license_expression=metadata.license_expression,
        classifiers=metadata.classifiers,
        requires_python=metadata.requires_python
        or next((f.requires_python for f in chosen.files if f.requires_python), ""),
        packagetypes=tuple(sorted({f.packagetype for f in chosen.files})),
        name=metadata.name or project,
        newest=chosen.newest,
        wheels=condense_wheels(f.filename for f in chosen.files),
        # a Simple API lists no vulnerabilities: left unknown, not none known
    )


def own_path(url: Optional[str], index_origin: Tuple[str, str, Optional[int]]) -> Optional[str]:
    """
    The path (and query) of C{url} when it is on the index's own origin, else L{None}: an
    index's page may not send us to any host it likes for provenance, nor does it need to
    (PyPI's Integrity API is on PyPI's origin).
    """
    if url is None or origin(url) != index_origin:
        return None
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def condense_project(
    files: Iterable[DistFile], status: str, index_origin: Tuple[str, str, Optional[int]]
) -> ProjectFacts:
    """
    What the project-status and provenance badges read of a project's page: its status, the
    release L{latest} chooses, and for each release (its files yanked or not, as L{latest}
    takes them) how many files, how many with a provenance on the index's origin, and the
    first L{PROVENANCE_READ} of those, sdist first, then wheels in name order.
    """
    files = list(files)
    by_version: Dict[Version, List[DistFile]] = {}
    for each in files:
        by_version.setdefault(each.version, []).append(each)
    releases = []
    for version in sorted(by_version):
        of_release = [f for f in by_version[version] if not f.yanked] or by_version[version]
        attested = []
        for f in of_release:
            path = own_path(f.provenance, index_origin)
            if path is not None:
                attested.append(((_PROVENANCE_PREFERENCE[f.packagetype], f.filename), path))
        attested.sort()
        paths = tuple(path for _, path in attested[:PROVENANCE_READ])
        releases.append(ReleaseFiles(str(version), len(of_release), len(attested), paths))
    chosen = latest(files)
    return ProjectFacts(status, "" if chosen is None else chosen.version, tuple(releases))


def parse_provenance(document: Any) -> Provenance:
    """
    The publishers a provenance document (PEP 740, version 1) names, unique, in order.

    @raise Unavailable: when it is not of that shape, or names no publisher.
    """
    if not isinstance(document, dict) or document.get("version") != 1:
        raise Unavailable("not a PEP 740 provenance document, version 1")
    bundles = document.get("attestation_bundles")
    publishers: List[Publisher] = []
    for bundle in bundles if isinstance(bundles, list) else ():
        publisher = bundle.get("publisher") if isinstance(bundle, dict) else None
        if not isinstance(publisher, dict):
            continue
        kind = publisher.get("kind")
        if not isinstance(kind, str) or not kind.strip():
            continue
        repository = publisher.get("repository")
        found = Publisher(
            kind.strip()[:MAX_WORD],
            repository.strip()[:MAX_WORD] if isinstance(repository, str) else "",
        )
        if found not in publishers:
            publishers.append(found)
    if not publishers:
        raise Unavailable("a provenance document that names no publisher")
    return Provenance(tuple(publishers))


def read_provenance(body: bytes) -> Provenance:
    """
    L{parse_provenance} of the JSON document C{body}.

    @raise Unavailable: when it is not JSON, or not a provenance document.
    """
    return parse_provenance(decode_json(body))


def read_archive(filename: str, data: bytes) -> Optional[CoreMetadata]:
    """
    The core metadata inside the distribution C{filename}, or L{None} when it has none that
    can be read (L{coremetadata.from_archive}).
    """
    found = coremetadata.from_archive(filename, data)
    return None if found is None else coremetadata.parse(found)


@attrs.frozen
class _PageReader(Generic[T]):
    """
    How C{name}'s page is read: as HTML or as JSON by its content type, its relative links
    relative to where a redirect took the request; what is kept is C{condense} of its files
    and the project's status.
    """

    name: str
    condense: Callable[[List[DistFile], str], T]

    def read(self, page: Fetched) -> T:
        # maybe in another thread: only the answer's plain values, nothing of Twisted's
        if "json" not in page.content_type.lower():
            return self.condense(*read_html(page.body.decode("utf-8", "replace"), page.url, self.name))
        return self.condense(*read_json(page.body, page.url, self.name))


class SimpleIndex:
    """
    A client of the Simple API at C{base_url} (what pip takes as C{--index-url}).

    @param reactor: whose thread pool opens distributions, up to L{MAX_DISTRIBUTION} bytes
        of zip or tar.gz, which would hold up every other request in the reactor's thread.
    @param authorization: an C{Authorization} header value, sent to the index's own origin
        only: never to a file host elsewhere that its pages point to (as pip does).
    @param file_hosts: the origins besides the index's own that its files (core metadata,
        distributions) are fetched from, and redirects for them may lead to; those of
        L{KNOWN_FILE_HOSTS} are added. Files elsewhere are not fetched, whatever a page says.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        reactor: IReactorThreads,
        base_url: str,
        authorization: Optional[str] = None,
        file_hosts: Iterable[Origin] = (),
    ) -> None:
        self._fetcher = fetcher
        self._reactor = reactor
        self._base_url = base_url.rstrip("/")
        self._origin = origin(base_url)
        self._file_hosts = frozenset(
            (self._origin, *KNOWN_FILE_HOSTS.get(self._origin, ()), *file_hosts)
        )
        self._foreign_logged: Set[Origin] = set()
        parts = urlsplit(self._base_url)
        self._origin_url = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        self._authorization = authorization

    def facts(self, name: str) -> "Deferred[PackageFacts]":
        """
        The facts of the latest release of C{name} (valid and normalised).
        """
        return Deferred.fromCoroutine(self._facts(name, None))

    def release(self, name: str, version: str) -> "Deferred[PackageFacts]":
        """
        The facts of release C{version} (normalised) of C{name}.
        """
        return Deferred.fromCoroutine(self._facts(name, version))

    def project(self, name: str) -> "Deferred[ProjectFacts]":
        """
        What C{name}'s page (valid and normalised) says its status and its files'
        provenance are.
        """
        return Deferred.fromCoroutine(self._project(name))

    def provenance(self, path: str) -> "Deferred[Provenance]":
        """
        The provenance document at C{path} on the index's origin (one of
        L{ReleaseFiles.provenances}).
        """
        return Deferred.fromCoroutine(self._provenance(path))

    async def _project(self, name: str) -> ProjectFacts:
        return await self._page(name, lambda files, status: condense_project(files, status, self._origin))

    async def _provenance(self, path: str) -> Provenance:
        if not path.startswith("/") or path.startswith("//"):
            raise Unavailable(f"{path[:100]!r} is no path on {self._origin_url}")
        url = self._origin_url + path
        return await self._fetcher.fetch(
            url, of_body(read_provenance), accept=INTEGRITY_ACCEPT, headers=self._headers(url),
            limit=MAX_PROVENANCE,
        )

    async def _facts(self, name: str, version: Optional[str]) -> PackageFacts:
        def choose(files: List[DistFile], status: str) -> Optional[Release]:
            return latest(files) if version is None else release(files, version)

        chosen = await self._page(name, choose)
        if chosen is None:
            raise NotFound(f"{self._base_url}/{name}/: no file of {version or 'any version'}")
        return condense(chosen, await self._metadata(chosen.files), name)

    def _headers(self, url: str) -> Dict[str, str]:
        if self._authorization is None or origin(url) != self._origin:
            return {}
        return {"Authorization": self._authorization}

    async def _page(self, name: str, condense: Callable[[List[DistFile], str], T]) -> T:
        """
        C{condense} of the files C{name}'s page lists and of the project's status, read and
        condensed together: in the condensing threads for a page of megabytes, so that only
        what is kept comes back to the reactor's thread.
        """
        url = f"{self._base_url}/{name}/"
        page = _PageReader(name, condense)
        return await self._fetcher.fetch(url, page.read, accept=ACCEPT, headers=self._headers(url))

    async def _metadata(self, files: Iterable[DistFile]) -> CoreMetadata:
        """
        The core metadata of a release, from the first of its files that gives it; empty when
        none does (too large, not an archive), so that the version and file badges still
        answer.
        """
        for url, filename in metadata_sources(self._on_file_hosts(files)):
            try:
                found = await self._core_metadata(url, filename)
            except (NotFound, TooLarge):
                # listed but not there, or too large to read: the next file may do
                continue
            if found is not None:
                return found
        return CoreMetadata()

    async def _core_metadata(self, url: str, filename: str) -> Optional[CoreMetadata]:
        """
        The core metadata in the file C{filename} at C{url}: a C{.metadata} file, or a
        distribution, opened in a thread whatever its size (a small one may inflate to
        L{coremetadata.MAX_TAR_SCANNED} bytes); L{None} when it has none that can be read.
        """
        if filename.endswith(".metadata"):
            return await self._fetcher.fetch(
                url, of_body(coremetadata.parse), accept="*/*", headers=self._headers(url),
                limit=coremetadata.MAX_METADATA, origins=self._file_hosts,
            )
        archive = await self._fetcher.fetch(
            url, whole, accept="*/*", headers=self._headers(url), limit=MAX_DISTRIBUTION,
            origins=self._file_hosts, parse=Parse.ON_REACTOR,
        )
        found: Optional[CoreMetadata] = await deferToThreadPool(
            self._reactor, self._reactor.getThreadPool(), read_archive, filename, archive.body,
        )
        return found

    def _on_file_hosts(self, files: Iterable[DistFile]) -> List[DistFile]:
        """
        Those of C{files} on the index's origin or its file hosts: a page may point anywhere,
        but what the daemon fetches is the operator's to say. Each other host is logged once.
        """
        kept = []
        for each in files:
            where = origin(each.url)
            if where in self._file_hosts:
                kept.append(each)
            elif where not in self._foreign_logged and len(self._foreign_logged) < FOREIGN_HOSTS_LOGGED:
                self._foreign_logged.add(where)
                _log.warn(
                    "{index}: files on {host} are not fetched: neither the index's origin nor "
                    "one of its file hosts (--index ...,files=URL).",
                    index=self._base_url, host=shown(where),
                )
        return kept
