"""
What L{pypipins.web.answers} makes of a lookup's answer, in each dialect. Pure: no reactor.
"""

import pytest

from pypipins.badges import Badge, Options, Reads, Reason
from pypipins.badges.pypip import PYPIP
from pypipins.badges.shields import SHIELDS
from pypipins.facts import PackageFacts
from pypipins.store.lookup import Answer
from pypipins.web import answers
from pypipins.web.http import SHORT_MAX_AGE

pytestmark = pytest.mark.pure

DIALECTS = [PYPIP, SHIELDS]


@pytest.mark.parametrize(
    "package, version, index, reads, reason",
    [
        ("-nope-", None, None, Reads.RELEASE, Reason.INVALID_NAME),
        ("-nope-", None, None, Reads.PROJECT, Reason.INVALID_NAME),
        ("klein", None, "elsewhere", Reads.RELEASE, Reason.UNKNOWN_INDEX),
        ("klein", None, "elsewhere", Reads.PROVENANCE, Reason.UNKNOWN_INDEX),
        ("klein", "not a version", None, Reads.RELEASE, Reason.INVALID_VERSION),
        ("klein", "not a version", None, Reads.PROVENANCE, Reason.INVALID_VERSION),
        ("klein", None, "private", Reads.DOWNLOADS, Reason.NOT_COUNTED),
        # private has no Simple API (api=json): nothing to read status or provenance from
        ("klein", None, "private", Reads.PROJECT, Reason.NO_SIMPLE_API),
        ("klein", None, "private", Reads.PROVENANCE, Reason.NO_SIMPLE_API),
        # corp has a Simple API only (api=simple): no JSON API lists vulnerabilities there
        ("klein", None, "corp", Reads.VULNERABILITIES, Reason.NO_JSON_API),
        ("klein", "not a version", None, Reads.VULNERABILITIES, Reason.INVALID_VERSION),
    ],
)
def test_check_says_why_nothing_is_looked_up(package, version, index, reads, reason):
    assert answers.check(package, version, index, reads, {"private", "corp"}, {"corp"}) is reason


def test_check_normalises_what_is_looked_up():
    assert answers.check("Zope.Interface", "1.0-RC1", "pypi", Reads.RELEASE, set()) == answers.Asked(
        "zope-interface", "1.0rc1", None, Reads.RELEASE)
    # download counts and a project's status are of the package, whatever release is asked
    for reads in (Reads.DOWNLOADS, Reads.PROJECT):
        assert answers.check("klein", "nonsense", None, reads, set()) == answers.Asked("klein", None, None, reads)
    assert answers.check("Klein", "1.0", "corp", Reads.PROVENANCE, {"corp"}, {"corp"}) == answers.Asked(
        "klein", "1.0", "corp", Reads.PROVENANCE)
    assert answers.check("Klein", "1.0-RC1", "private", Reads.VULNERABILITIES, {"private"}, {"corp"}) == (
        answers.Asked("klein", "1.0rc1", "private", Reads.VULNERABILITIES))


def test_lasting_reasons_are_kept_and_others_asked_again():
    kind = PYPIP.kind("v")
    kept = answers.say(PYPIP, kind, Reason.INVALID_NAME, Options(), now=100.0)
    assert kept.fresh_until == 100.0 + answers.INVALID_KEPT and kept.badge.is_error
    again = answers.say(PYPIP, kind, Reason.UNAVAILABLE, Options(), now=100.0)
    assert again.fresh_until == 0.0 and not again.queued


def test_max_age_of_a_response():
    kind = PYPIP.kind("v")
    fresh = answers.say(PYPIP, kind, Answer(PackageFacts(version="1.0"), False, 500.0), Options(), now=100.0)
    assert fresh.fresh_until == 500.0
    assert answers.response(fresh, kind, fresh.badge, b"x", "image/svg+xml").max_age == kind.max_age == 300
    stale = answers.say(PYPIP, kind, Answer(PackageFacts(version="1.0"), True, 500.0), Options(), now=100.0)
    assert stale.fresh_until == 0.0
    assert answers.response(stale, kind, stale.badge, b"x", "image/svg+xml").max_age == SHORT_MAX_AGE
    queued = answers.say(PYPIP, PYPIP.kind("d"), Reason.QUEUED, Options(), now=100.0)
    response = answers.response(queued, PYPIP.kind("d"), queued.badge, b"x", "image/svg+xml")
    assert (response.max_age, response.keep_past_age) == (answers.QUEUED_MAX_AGE, False)


@pytest.mark.parametrize("reason", list(Reason))
@pytest.mark.parametrize("dialect", DIALECTS)
def test_errors_keep_their_own_max_age_whatever_cache_seconds_asks(dialect, reason):
    """
    C{?cacheSeconds=86400} raises a badge's max-age, never an error's: each reason keeps its
    own, short (an hour for a URL that is wrong in itself), and only the queued placeholder
    forbids serving it stale.
    """
    kind = dialect.kind("d") or dialect.kind("dm")
    said = answers.say(dialect, kind, reason, Options(cache_seconds=86400), now=100.0)
    for asked in (None, 0, 86400, 2**31 - 1):
        response = answers.response(said, kind, said.badge, b"x", "image/svg+xml", asked)
        assert response.max_age == answers.ERROR_MAX_AGE[reason] <= answers.INVALID_KEPT
        assert response.keep_past_age is (reason is not Reason.QUEUED)
    assert answers.ERROR_MAX_AGE[Reason.UNAVAILABLE] == answers.ERROR_MAX_AGE[Reason.NOT_FOUND] == SHORT_MAX_AGE
    assert answers.ERROR_MAX_AGE[Reason.QUEUED] == answers.QUEUED_MAX_AGE


def test_cache_seconds_still_raise_facts_but_not_a_kinds_own_error():
    kind = PYPIP.kind("v")
    fresh = answers.say(PYPIP, kind, Answer(PackageFacts(version="1.0"), False, 500.0), Options(), now=100.0)
    assert answers.response(fresh, kind, fresh.badge, b"x", "image/svg+xml", 86400).max_age == 86400
    error = answers.Said(Badge("framework versions", "unknown framework", "red", is_error=True), False, 500.0)
    assert answers.response(error, kind, error.badge, b"x", "image/svg+xml", 86400).max_age == SHORT_MAX_AGE
