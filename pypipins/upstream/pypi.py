"""
PyPI's JSON API: fetching a package's document and condensing it to L{PackageFacts}.
"""

import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

try:
    import msgspec
except ImportError:  # PyPy: no build of it
    msgspec = None  # type: ignore[assignment]

from packaging.version import InvalidVersion, Version
from twisted.internet.defer import Deferred

from pypipins.facts import (
    LICENSE_KEPT, PackageFacts, Unavailable, condense_wheels, kept_classifiers,
    known_vulnerabilities,
)
from pypipins.upstream.fetcher import Fetcher, decode_json, of_body

def _text(value: Any, limit: int = 200) -> str:
    return value[:limit] if isinstance(value, str) else ""


_DECODER: "Optional[msgspec.json.Decoder[_Document]]" = None
if msgspec is not None:
    # Only what condensing reads; the fields whose type a document may get wrong are Any,
    # for condensing to judge as it judges json's.

    class _File(msgspec.Struct):
        yanked: Any = False

    class _Info(msgspec.Struct):
        version: Any = None
        license: Any = None
        license_expression: Any = None
        classifiers: Any = None
        requires_python: Any = None
        name: Any = None

    class _Document(msgspec.Struct):
        info: _Info
        urls: Any = None
        releases: Dict[str, List[_File]] = {}
        vulnerabilities: Any = None

    _DECODER = msgspec.json.Decoder(_Document)


#: A final release spelt as digits and dots, as most of PyPI's are: ordered by its numbers
#: (trailing zeros aside, as PEP 440 orders them) without being parsed as a L{Version}, which
#: took most of the time of condensing a document of thousands of releases.
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def newest(versions: Iterable[str]) -> str:
    """
    The highest of C{versions} by PEP 440, pre-releases included; those that are not PEP 440
    versions are passed over, as pip passes them over. Empty when none is.
    """
    plain: Optional[Tuple[Tuple[int, ...], str]] = None
    best: Optional[Tuple[Version, str]] = None
    for text in versions:
        if _PLAIN.fullmatch(text):
            numbers = [int(n) for n in text.split(".")]
            while len(numbers) > 1 and numbers[-1] == 0:
                numbers.pop()
            if plain is None or tuple(numbers) > plain[0]:
                plain = (tuple(numbers), text)
            continue
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if best is None or version > best[0]:
            best = (version, text)
    if plain is not None and (best is None or Version(plain[1]) > best[0]):
        return plain[1]
    return "" if best is None else best[1]


def _released(files: Any) -> bool:
    """
    Whether a release's files make it one pip would install: some file not yanked (PEP 592).
    """
    return isinstance(files, list) and any(
        isinstance(f, dict) and not f.get("yanked") for f in files
    )


def condense(document: Any) -> PackageFacts:
    """
    The facts badges need from a PyPI JSON document (C{/pypi/<name>/json}).

    @raise Unavailable: when the document is not of that shape.
    """
    info = document.get("info") if isinstance(document, dict) else None
    if not isinstance(info, dict):
        raise Unavailable("not a PyPI project document")
    releases = document.get("releases")
    released = (
        (version for version, files in releases.items() if _released(files))
        if isinstance(releases, dict) else ()
    )
    return _facts(info, document.get("urls"), released, document.get("vulnerabilities"))


def _facts(
    info: Mapping[str, Any], files: Any, released: Iterable[str], vulnerabilities: Any
) -> PackageFacts:
    if not isinstance(info.get("version"), str):
        raise Unavailable("not a PyPI project document")
    classifiers = kept_classifiers(info.get("classifiers"))
    files = [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []
    packagetypes = sorted(
        {f["packagetype"] for f in files if isinstance(f.get("packagetype"), str)}
    )
    return PackageFacts(
        version=_text(info["version"]),
        license=_text(info.get("license"), LICENSE_KEPT),
        license_expression=_text(info.get("license_expression")),
        classifiers=classifiers,
        requires_python=_text(info.get("requires_python")),
        packagetypes=tuple(packagetypes),
        name=_text(info.get("name"), 128),
        newest=newest(released),
        # a few words, however many files: the wheels' names are not kept
        wheels=condense_wheels(f["filename"] for f in files if isinstance(f.get("filename"), str)),
        vulnerabilities=known_vulnerabilities(vulnerabilities),
    )


def read(body: bytes) -> PackageFacts:
    """
    L{condense} of the JSON document C{body}, read as fast as this interpreter can: on
    CPython msgspec reads only the fields condensing keeps (a document of megabytes is
    mostly its releases' files, of which only C{yanked} is kept), 15 times faster than
    C{json} decoding everything; PyPy, which msgspec does not build on, has a fast C{json}.
    A document msgspec cannot read so (not UTF-8, a field of another type, C{NaN}) is
    decoded whole and condensed as ever: the facts are the same either way.

    @raise Unavailable: when C{body} is not JSON, or not a PyPI project document.
    """
    if _DECODER is not None:
        try:
            document = _DECODER.decode(body)
        except msgspec.MsgspecError:
            pass
        else:
            released = (
                version for version, files in document.releases.items()
                if any(not f.yanked for f in files)
            )
            return _facts(
                msgspec.structs.asdict(document.info), document.urls, released,
                document.vulnerabilities,
            )
    return condense(decode_json(body))


class PyPI:
    """
    A client of PyPI's JSON API at C{base_url} (C{https://pypi.org/pypi}, a mirror, or
    another index that speaks it).

    @param headers: sent with every request, such as a private index's C{Authorization}.
    """

    def __init__(
        self, fetcher: Fetcher, base_url: str, headers: Optional[Mapping[str, str]] = None
    ) -> None:
        self._fetcher = fetcher
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers or {})

    def url(self, name: str) -> str:
        """
        The document's URL; C{name} must be a valid, normalised project name.
        """
        return f"{self._base_url}/{name}/json"

    def facts(self, name: str) -> "Deferred[PackageFacts]":
        """
        The condensed facts of the latest release of C{name} (valid and normalised).
        """
        return self._fetcher.fetch(self.url(name), of_body(read), headers=self._headers)

    def release(self, name: str, version: str) -> "Deferred[PackageFacts]":
        """
        The condensed facts of release C{version} (a normalised PEP 440 version) of C{name}.
        """
        url = f"{self._base_url}/{name}/{version}/json"
        return self._fetcher.fetch(url, of_body(read), headers=self._headers)
