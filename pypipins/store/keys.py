"""
The names of what the daemons keep in Redis, in one place: records of facts, the fleet's
claims on them, and pypistats' shared budget. PyPI's keys are those of earlier versions, so
that an upgrade finds its records again; another index's records are apart under its name.
"""

import hashlib
from typing import List, Optional

PREFIX = "pypipins:"


def _of(index: Optional[str]) -> str:
    return PREFIX if index is None else f"{PREFIX}index:{index}:"


def facts(name: str, version: Optional[str] = None, index: Optional[str] = None) -> str:
    """
    The record of C{name}'s facts (of its latest release, or of release C{version}).
    """
    return f"{_of(index)}facts:{name}" + ("" if version is None else f"@{version}")


def simple(name: str, index: Optional[str] = None) -> str:
    """
    The record of what C{name}'s Simple API page says.
    """
    return f"{_of(index)}simple:{name}"


def provenance(path: str, index: Optional[str] = None) -> str:
    """
    The record of the provenance document at C{path}: a path may be long, and is the
    index's to choose, so the key is its digest.
    """
    return f"{_of(index)}provenance:" + hashlib.sha256(path.encode("utf-8")).hexdigest()


def downloads(name: str) -> str:
    """
    The record of C{name}'s recent download counts.
    """
    return f"{PREFIX}downloads:{name}"


def claim(key: str) -> str:
    """
    The fleet's claim on fetching the record at C{key}.
    """
    return f"{PREFIX}claim:{key}"


def budget(upstream: str) -> List[str]:
    """
    An upstream's shared budget: the times of the requests sent, and until when nothing may
    be sent.
    """
    return [f"{PREFIX}budget:{upstream}:sent", f"{PREFIX}budget:{upstream}:held"]
