"""
Core metadata (C{METADATA}, C{PKG-INFO}): read from a PEP 658 C{.metadata} file, or from
inside a wheel, an sdist or an egg when an index serves no such file, and reduced to the
fields badges read.

Everything here is pure: bytes in, fields out. Archives come from an index, so nothing in them
is trusted: only the one member needed is read, and only so much of it.
"""

import io
import re
import tarfile
import zipfile
from email.parser import HeaderParser
from typing import Any, Callable, Optional, Tuple

import attrs

from pypipins.facts import LICENSE_KEPT, kept_classifiers

#: The largest metadata file read: real ones are a few kilobytes (long descriptions included,
#: tens of kilobytes).
MAX_METADATA = 1024 * 1024

#: How far into an sdist's uncompressed tar stream C{PKG-INFO} is looked for. Reading a tar
#: means decompressing everything before the member, so a crafted sdist could otherwise make
#: us inflate gigabytes.
MAX_TAR_SCANNED = 64 * 1024 * 1024

#: C{<top>/PKG-INFO} of an sdist: at the top folder, not a vendored package's deeper down.
_SDIST_PKG_INFO = re.compile(r"^[^/]+/PKG-INFO$")
#: C{<name>-<version>.dist-info/METADATA} of a wheel.
_WHEEL_METADATA = re.compile(r"^[^/]+\.dist-info/METADATA$")


@attrs.frozen
class CoreMetadata:
    """
    The fields of core metadata that badges read; empty when absent.
    """

    name: str = ""
    license: str = ""
    license_expression: str = ""
    classifiers: Tuple[str, ...] = ()
    requires_python: str = ""


def parse(data: bytes) -> CoreMetadata:
    """
    The fields badges read from a C{METADATA} or C{PKG-INFO} file (RFC 822 headers; the body,
    the long description, is not read).
    """
    headers = HeaderParser().parsestr(data.decode("utf-8", "replace"), headersonly=True)

    def field(name: str, limit: int = 200) -> str:
        value = headers.get(name)
        # "UNKNOWN" is what old setuptools wrote for a field left unset
        if not isinstance(value, str) or value.strip() in ("", "UNKNOWN"):
            return ""
        return value.strip()[:limit]

    return CoreMetadata(
        name=field("Name", 128),
        license=field("License", LICENSE_KEPT),
        license_expression=field("License-Expression"),
        classifiers=kept_classifiers([str(c).strip() for c in headers.get_all("Classifier") or []]),
        requires_python=field("Requires-Python"),
    )


def from_archive(filename: str, data: bytes) -> Optional[bytes]:
    """
    The metadata file inside the distribution C{filename} (a wheel, an egg, or an sdist as
    PEP 625 names them: C{.tar.gz} or C{.zip}), or L{None} when there is none, it is too
    large, or the archive is not one.
    """
    try:
        if filename.endswith(".whl"):
            return _from_zip(data, _WHEEL_METADATA.match)
        if filename.endswith(".egg"):
            return _from_zip(data, lambda member: member == "EGG-INFO/PKG-INFO")
        if filename.endswith(".zip"):
            return _from_zip(data, _SDIST_PKG_INFO.match)
        if filename.endswith(".tar.gz"):
            return _from_tar(data)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError):
        # a damaged or hostile archive says nothing, rather than failing the package
        return None
    return None


def _from_zip(data: bytes, wanted: Callable[[str], Any]) -> Optional[bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if wanted(info.filename):
                if info.file_size > MAX_METADATA:
                    return None
                with archive.open(info) as member:
                    # file_size is what the archive claims: read no more than the cap anyway
                    content = member.read(MAX_METADATA + 1)
                return content if len(content) <= MAX_METADATA else None
    return None


def _from_tar(data: bytes) -> Optional[bytes]:
    # "r|gz": a stream, read front to back once
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|gz") as archive:
        for member in archive:
            # checked before going past the member, which would inflate all of it
            if member.offset_data + member.size > MAX_TAR_SCANNED:
                return None
            if member.isfile() and _SDIST_PKG_INFO.match(member.name):
                if member.size > MAX_METADATA:
                    return None
                extracted = archive.extractfile(member)
                return None if extracted is None else extracted.read()
    return None
