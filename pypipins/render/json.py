"""
A badge as JSON, for those who draw it themselves: data, not a drawing, so it never goes
through the image path.
"""

import json
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

from pypipins.render.colors import JS_WHITESPACE, js_number, parse

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
    label: str,
    message: str,
    color: Optional[str],
    label_color: Optional[str],
    links: Sequence[str] = (),
    logo_width: Optional[float] = None,
) -> bytes:
    """
    The badge as shields.io's server sends it for every C{.json} URL (a static badge's, a
    PyPI route's): badge-maker 6.0.0's JSON, its C{makeBadge} with C{format: 'json'}, byte for
    byte. The texts trimmed as JavaScript trims them; each colour as badge-maker normalises
    it, left out when it is not one (the picture then has badge-maker's default); the links
    asked for, as C{"link": [left, right]}, an empty list for none; the deprecated twins
    C{name} and C{value}; C{logoWidth} when C{logoSize=auto} gave one.
    """
    label = label.strip(JS_WHITESPACE)
    message = message.strip(JS_WHITESPACE)
    fields: List[Tuple[str, str]] = [("label", _text(label)), ("message", _text(message))]
    if logo_width is not None:
        fields.append(("logoWidth", js_number(logo_width)))
    for name, value in (("color", color), ("labelColor", label_color)):
        normalized = parse(value) if value is not None else None
        if normalized is not None:
            fields.append((name, _text(normalized)))
    fields.append(("link", "[" + ",".join(_text(link) for link in links) + "]"))
    fields += [("name", _text(label)), ("value", _text(message))]
    # JSON.stringify's form: no spaces, fields in the order they were given
    return ("{" + ",".join(f'"{name}":{value}' for name, value in fields) + "}").encode("utf-8")


#: A lone surrogate, which JSON.stringify writes as an escape (and UTF-8 cannot encode).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str) -> str:
    # JSON.stringify escapes what json.dumps escapes, in the same words (\n, \u001f), but
    # for lone surrogates
    dumped = json.dumps(value, ensure_ascii=False)
    if _SURROGATE.search(dumped) is None:
        return dumped
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", dumped)
