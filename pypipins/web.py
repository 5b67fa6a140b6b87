"""
The web routes: C{/<badge>/<package>/badge.<ext>}, as pypip.in served them.
"""

from typing import Dict

from klein import Klein
from twisted.logger import Logger
from twisted.web.iweb import IRequest
from twisted.web.resource import IResource

from pypipins import names
from pypipins.badges import (
    DOWNLOADS_BADGES,
    FACTS_BADGES,
    KINDS,
    Badge,
    Options,
    customize,
    downloads_badge,
    invalid_name,
    not_found,
    unavailable,
)
from pypipins.facts import NotFound, Unavailable
from pypipins.images import LocalImages, ShieldsImages
from pypipins.lookup import Lookup
from pypipins.render import CONTENT_TYPES, FORMATS


def query(request: IRequest) -> Dict[str, str]:
    """
    The first value of each query parameter, as text.
    """
    return {
        key.decode("utf-8", "replace"): values[0].decode("utf-8", "replace")
        for key, values in request.args.items()
        if values
    }


class BadgeSite:
    """
    The badge routes: the facts from a L{Lookup}, the pictures from L{LocalImages} or
    L{ShieldsImages}.
    """

    app = Klein()
    _log = Logger()

    def __init__(self, lookup: Lookup, images: "LocalImages | ShieldsImages") -> None:
        self._lookup = lookup
        self._images = images

    def resource(self) -> IResource:
        return self.app.resource()

    @app.route("/<kind>/<package>/badge.<ext>", methods=["GET", "HEAD"])
    async def badge(self, request: IRequest, kind: str, package: str, ext: str) -> bytes:
        if kind not in KINDS or ext not in FORMATS:
            request.setResponseCode(404)
            request.setHeader("Content-Type", "text/plain;charset=utf-8")
            return b"No such badge.\n"
        options = Options.from_query(query(request))
        badge = customize(await self._say(kind, package, options), options)
        body = await self._images.image(badge, options, ext)
        request.setHeader("Content-Type", CONTENT_TYPES[ext])
        return body

    async def _say(self, kind: str, package: str, options: Options) -> Badge:
        """
        What the badge says, errors included: a README shows why there is no answer.
        """
        # Checked before anything else: no upstream request is built from an invalid name.
        if not names.is_valid(package):
            return invalid_name(kind, options)
        name = names.normalize(package)
        try:
            if kind in DOWNLOADS_BADGES:
                return downloads_badge(await self._lookup.downloads(name), options)
            return FACTS_BADGES[kind](await self._lookup.package(name), options)
        except NotFound:
            return not_found(kind, options)
        except Unavailable as reason:
            self._log.info("{name}: upstream unavailable: {reason}", name=name, reason=reason)
            return unavailable(kind, options)
