"""
How long what a badge says may be kept by browsers and caches: the response that sends it.
What it says is L{pypipins.badges.pipeline}'s; this is HTTP's part.
"""

from typing import Any, Mapping, Optional

from pypipins.badges import Kind, Reason
from pypipins.badges.pipeline import INVALID_KEPT, Said
from pypipins.badges.query import max_age as raised
from pypipins.web.http import SHORT_MAX_AGE, Response

#: Seconds for a badge whose counts wait their turn in pypistats' budget: the next load of
#: the page should find them.
QUEUED_MAX_AGE = 30

#: Seconds browsers and caches may keep each error badge: its own, which C{?cacheSeconds=}
#: never raises (shields' would: an C{unavailable} asked with C{cacheSeconds=86400} was kept
#: a day after the upstream was back).
ERROR_MAX_AGE: Mapping[Reason, int] = {
    # the upstream failing, a project or release not published yet: the next minute may differ
    Reason.UNAVAILABLE: SHORT_MAX_AGE,
    Reason.NOT_FOUND: SHORT_MAX_AGE,
    Reason.VERSION_NOT_FOUND: SHORT_MAX_AGE,
    # counts waiting their turn: the next load of the page should find them
    Reason.QUEUED: QUEUED_MAX_AGE,
    # the URL's own fault, the same whatever happens upstream: as long as it is kept ready
    Reason.INVALID_NAME: INVALID_KEPT,
    Reason.INVALID_VERSION: INVALID_KEPT,
    # the server's options' fault, which the operator fixes by starting it otherwise
    Reason.UNKNOWN_INDEX: SHORT_MAX_AGE,
    Reason.NOT_COUNTED: SHORT_MAX_AGE,
    Reason.NO_SIMPLE_API: SHORT_MAX_AGE,
    Reason.NO_JSON_API: SHORT_MAX_AGE,
}


def response(
    said: Said, kind: "Kind[Any]", body: bytes, content_type: str,
    cache_seconds: Optional[int] = None,
) -> Response:
    """
    The response that sends C{body}, the picture or data of what was C{said}: an error for
    its reason's own while (L{ERROR_MAX_AGE}; the placeholder of counts still queued with
    nothing stale allowed), an error a kind says of facts and stale facts for a short while,
    the rest for the kind's max-age. Facts, stale or not, are kept longer when
    C{cache_seconds} (C{?cacheSeconds=}) asks it, as shields does; an error never is: it is
    to be asked again.
    """
    if said.reason is not None:
        # the placeholder of counts still queued is worth nothing once they are counted
        stale_allowed = not said.queued
        return Response(body, content_type, ERROR_MAX_AGE[said.reason], keep_past_age=stale_allowed)
    if said.badge.is_error:
        # a kind's own error, said of facts (no versions of a framework): as short as others
        return Response(body, content_type, SHORT_MAX_AGE, said.stale)
    max_age = SHORT_MAX_AGE if said.stale else kind.max_age
    return Response(body, content_type, raised(max_age, cache_seconds), said.stale)
