"""
Responses kept ready: a badge made once is sent again, as it was, for as long as the facts it
says are fresh, so that a warm badge costs neither Redis nor drawing.

Everything here is synchronous on purpose: a badge kept ready is the hot path, and it is
answered without a Deferred.
"""

from typing import List, Mapping, Optional, Tuple

from twisted.internet.interfaces import IReactorTime

from pypipins import names
from pypipins.badges import LINK_PARAMETER, QUERY_PARAMETERS
from pypipins.badges.query import MAX_LINKS, MAX_LOGO
from pypipins.store.cache import ENTRY_OVERHEAD, READY_IN_MEMORY, MemoryCache
from pypipins.web.http import Response

#: The query parameters that change a badge; any other is ignored, and so does not make
#: another response to keep ready.
BADGE_PARAMETERS = tuple(p.encode("ascii") for p in QUERY_PARAMETERS + ("version", "index"))
_LINK = LINK_PARAMETER.encode("ascii")
_LOGO = b"logo"

#: What a response is kept ready under: the route, kind, name, release and format, and the
#: query parameters that change the badge.
ReadyKey = Tuple[str, str, Optional[str], Optional[str], str, Tuple[Tuple[bytes, bytes], ...]]


def ready_key(
    route: str,
    kind: str,
    package: str,
    version: Optional[str],
    ext: str,
    args: Mapping[bytes, List[bytes]],
    spelled: bool = False,
) -> ReadyKey:
    """
    The request as far as it matters to the badge: any spelling of a name is the same
    package, every invalid name says the same, and a parameter no badge reads is no part of
    it, so that no junk makes another response to keep. With C{spelled} (a kind whose words
    repeat the package as asked), the name as the URL spells it.
    """
    if spelled:
        name: Optional[str] = package
    else:
        name = names.normalize(package) if names.is_valid(package) else None
    if not args:
        # most badges are asked without a query
        return (route, kind, name, version, ext, ())
    asked = tuple((p, _keyed(p, args[p][0])) for p in BADGE_PARAMETERS if args.get(p))
    # the links drawn: the first two, each on its side
    links = tuple((_LINK, link) for link in args.get(_LINK, [])[:MAX_LINKS])
    return (route, kind, name, version, ext, asked + links)


def _keyed(parameter: bytes, value: bytes) -> bytes:
    # every logo too long to draw is drawn the same: none (counted as Options counts it)
    if parameter == _LOGO and len(value) > MAX_LOGO and len(value.decode("utf-8", "replace")) > MAX_LOGO:
        return b""
    return value


#: Bytes a key costs beyond its text: the tuples, and the strings and bytes made for each
#: request (some 350 on CPython 3.11 beyond the 70 characters of its repr).
KEY_OVERHEAD = 350


def _ready_size(key: ReadyKey, response: Response) -> int:
    # some 1,170 bytes beyond the body for a plain badge's key, where 1,000-1,030 are taken on
    # CPython 3.11 (tracemalloc) and 870-930 on PyPy 7.3 (the collector's count of its heap,
    # before what it holds back between collections): tests/web/test_ready.py
    return len(repr(key)) + KEY_OVERHEAD + response.size + ENTRY_OVERHEAD


class Ready:
    """
    The responses kept ready, bounded by the bytes they hold.
    """

    def __init__(self, clock: IReactorTime, max_bytes: int = READY_IN_MEMORY) -> None:
        self._clock = clock
        self._responses = MemoryCache(clock, max_bytes, _ready_size)

    def __len__(self) -> int:
        return len(self._responses)

    @property
    def bytes(self) -> int:
        """
        The bytes the responses kept hold, roughly.
        """
        return self._responses.bytes

    def get(self, key: ReadyKey) -> Optional[Response]:
        found = self._responses.lookup(key)
        return None if found is None else found[0]

    def keep(self, key: ReadyKey, response: Response, fresh_until: float) -> None:
        """
        Keep C{response} until C{fresh_until} (the clock's seconds); one already stale is not kept.
        """
        fresh_for = fresh_until - self._clock.seconds()
        if fresh_for > 0:
            self._responses.set(key, response, fresh_for)
