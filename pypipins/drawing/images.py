"""
A badge's picture: drawn here and remembered (SVG in-process, rasters by a
L{RasterDrawer}), or fetched from a shields server as the original pypip.in did, with our
own drawing standing in whenever that server fails. Pictures only: JSON is data, which the
routes make with L{pypipins.render.json}.
"""

import hashlib
import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Optional, Protocol
from urllib.parse import urlencode

from twisted.internet.defer import CancelledError, Deferred, fail
from twisted.internet.interfaces import IReactorTime

from pypipins.badges import Badge, Options
from pypipins.store.cache import Cache, MemoryCache
from pypipins.drawing.drawer import REFUSED, CannotDraw, Origin, RasterDrawer
from pypipins.facts import Unavailable
from pypipins.ops.incidents import Incident
from pypipins.render import RASTER_FORMATS, logo_check, logos, svg
from pypipins.badges.static import path
from pypipins.upstream.fetcher import Fetcher, Parse, whole

if TYPE_CHECKING:
    from pypipins.ops.metrics import Metrics

#: Seconds a drawn image is reused: drawing is a pure function of its inputs, so this only
#: bounds memory, and it is what the original kept reusable images for.
IMAGE_TTL = 24 * 60 * 60

#: Seconds a shields server has to draw a badge before it is drawn in-process instead.
SHIELDS_TIMEOUT = 3.0

#: What a shields server of ours answers for a raster it cannot draw.
UNPROCESSABLE = HTTPStatus.UNPROCESSABLE_ENTITY


def image_key(badge: Badge, options: Options, ext: str) -> str:
    """
    A cache key naming everything the image depends on, and nothing else.
    """
    inputs = [badge.label, badge.message, badge.color, badge.is_error,
              options.label_color, options.style, ext,
              options.logo, options.logo_color, options.logo_size_auto, list(options.links)]
    digest = hashlib.sha256(json.dumps(inputs).encode("utf-8")).hexdigest()
    return f"pypipins:image:{ext}:{digest}"


def shareable(options: Options) -> bool:
    """
    Whether a raster may be kept in the shared cache: not when the client chose its texts,
    colours, logo or links, of which there is no end (a style is one of five).
    """
    return (
        options.label is None and options.color is None and options.label_color is None
        and not options.draws_extras
    )


def _svg(badge: Badge, options: Options) -> str:
    found = None
    if options.logo is not None:
        found = logos.logo_data_uri(
            options.logo, logo_color=options.logo_color, style=options.style,
            auto_size=options.logo_size_auto,
        )
    # a name simple-icons does not know is no logo, as at shields.io
    logo, logo_width = found if found is not None else (None, None)
    return svg.render(
        badge.label, badge.message, badge.color, options.label_color, options.style,
        logo=logo, logo_width=logo_width, links=options.links,
    )


class Images(Protocol):
    """
    What draws a badge's picture in a format (SVG or a raster; JSON is no picture and never
    asked of it): L{LocalImages}, or L{ShieldsImages} through a shields server.
    """

    def image(self, badge: Badge, options: Options, ext: str, client: str = "") -> "Deferred[bytes]":
        """
        The picture, kept or drawn for C{client} (as L{pypipins.web.clients} names it); fails
        with L{pypipins.drawing.drawer.CannotDraw} or L{pypipins.drawing.drawer.DrawersBusy} for a raster
        that cannot be drawn now.
        """


class LocalImages:
    """
    Images we draw: SVG in-process, rasters by C{drawer}; the recent ones kept in
    memory, and rasters (costly to draw) of badges as the service says them also in the
    shared cache.

    A raster with a logo of the client's own (a data URI) is drawn only if the logo holds
    nothing slow or reaching out (L{pypipins.render.logo_check}); else it fails with
    L{CannotDraw}, reason L{REFUSED}, without a worker, and the SVG, which the browser
    draws, is the answer.
    """

    def __init__(
        self,
        memory: MemoryCache,
        drawer: RasterDrawer,
        shared: Optional[Cache] = None,
        metrics: "Optional[Metrics]" = None,
    ) -> None:
        self._memory = memory
        self._drawer = drawer
        self._shared = shared
        self._metrics = metrics

    def image(self, badge: Badge, options: Options, ext: str, client: str = "") -> "Deferred[bytes]":
        own_logo = None
        if ext in RASTER_FORMATS and options.logo is not None:
            own_logo = logos.own_logo(options.logo)
            why = logo_check.refusal(own_logo) if own_logo is not None else None
            if why is not None:
                if self._metrics is not None:
                    self._metrics.raster_drawing(REFUSED)
                # failed here, without a traceback through coroutines (which costs PyPy
                # milliseconds): a client may ask for thousands
                return fail(CannotDraw(ext, REFUSED, why))
        origin = Origin(client, client_made=own_logo is not None)
        return Deferred.fromCoroutine(self._image(badge, options, ext, origin))

    async def _image(self, badge: Badge, options: Options, ext: str, origin: Origin) -> bytes:
        """
        @raise pypipins.drawing.drawer.CannotDraw: for a raster that cannot be drawn.
        @raise pypipins.drawing.drawer.DrawersBusy: when too many rasters wait to be drawn.
        """
        key = image_key(badge, options, ext)
        body = await self._memory.get(key)
        if body is not None:
            return body
        if ext in RASTER_FORMATS:
            body = await self._raster(key, badge, options, ext, origin)
        elif ext == "svg":
            body = _svg(badge, options).encode("utf-8")
        else:
            raise ValueError(f"{ext!r} is not a picture")
        await self._memory.set(key, body, IMAGE_TTL)
        return body

    async def _raster(
        self, key: str, badge: Badge, options: Options, ext: str, origin: Origin
    ) -> bytes:
        shared = self._shared if shareable(options) else None
        if shared is not None:
            body = await shared.get(key)
            if body is not None:
                return body
        body = await self._drawer.draw(_svg(badge, options), ext, origin)
        if shared is not None:
            await shared.set(key, body, IMAGE_TTL)
        return body


class ShieldsImages:
    """
    Images from a shields server at C{base_url}, C{{base_url}/badge/{label}-{message}-{color}.{ext}}.
    Whenever that server fails, the badge is drawn in-process instead, and the incident is logged once.
    """

    def __init__(
        self,
        fetcher: Fetcher,
        base_url: str,
        local: LocalImages,
        memory: MemoryCache,
        clock: IReactorTime,
    ) -> None:
        self._fetcher = fetcher
        self._base_url = base_url.rstrip("/")
        self._local = local
        self._memory = memory
        self._incident = Incident(
            "shields server", clock, "drawing in-process until it answers."
        )

    def url(self, badge: Badge, options: Options, ext: str) -> str:
        query = {}
        if options.style != "flat":
            query["style"] = options.style
        if options.label_color is not None:
            query["labelColor"] = options.label_color.lstrip("#")
        # a shields server draws them as it draws its own badges
        if options.logo is not None:
            query["logo"] = options.logo
            if options.logo_color is not None:
                query["logoColor"] = options.logo_color
            if options.logo_size_auto:
                query["logoSize"] = "auto"
        url = self._base_url + path(badge.label, badge.message, badge.color, ext)
        pairs = list(query.items()) + [("link", link) for link in options.links]
        if pairs:
            url += ("&" if "?" in url else "?") + urlencode(pairs)
        return url

    def image(self, badge: Badge, options: Options, ext: str, client: str = "") -> "Deferred[bytes]":
        return Deferred.fromCoroutine(self._image(badge, options, ext, client))

    async def _image(self, badge: Badge, options: Options, ext: str, client: str) -> bytes:
        key = "shields:" + image_key(badge, options, ext)
        body = await self._memory.get(key)
        if body is not None:
            return body
        url = self.url(badge, options, ext)
        try:
            fetched = await self._fetcher.fetch(url, whole, accept="image/*", parse=Parse.ON_REACTOR)
            if not fetched.content_type.startswith("image/"):
                raise Unavailable(
                    f"{url} sent {fetched.content_type or 'no content type'}, not an image"
                )
            body = fetched.body
        except CancelledError:
            # the client went away: the server did nothing wrong, and nobody waits for a drawing
            raise
        except Unavailable as e:
            if e.code == UNPROCESSABLE:
                # a shields server of ours that cannot draw this one badge: it answers, and
                # here it cannot be drawn either (the same 422)
                self._incident.answered()
            else:
                self._incident.failed(str(e))
            return await self._local.image(badge, options, ext, client)
        except Exception as reason:  # a user never sees a broken image
            self._incident.failed(str(reason))
            return await self._local.image(badge, options, ext, client)
        self._incident.answered()
        await self._memory.set(key, body, IMAGE_TTL)
        return body
