"""
Core metadata read (L{pypipins.upstream.coremetadata}): from C{.metadata} files, wheels and
sdists. Pure functions, no reactor.
"""

import io
import tarfile
import zipfile

import pytest

from pypipins.upstream import coremetadata
from pypipins.upstream.coremetadata import CoreMetadata

pytestmark = pytest.mark.pure


METADATA = b"""Metadata-Version: 2.4
Name: Corp
Version: 1.0
License-Expression: MIT
License: UNKNOWN
Requires-Python: >=3.9
Classifier: Typing :: Typed
Classifier: Intended Audience :: Developers
Classifier: Programming Language :: Python :: 3.11
Description-Content-Type: text/markdown

# Corp
Classifier: Not a header, a line of the description
"""


def test_metadata_fields():
    assert coremetadata.parse(METADATA) == CoreMetadata(
        name="Corp", license_expression="MIT", requires_python=">=3.9",
        classifiers=("Typing :: Typed", "Programming Language :: Python :: 3.11"))


def test_metadata_of_junk():
    assert coremetadata.parse(b"\xff\xfe not metadata at all") == CoreMetadata()
    long_license = b"License: " + b"Permission is granted " * 100 + b"\n"
    assert len(coremetadata.parse(long_license).license) == 200


def zipped(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def tarred(members):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_metadata_inside_archives():
    wheel = zipped({"corp/__init__.py": b"", "corp/vendored.dist-info/x/METADATA": b"no",
                    "corp-1.0.dist-info/METADATA": METADATA})
    assert coremetadata.from_archive("corp-1.0-py3-none-any.whl", wheel) == METADATA
    sdist = tarred({"corp-1.0/setup.py": b"", "corp-1.0/vendor/x/PKG-INFO": b"no",
                    "corp-1.0/PKG-INFO": METADATA})
    assert coremetadata.from_archive("corp-1.0.tar.gz", sdist) == METADATA
    assert coremetadata.from_archive("corp-1.0.zip", zipped({"corp-1.0/PKG-INFO": METADATA})) == METADATA
    assert coremetadata.from_archive("corp-1.0-py3.9.egg", zipped({"EGG-INFO/PKG-INFO": METADATA})) == METADATA


def test_metadata_not_inside_archives():
    assert coremetadata.from_archive("corp-1.0-py3-none-any.whl", b"not a zip") is None
    assert coremetadata.from_archive("corp-1.0.tar.gz", b"\x1f\x8b not gzip") is None
    assert coremetadata.from_archive("corp-1.0.tar.gz", tarred({"corp-1.0/setup.py": b""})) is None
    huge = zipped({"corp-1.0.dist-info/METADATA": b"x" * (coremetadata.MAX_METADATA + 1)})
    assert coremetadata.from_archive("corp-1.0-py3-none-any.whl", huge) is None


def test_sdist_scanned_so_far_only(monkeypatch):
    # a member that would take the scan past the limit is not inflated to be passed over
    monkeypatch.setattr(coremetadata, "MAX_TAR_SCANNED", 10_000)
    sdist = tarred({"corp-1.0/big.bin": b"\0" * 20_000, "corp-1.0/PKG-INFO": METADATA})
    assert coremetadata.from_archive("corp-1.0.tar.gz", sdist) is None
    monkeypatch.setattr(coremetadata, "MAX_TAR_SCANNED", 100_000)
    assert coremetadata.from_archive("corp-1.0.tar.gz", sdist) == METADATA
