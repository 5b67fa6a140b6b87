"""
What a badge's C{.json} URL sends: the documents of L{pypipins.render.json}, and in shields'
own format the links asked for, listed as shields lists them (C{"link": [left, right]}).

The endpoint schema (pypip.in's C{badge.json}, the static badges' C{.json}) gets no link:
shields' endpoint badge refuses a document with a field it does not know, and those
documents are made to be read by it.
"""

import json

from pypipins.badges import Badge, Options
from pypipins.render import json as render_json


def shields(badge: Badge, options: Options) -> bytes:
    """
    The badge as img.shields.io's C{.json} URLs give it, with C{link} when links were asked.
    """
    body = render_json.shields(badge.label, badge.message, badge.color, options.label_color)
    if not options.links:
        return body
    document = json.loads(body)
    document["link"] = list(options.links)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def endpoint(badge: Badge, options: Options) -> bytes:
    """
    The badge in shields.io's endpoint schema.
    """
    return render_json.endpoint(badge.label, badge.message, badge.color, options.label_color, badge.is_error)
