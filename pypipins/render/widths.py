"""
How wide a text is in the fonts shields.io badges are drawn with.

A port of anafanafo 2.0.0 (and of the char-width-table-consumer 1.0.0 it reads its tables
with), from the table in ``widths.json`` (see ``WIDTHS-SOURCE.txt``; regenerate it with
``tools/gen_widths.py``). Badge geometry is computed from these widths, so they must agree
with anafanafo to the last bit for our SVG to be byte-identical to badge-maker's.
"""

import json
from bisect import bisect_right
from importlib.resources import files
from itertools import accumulate
from typing import Dict, List, Optional, Tuple

#: anafanafo's font names, as badge-maker asks for them.
VERDANA_11 = "11px Verdana"
VERDANA_10 = "10px Verdana"
VERDANA_10_BOLD = "bold 10px Verdana"
HELVETICA_11_BOLD = "bold 11px Helvetica"


class _Table:
    """
    One font's widths as a step function: ``widths[i]`` holds from code point ``starts[i]``
    up to the next start; L{None} where the font's table has no width.
    """

    def __init__(self, starts: List[int], widths: List[Optional[float]]) -> None:
        self.starts = starts
        self.widths = widths
        # Unknown characters count as wide as an 'm', like char-width-table-consumer's guess.
        self.em = self.char_width(ord("m"))
        # Most badge text is ASCII: look those up once.
        self.ascii: Tuple[float, ...] = tuple(self.char_width(cp) for cp in range(128))

    def char_width(self, cp: int) -> float:
        # Control characters take no room.
        if cp <= 31 or cp == 127:
            return 0.0
        width = self.widths[bisect_right(self.starts, cp) - 1]
        return self.em if width is None else width


def _load() -> Dict[str, _Table]:
    data = json.loads(files(__package__).joinpath("widths.json").read_text(encoding="utf-8"))
    return {
        font: _Table(
            list(accumulate(table["starts"])),
            # k / 100 is the double nearest the decimal anafanafo wrote: the same as its JSON.
            [None if w is None else w / 100 for w in table["widths"]],
        )
        for font, table in data["fonts"].items()
    }


_TABLES = _load()
FONTS = tuple(_TABLES)


def text_width(text: str, font: str = VERDANA_11) -> float:
    """
    The width of C{text} in C{font} (one of L{FONTS}), in pixels, as anafanafo measures it:
    the sum, per code point, of its advance width.

    Summed left to right, one addition at a time, exactly like JavaScript's ``reduce``: the
    result is compared and truncated, so its rounding must match too (``sum()`` of floats is
    compensated since Python 3.12, which would not).
    """
    table = _TABLES[font]
    ascii = table.ascii
    total = 0.0
    for char in text:
        cp = ord(char)
        total += ascii[cp] if cp < 128 else table.char_width(cp)
    return total


def to_int32(value: float) -> int:
    """
    JavaScript's ``value | 0``: truncate toward zero, then wrap to a signed 32-bit integer.
    """
    return (int(value) + 2**31) % 2**32 - 2**31


def preferred_width(text: str, font: str = VERDANA_11) -> int:
    """
    badge-maker's ``preferredWidthOf``: the width truncated to whole pixels and rounded up to
    an odd number, which (centred in a box with even padding) lands text on the pixel grid.
    """
    width = to_int32(text_width(text, font))
    return width + 1 if width % 2 == 0 else width
