"""
PyPI documents of the sizes the biggest projects have, made in the shape of PyPI's from klein's
recorded one (the recorded documents are small): C{huge} is hypothesis' shape (6.6 MB: thousands
of releases of two files each, a long description), C{wide} pillow's and cryptography's (3.4 MB:
a hundred releases of fifty wheels each). The stand-in serves them as C{huge-<N>} and C{wide-<N>}.

Their Simple API pages (PEP 691 JSON) are as big: L{simple_page} writes one for any name, each
file with its hashes, core metadata, size, upload time and provenance, as PyPI lists them.
"""

import functools
import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List

_KLEIN = Path(__file__).parent / "fixtures" / "pypi" / "klein.json"

#: The shapes, by the prefix of the names that are served them.
SHAPES = ("huge", "wide")


def _files(sample: Dict[str, Any], names: List[str]) -> List[Dict[str, Any]]:
    return [dict(sample, filename=name, packagetype="sdist" if name.endswith(".tar.gz") else "bdist_wheel",
                 digests={"md5": hashlib.md5(name.encode()).hexdigest(),
                          "sha256": hashlib.sha256(name.encode()).hexdigest()},
                 url=f"https://files.pythonhosted.org/packages/00/00/{name}")
            for name in names]


def hypothesis_like(releases: int = 4500) -> Dict[str, Any]:
    """
    C{releases} releases of a wheel and an sdist each, and a long description.
    """
    document = json.loads(_KLEIN.read_text())
    sample = document["urls"][0]
    document["releases"] = {
        f"6.{n}.0": _files(sample, [f"hypothesis-6.{n}.0-py3-none-any.whl", f"hypothesis-6.{n}.0.tar.gz"])
        for n in range(releases)}
    document["info"].update(name="hypothesis", version=f"6.{releases - 1}.0",
                            description="Hypothesis is an advanced testing library. " * 3000)
    document["urls"] = document["releases"][f"6.{releases - 1}.0"]
    return document


_WHEEL_TAGS = [f"{python}-{python}-{platform}"
               for python in ("cp39", "cp310", "cp311", "cp312", "cp313", "cp313t", "pp310")
               for platform in ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64", "musllinux_1_2_x86_64",
                                "macosx_11_0_arm64", "macosx_10_13_x86_64", "win_amd64", "win_arm64")]


def pillow_like(releases: int = 110, wheels: int = 40) -> Dict[str, Any]:
    """
    C{releases} releases of C{wheels} wheels and an sdist each.
    """
    document = json.loads(_KLEIN.read_text())
    sample = document["urls"][0]
    document["releases"] = {
        f"{n // 10}.{n % 10}.0": _files(sample, [f"pillow-{n // 10}.{n % 10}.0.tar.gz"]
                                        + [f"pillow-{n // 10}.{n % 10}.0-{tag}.whl" for tag in _WHEEL_TAGS[:wheels]])
        for n in range(releases)}
    latest = f"{(releases - 1) // 10}.{(releases - 1) % 10}.0"
    document["info"].update(name="pillow", version=latest,
                            description="Python Imaging Library (fork). " * 400)
    document["urls"] = document["releases"][latest]
    return document


@functools.cache
def document(shape: str) -> bytes:
    """
    The document of C{shape} (one of L{SHAPES}), made once.
    """
    return json.dumps(hypothesis_like() if shape == "huge" else pillow_like()).encode()


#: What stand for the project's name in the Simple page made once, replaced by each name's: as
#: it is (in URLs), and as distributions' file names write it (PEP 427: "-" as "_").
_NAME = "bigsimpleproject"
_FILE_NAME = "bigsimplefiles"


def _simple_file(filename: str, version: str, n: int) -> Dict[str, Any]:
    digest = hashlib.sha256(filename.encode()).hexdigest()
    return {
        "core-metadata": {"sha256": digest}, "data-dist-info-metadata": {"sha256": digest},
        "filename": filename, "hashes": {"sha256": digest},
        "provenance": f"/integrity/{_NAME}/{version}/{filename}/provenance",
        "requires-python": ">=3.9", "size": 3_000_000 + n, "upload-time": "2024-10-15T14:21:07.151449Z",
        "url": f"https://files.pythonhosted.org/packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{filename}",
        "yanked": False,
    }


@functools.cache
def _simple_template(releases: int, wheels: int) -> bytes:
    files: List[Dict[str, Any]] = []
    for n in range(releases):
        version = f"{n // 10}.{n % 10}.0"
        names = [f"{_FILE_NAME}-{version}.tar.gz"] + [f"{_FILE_NAME}-{version}-{tag}.whl"
                                                      for tag in _WHEEL_TAGS[:wheels]]
        files += [_simple_file(name, version, len(files)) for name in names]
    return json.dumps({"meta": {"api-version": "1.4"}, "name": _NAME, "files": files,
                       "versions": [f"{n // 10}.{n % 10}.0" for n in range(releases)]}).encode()


def simple_page(name: str, releases: int = 110, wheels: int = 42) -> bytes:
    """
    The PEP 691 page of C{name} (normalised) as big as pillow's (3.5 MB: C{releases}
    releases of C{wheels} wheels and an sdist each, each file with a provenance), its project
    status active: made once, each name written in.
    """
    page = _simple_template(releases, wheels)
    return page.replace(_FILE_NAME.encode(), name.replace("-", "_").encode()).replace(
        _NAME.encode(), name.encode())
