"""
Raster badges hold their text in pixels, in every format, at the SVG's size.
"""

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from pypipins.badges import MAX_TEXT
from pypipins.render import raster, svg

pytestmark = pytest.mark.pure

FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "tiff": "TIFF"}


def pixels(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def light_pixels(image: Image.Image, box) -> int:
    """
    Pixels in C{box} as light as white text on a dark badge.
    """
    data = image.crop(box).tobytes()  # RGB triplets
    return sum(1 for i in range(0, len(data), 3) if min(data[i : i + 3]) > 200)


@pytest.mark.parametrize("ext, format", FORMATS.items())
def test_text_shows(ext, format):
    drawn = svg.render("license", "MIT", "blue")
    blank = svg.render("license", "", "blue").replace(">license<", "><")
    width = int(float(ET.fromstring(drawn).get("width")))
    data = raster.rasterize(drawn, ext)
    image = Image.open(io.BytesIO(data))
    assert image.format == format
    assert image.size == (width, 20)
    image = image.convert("RGB")
    # the grey label side (x < 47) has white letters; without the texts it has none
    assert light_pixels(image, (4, 4, 44, 16)) > 20
    assert light_pixels(image, (50, 4, width - 4, 16)) > 10
    assert light_pixels(pixels(raster.rasterize(blank, ext)), (4, 4, 44, 16)) == 0


def test_png_keeps_rounded_corners_transparent():
    image = Image.open(io.BytesIO(raster.png(svg.render("a", "b", "red")))).convert("RGBA")
    assert image.getpixel((0, 0))[3] < 64  # anti-aliased at the very corner
    assert image.getpixel((10, 10))[3] == 255


def test_each_style_rasterizes():
    for style in svg.STYLES:
        drawn = svg.render("python", "3.9, 3.10", "blue", style=style)
        image = pixels(raster.png(drawn))
        assert image.size[0] > 40


def test_missing_font_is_explained(monkeypatch, tmp_path):
    monkeypatch.setattr(raster, "FONT_DIR", tmp_path)
    with pytest.raises(raster.FontMissing, match="apt-get install fonts-dejavu-core"):
        raster.png(svg.render("a", "b", "red"))


def test_tiff_is_compressed_and_lossless():
    """
    The largest badge there is (both texts at their 255-character cut, in the widest style):
    uncompressed, its TIFF took 634 KB, in memory and in Redis, per distinct label.
    """
    drawn = svg.render("W" * MAX_TEXT, "@" * MAX_TEXT, "blue", style="for-the-badge")
    data = raster.rasterize(drawn, "tiff")
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.info["compression"]) == ("TIFF", "tiff_adobe_deflate")
    assert len(data) < 32_000
    # the same pixels as the PNG, text and all
    assert image.convert("RGBA").tobytes() == Image.open(io.BytesIO(raster.png(drawn))).convert("RGBA").tobytes()
    assert light_pixels(image.convert("RGB"), (4, 4, 400, 24)) > 500
