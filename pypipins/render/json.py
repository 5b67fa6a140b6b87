"""
A badge as JSON, for those who draw it themselves: data, not a drawing, so it never goes
through the image path.
"""

import json
from typing import Dict, List, Optional, Sequence, Union

Document = Dict[str, Union[str, int, bool, List[str]]]


def _dumps(document: Document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def endpoint(label: str, message: str, color: str, label_color: Optional[str], is_error: bool) -> bytes:
    """
    The badge in shields.io's endpoint schema, so any shields-style renderer can draw it.
    It has no links: shields' endpoint badge refuses a document with a field it does not
    know, and these documents are made to be read by it.
    """
    document: Document = {
        "schemaVersion": 1,
        "label": label,
        "message": message,
        "color": color,
    }
    if label_color is not None:
        document["labelColor"] = label_color
    if is_error:
        document["isError"] = True
    return _dumps(document)


def shields(
    label: str, message: str, color: str, label_color: Optional[str], links: Sequence[str] = ()
) -> bytes:
    """
    The badge as img.shields.io's C{.json} URLs give it, deprecated twins included, and the
    links asked for listed as shields lists them (C{"link": [left, right]}).
    """
    document: Document = {
        "name": label,
        "label": label,
        "value": message,
        "message": message,
        "color": color,
    }
    if label_color is not None:
        document["labelColor"] = label_color
    if links:
        document["link"] = list(links)
    return _dumps(document)
