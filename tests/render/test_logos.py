"""
pypipins.render.logos against shields.io's server, as tools/make_logo_fixtures.mjs reproduces
it over the npm packages (tests/fixtures/render/logos.json; node is not needed here).
"""

import base64
import gzip
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from pypipins.render.colors import js_number
from pypipins.render import logos
from pypipins.render.logos import logo_data_uri
from pypipins.render.svg import STYLES, render
from tests.standin import FIXTURES

pytestmark = pytest.mark.pure

FIXTURES = json.loads(
    (FIXTURES / "render" / "logos.json").read_text(encoding="utf-8")
)
CASES: List[Dict[str, Any]] = FIXTURES["cases"]
DATA = Path(logos.__file__).parent / "logos.json.gz"


def ours(case: Dict[str, Any]) -> Optional[Any]:
    found = logo_data_uri(
        case["logo"],
        logo_color=case["logoColor"],
        style=case["style"],
        auto_size=case["logoSize"] == "auto",
    )
    return None if found is None else list(found)


def theirs(case: Dict[str, Any]) -> Optional[Any]:
    if case["uri"] is None:
        return None
    # A square icon is 14 wide either way: we say so with None.
    width = case["width"]
    return [case["uri"], None if width in (None, 14) else width]


def svg_of(uri: str) -> str:
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_fixtures_cover_the_promise() -> None:
    assert len(CASES) >= 200
    assert {case["style"] for case in CASES} == set(STYLES)
    assert any(case["width"] not in (None, 14) for case in CASES)
    assert any(case["uri"] is None for case in CASES)


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{i}-{c['logo'][:30]!r}-{c['style']}" for i, c in enumerate(CASES)]
)
def test_same_as_shields(case: Dict[str, Any]) -> None:
    assert ours(case) == theirs(case)


@pytest.mark.parametrize("digest", FIXTURES["digests"], ids=lambda d: f"{d['style']}-{d['logoSize']}")
def test_every_icon_as_shields(digest: Dict[str, Any]) -> None:
    """
    Every name shields answers to, in a few settings, hashed as the tool hashed shields' own.
    """
    document = json.loads(gzip.decompress(DATA.read_bytes()))
    names = sorted(
        set(document["keys"]) | set(document["icons"]), key=lambda n: n.encode("utf-16-be")
    )
    assert len(names) == digest["names"]
    hashed = hashlib.sha256()
    for name in names:
        found = logo_data_uri(
            name,
            logo_color=digest["logoColor"],
            style=digest["style"],
            auto_size=digest["logoSize"] == "auto",
        )
        assert found is not None, name
        uri, width = found
        if width is None and digest["logoSize"] == "auto":
            width = 14  # what shields says for a square icon
        hashed.update(f"{name}\t{uri}\t{'' if width is None else js_number(width)}\n".encode())
    assert hashed.hexdigest() == digest["sha256"]


# Lookup.


@pytest.mark.parametrize(
    "logo, title",
    [
        ("python", "Python"),
        ("PyThOn", "Python"),
        ("nodedotjs", "Node.js"),
        ("node.js", "Node.js"),
        ("Read the Docs", "Read the Docs"),
        ("read-the-docs", "Read the Docs"),
        ("readthedocs", "Read the Docs"),
        ("travis", "Travis CI"),
        ("Travis", "Travis CI"),
        ("stackoverflow", "Stack Overflow"),
        ("eclipse", "Eclipse IDE"),
    ],
)
def test_names(logo: str, title: str) -> None:
    found = logo_data_uri(logo)
    assert found is not None
    assert f"<title>{title}</title>" in svg_of(found[0])


@pytest.mark.parametrize(
    # tfs: an alias of an icon simple-icons no longer has
    "logo", ["nope", "", "pyth on", "python ", "tfs", "constructor", "__proto__"],
)
def test_unknown_names_are_no_logo(logo: str) -> None:
    assert logo_data_uri(logo) is None


# Colours.


def fill(uri: str) -> str:
    match = re.match(r'<svg fill="([^"]*)"', svg_of(uri))
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    "logo_color, expected",
    [
        ("white", "white"),
        ("red", "#dd4343"),
        ("gray", "#555"),
        ("abc", "#abc"),
        ("#ABCDEF", "#abcdef"),
        ("rgb(1,2,3)", "rgb(1,2,3)"),
        ("Red", "#3776AB"),  # not a colour: the brand's
        ("", "#3776AB"),
        (None, "#3776AB"),
    ],
)
def test_logo_color(logo_color: Optional[str], expected: str) -> None:
    found = logo_data_uri("python", logo_color=logo_color)
    assert found is not None and fill(found[0]) == expected


@pytest.mark.parametrize(
    "logo, style, expected",
    [
        ("github", "flat", "whitesmoke"),  # #181717 is dark
        ("github", "social", "#181717"),
        ("python", "flat", "#3776AB"),
        ("python", "social", "#3776AB"),
        ("json", "plastic", "whitesmoke"),
        ("stackoverflow", "social", "#333"),  # #F58025: 0.6, light on social's white
        ("stackoverflow", "flat", "#F58025"),
        ("graphql", "for-the-badge", "whitesmoke"),  # #E10098: 0.33
        ("docker", "for-the-badge", "#2496ED"),  # 0.49
    ],
)
def test_brand_colours(logo: str, style: str, expected: str) -> None:
    found = logo_data_uri(logo, style=style)
    assert found is not None and fill(found[0]) == expected


# Sizes.


def test_auto_size_of_a_wide_icon() -> None:
    plain = logo_data_uri("docker")
    auto = logo_data_uri("docker", auto_size=True)
    assert plain is not None and auto is not None
    assert plain[1] is None
    assert auto[1] is not None and auto[1] > 14
    assert 'viewBox="0 0 24 24"' in svg_of(plain[0])
    assert 'viewBox="0 0 24 24"' not in svg_of(auto[0])


def test_auto_size_paths_rounded_as_shields_rounds_them() -> None:
    """
    shields moves the path to the origin and rounds it to 3 decimals (svgpath's
    C{.round(3)}); the viewBox keeps the bounding box's numbers as they are.
    """
    found = logo_data_uri("flask", auto_size=True)
    assert found is not None
    svg = svg_of(found[0])
    assert '<path d="M10.773 0.378c-0.013 1.434 0.322 ' in svg
    assert 'viewBox="0 0 24.00020029369158 18.99998005682549"' in svg
    document = json.loads(gzip.decompress(DATA.read_bytes()))
    paths = [icon[7] for icon in document["icons"].values() if icon[7] is not None]
    assert len(paths) > 2900
    assert not [path for path in paths if re.search(r"\.\d{4}", path)]


def test_auto_size_of_a_square_icon() -> None:
    found = logo_data_uri("kotlin", auto_size=True)
    assert found is not None and found[1] is None
    assert 'viewBox="0 0 24 24"' in svg_of(found[0])


def test_auto_size_width_is_looked_up_under_the_name_as_given() -> None:
    """
    shields sizes the logo it found through the alias, but its width only under the name.
    """
    found = logo_data_uri("travis", auto_size=True)
    assert found is not None
    assert found[1] is None
    assert 'viewBox="0 0 24 24"' not in svg_of(found[0])


# Data URIs.


@pytest.mark.parametrize(
    "logo, expected",
    [
        ("data:image/png;base64,iVBORw0KGgo=", "data:image/png;base64,iVBORw0KGgo="),
        ("image/png;base64,iVBORw0KGgo=", "data:image/png;base64,iVBORw0KGgo="),
        ("data:image/svg xml;base64,AA AA", None),  # AA+AA: five characters
        ("data:image/svg xml;base64,AAAA", "data:image/svg+xml;base64,AAAA"),
        ("data:image/png;base64,AA\nA\tA", "data:image/png;base64,AAAA"),
        ("data:image/png;base64,AAA", None),
        ("data:image/png;base64,AA-_", None),
        ("data:text/plain;,hello", "data:text/plain;,hello"),
        ("data:text/plain,hello", None),
        ("data:image/svg+xml;charset=utf-8,<svg/>", "data:image/svg+xml;charset=utf-8,<svg/>"),
    ],
)
def test_data_uris(logo: str, expected: Optional[str]) -> None:
    found = logo_data_uri(logo, logo_color="red", style="social", auto_size=True)
    assert found == (None if expected is None else (expected, None))


# Drawn.


@pytest.mark.parametrize("style", STYLES)
def test_drawn_logo(style: str) -> None:
    found = logo_data_uri("python", auto_size=True, style=style)
    assert found is not None
    svg = render("pypi", "v1.0", "blue", style=style, logo=found[0], logo_width=found[1])
    assert f'href="{found[0]}"' in svg
    assert f'width="{js_number(found[1] or 14)}" height="14"' in svg
