"""
Pure tests of the dialects' tables (L{pypipins.badges.pypip}, L{pypipins.badges.shields}):
every name and alias finds its kind, every reason is worded in each dialect.
"""

import pytest

from pypipins.badges import Badge, Options, Reason
from pypipins.badges.pypip import PYPIP
from pypipins.badges.shields import SHIELDS
from pypipins.facts import Downloads, PackageFacts

DIALECTS = [PYPIP, SHIELDS]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_name_and_alias_resolves_to_its_kind(dialect):
    for kind in dialect.kinds:
        for name in (kind.name, *kind.aliases):
            assert dialect.kind(name) is kind
    assert dialect.kind("no-such-kind") is None


@pytest.mark.parametrize("dialect", DIALECTS)
def test_no_name_is_taken_twice(dialect):
    names = [name for kind in dialect.kinds for name in (kind.name, *kind.aliases)]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_a_message_and_colour(dialect, reason):
    for kind in dialect.kinds:
        badge = dialect.error(kind, reason, Options())
        assert badge.message and badge.color
        assert badge == Badge(kind.own_label(Options()), badge.message, badge.color, is_error=True)


def test_aliases_of_pypip():
    assert PYPIP.kind("version") is PYPIP.kind("v")
    assert PYPIP.kind("download") is PYPIP.kind("d")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_kind_says_its_own_label(dialect):
    for kind in dialect.kinds:
        said = kind.say(Downloads(1, 1, 1) if kind.downloads else PackageFacts(version="1.0"), Options())
        assert said.label == kind.own_label(Options())
        assert kind.max_age > 0


def test_lasting_reasons_are_those_of_the_request_itself():
    lasting = {reason for reason in Reason if reason.lasting}
    assert lasting == {Reason.INVALID_NAME, Reason.UNKNOWN_INDEX, Reason.INVALID_VERSION, Reason.NOT_COUNTED}


def test_shields_words_not_found_by_route():
    assert SHIELDS.error(SHIELDS.kind("v"), Reason.INVALID_NAME, Options()) == Badge(
        "pypi", "package or version not found", "red", is_error=True)
    assert SHIELDS.error(SHIELDS.kind("dm"), Reason.NOT_FOUND, Options()) == Badge(
        "downloads", "package not found", "red", is_error=True)


def test_every_pypip_kind_has_its_page():
    assert all(kind.doc is not None for kind in PYPIP.kinds)
