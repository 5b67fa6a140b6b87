"""
The shields static-badge API, C{/badge/<label>-<message>-<color>.<ext>}: what C{twistd shields}
serves, as the node server of the original set-up did.
"""

from typing import Optional

from twisted.web.iweb import IRequest
from twisted.web.resource import IResource

from pypipins.render import colors
from pypipins.badges import LINK_PARAMETER, Badge, Options, customize
from pypipins.badges.query import max_age
from pypipins.drawing.drawer import CannotDraw, DrawersBusy
from pypipins.drawing.images import Images
from pypipins.render import CONTENT_TYPES, FORMATS
from pypipins.badges.static import parse, split_extension
from pypipins.render import json as render_json
from pypipins.render.logos import shields_logo_width
from pypipins.web.clients import Clients
from pypipins.web.http import Response, guarded, no_such_page, not_drawn, query, query_all, router, send

#: Seconds a static badge may be kept: it never changes.
MAX_AGE = 24 * 60 * 60


async def static_badge(
    request: IRequest, content: str, images: Images, clients: Clients
) -> bytes:
    """
    The static badge of the path part C{content} after C{/badge/}, as shields draws it:
    what both daemons answer at C{/badge/<label>-<message>-<color>[.<ext>]}, drawn for the
    client C{clients} says.
    """
    content, ext = split_extension(content, FORMATS)
    static = parse(content)
    if static is None:
        return no_such_page(request, b"Not a badge: /badge/<label>-<message>-<color>.<ext>\n")
    options = Options.from_query(query(request), query_all(request, LINK_PARAMETER))
    color = colors.parse(static.color)
    # badge-maker draws a colour it does not know in its default, brightgreen
    badge = customize(Badge(static.label, static.message, color or "brightgreen"), options)
    seconds = max_age(MAX_AGE, options.cache_seconds)
    if ext == "json":
        # data, not a picture; and no colour said where neither the query nor the path gave one
        said = options.color if options.color is not None else color
        return send(request, Response(shields_json(badge, options, said), CONTENT_TYPES[ext], seconds))
    try:
        body = await images.image(badge, options, ext, clients.of(request))
    except (CannotDraw, DrawersBusy) as error:
        return not_drawn(request, ext, error)
    return send(request, Response(body, CONTENT_TYPES[ext], seconds))


def shields_json(badge: Badge, options: Options, color: Optional[str]) -> bytes:
    """
    What shields' server sends for a C{.json} URL, the static badges' of both daemons and
    the C{/pypi/} routes': badge-maker's JSON of the C{badge} as customised, saying C{color}
    (L{None}: none), with the links and the C{logoSize=auto} width the C{options} ask for.
    """
    width = None
    if options.logo is not None and options.logo_size_auto:
        width = shields_logo_width(options.logo)
    return render_json.shields(badge.label, badge.message, color, options.label_color, options.links, width)


class ShieldsSite:
    """
    Static badges drawn by L{LocalImages}, for the clients C{clients} tells apart.
    """

    app = router()

    def __init__(self, images: Images, clients: Optional[Clients] = None) -> None:
        self._images = images
        self._clients = clients if clients is not None else Clients()

    def resource(self) -> IResource:
        # a message may have "//" in it (/badge/url-http://example.org-blue.svg)
        return guarded(self.app.resource())

    # path: a message such as "61k/month" arrives with its slash decoded
    @app.route("/badge/<path:content>", methods=["GET", "HEAD"])
    async def badge(self, request: IRequest, content: str) -> bytes:
        return await static_badge(request, content, self._images, self._clients)
