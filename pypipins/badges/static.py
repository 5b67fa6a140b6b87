"""
shields.io's static-badge paths, C{/badge/<label>-<message>-<color>}: reading them (for
C{twistd shields}) and writing them (for pypipins drawing through a shields server).

In a path, a single dash separates the parts, so a dash in a text is written ``--``; an
underscore is a space, so an underscore is written ``__``.
"""

import re
from typing import Optional, Tuple
from urllib.parse import quote, urlencode

import attrs

# shields' own route for static badges (services/static-badge): label and its dash are optional.
_PARTS = re.compile(r"((?:[^-]|--)*?)-?((?:[^-]|--)*)-((?:[^-]|--)+)")
_LONE_UNDERSCORE = re.compile(r"(^|[^_])((?:__)*)_(?!_)")


@attrs.frozen
class StaticBadge:
    label: str
    message: str
    color: str


def unescape(text: str) -> str:
    """
    A text as shields reads it from a path: ``_`` is a space, ``__`` is ``_``, ``--`` is ``-``.
    """
    text = _LONE_UNDERSCORE.sub(lambda m: m.group(1) + m.group(2) + " ", text)
    return text.replace("__", "_").replace("--", "-")


def parse(content: str) -> Optional[StaticBadge]:
    """
    The badge in the (percent-decoded) path part after C{/badge/}, without its extension;
    L{None} when it is not of shields' form.
    """
    match = _PARTS.fullmatch(content)
    if match is None:
        return None
    label, message, color = match.groups()
    return StaticBadge(unescape(label), unescape(message), color)


def escape(text: str) -> str:
    """
    A text as one part of a static-badge path, percent-encoded: L{unescape} undoes all but the
    percent-encoding.

    A space is written C{%20}, which shields also reads as a space: written C{_}, it would make
    C{" _"} and C{"_ "} both C{___}.
    """
    return quote(text.replace("-", "--").replace("_", "__"), safe="")


def path(label: str, message: str, color: str, ext: str) -> str:
    """
    The static-badge path, with its query, that draws C{label} and C{message} on C{color} (a
    name or C{#hex}).

    The original's form, C{/badge/<label>-<message>-<color>}, cannot be read back when the
    label ends in a dash or the message starts with one (C{---} is then ambiguous, at
    shields.io too): such a label goes in the query, as C{?label=}, which shields also reads.
    """
    color = color.lstrip("#")
    if label and not (label.endswith("-") or message.startswith("-")):
        return f"/badge/{escape(label)}-{escape(message)}-{color}.{ext}"
    query = "?" + urlencode({"label": label}, quote_via=quote) if label else ""
    return f"/badge/{escape(message)}-{color}.{ext}{query}"


def split_extension(last_segment: str, extensions: "frozenset[str]") -> Tuple[str, str]:
    """
    C{("label-message-color", "png")} for C{"label-message-color.png"}; a segment with no
    known extension is an SVG, as at shields.io (C{/badge/v-1.2.3-blue}).
    """
    stem, dot, ext = last_segment.rpartition(".")
    if dot and ext in extensions:
        return stem, ext
    return last_segment, "svg"
