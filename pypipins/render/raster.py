"""
Raster badges: the SVG drawn to pixels by resvg, with DejaVu Sans (Debian's fonts-dejavu-core)
standing in for Verdana, and converted by Pillow for the formats other than PNG.
"""

import io
from pathlib import Path
from typing import Callable, Dict, List

#: Where Debian's fonts-dejavu-core puts the fonts; the SVG asks for Verdana, then DejaVu Sans.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")

CONTENT_TYPES: Dict[str, str] = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "tiff": "image/tiff",
}


class FontMissing(RuntimeError):
    """
    The font that makes text show in rasters is not installed.
    """


def _font_files() -> List[str]:
    files = [FONT_DIR / name for name in FONTS]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise FontMissing(f"{', '.join(missing)} missing: apt-get install fonts-dejavu-core")
    return [str(f) for f in files]


def png(svg: str) -> bytes:
    """
    The SVG as a PNG of the same size, transparent around the rounded corners.
    """
    # Imported here: the daemons import this module for its formats, and only the raster
    # workers draw, so resvg (and Pillow, below) are loaded in the workers alone.
    import resvg_py

    # Only the given fonts: scanning the system's on every call would cost more than drawing.
    image = resvg_py.svg_to_bytes(
        svg_string=svg,
        skip_system_fonts=True,
        font_files=_font_files(),
        sans_serif_family="DejaVu Sans",
    )
    # resvg-py 0.2 (the last with a PyPy 3.9 wheel) answers a list of byte values.
    return image if isinstance(image, bytes) else bytes(image)


#: Pillow's save() arguments per format. TIFF is otherwise uncompressed: some 300-700 KB for a
#: badge with long texts, where deflate (which libtiff and every TIFF reader has) makes 5-20 KB.
_SAVE_OPTIONS: Dict[str, Dict[str, str]] = {"TIFF": {"compression": "tiff_adobe_deflate"}}


def _converted(svg: str, format: str, flatten: bool) -> bytes:
    from PIL import Image  # in the workers alone, as resvg above

    image: Image.Image = Image.open(io.BytesIO(png(svg)))
    if flatten:
        # JPEG has no transparency: the corners go white, as on most pages.
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    out = io.BytesIO()
    image.save(out, format=format, **_SAVE_OPTIONS.get(format, {}))
    return out.getvalue()


_RASTERIZERS: Dict[str, Callable[[str], bytes]] = {
    "png": png,
    "jpg": lambda svg: _converted(svg, "JPEG", flatten=True),
    "jpeg": lambda svg: _converted(svg, "JPEG", flatten=True),
    "gif": lambda svg: _converted(svg, "GIF", flatten=False),
    "tiff": lambda svg: _converted(svg, "TIFF", flatten=False),
}


def rasterize(svg: str, ext: str) -> bytes:
    """
    The SVG in raster format C{ext} (a key of L{CONTENT_TYPES}).
    """
    return _RASTERIZERS[ext](svg)
