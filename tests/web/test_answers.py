"""
How long L{pypipins.web.answers} lets what a badge says be kept, in each dialect. Pure: no
reactor.
"""

import pytest

from pypipins.badges import Badge, Options, Reason
from pypipins.badges.pipeline import INVALID_KEPT, Said, say
from pypipins.badges.pypip import PYPIP
from pypipins.badges.shields import SHIELDS
from pypipins.facts import Answer, PackageFacts
from pypipins.web import answers
from pypipins.web.http import SHORT_MAX_AGE

pytestmark = pytest.mark.pure

DIALECTS = [PYPIP, SHIELDS]


def test_max_age_of_a_response():
    kind = PYPIP.kind("v")
    fresh = say(PYPIP, kind, Answer(PackageFacts(version="1.0"), False, 500.0), Options(), now=100.0)
    assert fresh.fresh_until == 500.0
    assert answers.response(fresh, kind, b"x", "image/svg+xml").max_age == kind.max_age == 300
    stale = say(PYPIP, kind, Answer(PackageFacts(version="1.0"), True, 500.0), Options(), now=100.0)
    assert stale.fresh_until == 0.0
    assert answers.response(stale, kind, b"x", "image/svg+xml").max_age == SHORT_MAX_AGE
    queued = say(PYPIP, PYPIP.kind("d"), Reason.QUEUED, Options(), now=100.0)
    response = answers.response(queued, PYPIP.kind("d"), b"x", "image/svg+xml")
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
    said = say(dialect, kind, reason, Options(cache_seconds=86400), now=100.0)
    for asked in (None, 0, 86400, 2**31 - 1):
        response = answers.response(said, kind, b"x", "image/svg+xml", asked)
        assert response.max_age == answers.ERROR_MAX_AGE[reason] <= INVALID_KEPT
        assert response.keep_past_age is (reason is not Reason.QUEUED)
    assert answers.ERROR_MAX_AGE[Reason.UNAVAILABLE] == answers.ERROR_MAX_AGE[Reason.NOT_FOUND] == SHORT_MAX_AGE
    assert answers.ERROR_MAX_AGE[Reason.QUEUED] == answers.QUEUED_MAX_AGE


def test_cache_seconds_still_raise_facts_but_not_a_kinds_own_error():
    kind = PYPIP.kind("v")
    fresh = say(PYPIP, kind, Answer(PackageFacts(version="1.0"), False, 500.0), Options(), now=100.0)
    assert answers.response(fresh, kind, b"x", "image/svg+xml", 86400).max_age == 86400
    error = Said(Badge("framework versions", "unknown framework", "red", is_error=True), False, 500.0)
    assert answers.response(error, kind, b"x", "image/svg+xml", 86400).max_age == SHORT_MAX_AGE
