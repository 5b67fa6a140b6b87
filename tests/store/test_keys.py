"""
The names of what is kept in Redis: those of earlier versions for PyPI's records, so that an
upgrade finds them again, and each index's apart.
"""

import hashlib

import pytest

from pypipins.store import keys

pytestmark = pytest.mark.pure


def test_pypi_records_keep_the_names_of_earlier_versions():
    assert keys.facts("klein") == "pypipins:facts:klein"
    assert keys.facts("klein", "24.8.0") == "pypipins:facts:klein@24.8.0"
    assert keys.simple("klein") == "pypipins:simple:klein"
    assert keys.downloads("klein") == "pypipins:downloads:klein"
    digest = hashlib.sha256(b"/integrity/klein/24.8.0/klein.whl/provenance").hexdigest()
    assert keys.provenance("/integrity/klein/24.8.0/klein.whl/provenance") == (
        "pypipins:provenance:" + digest
    )


def test_an_index_records_apart():
    assert keys.facts("klein", index="corp") == "pypipins:index:corp:facts:klein"
    assert keys.facts("klein", "1.0", "corp") == "pypipins:index:corp:facts:klein@1.0"
    assert keys.simple("klein", "corp") == "pypipins:index:corp:simple:klein"
    assert keys.provenance("/p", "corp").startswith("pypipins:index:corp:provenance:")


def test_claims_and_budgets():
    assert keys.claim(keys.facts("klein")) == "pypipins:claim:pypipins:facts:klein"
    assert keys.budget("pypistats") == [
        "pypipins:budget:pypistats:sent", "pypipins:budget:pypistats:held",
    ]
