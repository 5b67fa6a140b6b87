"""
The shields static-badge API, C{/badge/<label>-<message>-<color>.<ext>}: what C{twistd shields}
serves, as the node server of the original set-up did.
"""

from typing import Dict

from twisted.web.iweb import IRequest
from twisted.web.resource import IResource

from pypipins import colors
from pypipins.badges import Badge, Options, customize
from pypipins.drawing import CannotDraw, DrawersBusy
from pypipins.images import LocalImages
from pypipins.render import CONTENT_TYPES, FORMATS
from pypipins.render import json as render_json
from pypipins.badges.static import parse, split_extension
from pypipins.web.http import Response, guarded, no_such_page, not_drawn, query, router, send

#: Seconds a static badge may be kept: it never changes.
MAX_AGE = 24 * 60 * 60

#: shields' older names for the colour parameters.
_LEGACY = {"colorA": "labelColor", "colorB": "color"}


def _options(request: IRequest) -> Options:
    params: Dict[str, str] = query(request)
    for old, new in _LEGACY.items():
        if old in params:
            params.setdefault(new, params[old])
    return Options.from_query(params)


class ShieldsSite:
    """
    Static badges drawn by L{LocalImages}.
    """

    app = router()

    def __init__(self, images: LocalImages) -> None:
        self._images = images

    def resource(self) -> IResource:
        # a message may have "//" in it (/badge/url-http://example.org-blue.svg)
        return guarded(self.app.resource())

    # path: a message such as "61k/month" arrives with its slash decoded
    @app.route("/badge/<path:content>", methods=["GET", "HEAD"])
    async def badge(self, request: IRequest, content: str) -> bytes:
        content, ext = split_extension(content, FORMATS)
        static = parse(content)
        if static is None:
            return no_such_page(request, b"Not a badge: /badge/<label>-<message>-<color>.<ext>\n")
        options = _options(request)
        # badge-maker draws a colour it does not know in its default, brightgreen
        color = colors.parse(static.color) or "brightgreen"
        badge = customize(Badge(static.label, static.message, color), options)
        if ext == "json":
            # data, not a picture
            body = render_json.endpoint(
                badge.label, badge.message, badge.color, options.label_color, badge.is_error
            )
            return send(request, Response(body, CONTENT_TYPES[ext], MAX_AGE))
        try:
            body = await self._images.image(badge, options, ext)
        except (CannotDraw, DrawersBusy) as error:
            return not_drawn(request, ext, error)
        return send(request, Response(body, CONTENT_TYPES[ext], MAX_AGE))
