"""
Project names: which are valid, and the one spelling used upstream and in cache keys.

A name is checked before anything else happens to it, so that no upstream URL and no cache
key is ever built from unchecked input.
"""

import re

# PEP 508: letters, digits and ``-_.``, starting and ending with a letter or digit.
_VALID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_RUNS = re.compile(r"[-_.]+")

#: PyPI refuses longer names, so nothing longer can exist there.
MAX_LENGTH = 128


def is_valid(name: str) -> bool:
    """
    Whether C{name} can be a PyPI project name.
    """
    return len(name) <= MAX_LENGTH and _VALID.fullmatch(name) is not None


def normalize(name: str) -> str:
    """
    The PEP 503 form of a valid name: lower case, runs of ``-_.`` made one ``-``.
    """
    return _RUNS.sub("-", name).lower()
