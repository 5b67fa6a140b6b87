"""
Issue 16's query rules (L{pypipins.badges.query}), pure: the parameters shields.io takes on
every badge (logo, links, cacheSeconds, colorA/colorB), and what L{Options} makes of them. The
keys they are kept under are in tests/drawing/test_images.py and tests/web/test_ready.py, the
shields paths they come with in tests/web/test_routes.py.
"""

import pytest

from pypipins.badges import Options
from pypipins.badges import query as q

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    "values, links",
    [([], ()),
     (["https://example.org/"], ("https://example.org/",)),
     (["http://a.example", "https://b.example/x?y=1"], ("http://a.example", "https://b.example/x?y=1")),
     # a third is never drawn
     (["https://a.example", "https://b.example", "https://c.example"], ("https://a.example", "https://b.example")),
     # a left side dropped keeps the right one on its side
     (["javascript:alert(1)", "https://b.example"], ("", "https://b.example")),
     (["https://a.example", "data:text/html,<b>"], ("https://a.example",)),
     (["ftp://a.example", "file:///etc/passwd"], ()),
     # not absolute http(s) URLs; a third is never read
     (["//a.example", "https:no-host", "https://c.example"], ()),
     (["https://a.example/\"><script>", "https://a.example/ x"], ()),
     (["https://a.example/" + "x" * q.MAX_LINK], ()),
     (["https://[::1]/", "https://[nonsense/"], ("https://[::1]/",))],
)
def test_links(values, links):
    assert q.links(values) == links


@pytest.mark.parametrize("character", ["\ufffe", "\uffff", "\x01", "\x0b", "\ud800"])
def test_a_link_with_a_character_xml_forbids_is_none(character):
    assert q.links([f"https://a.org/{character}", "https://b.org/"]) == ("", "https://b.org/")
    assert q.links([f"https://a.org/?q={character}"]) == ()


@pytest.mark.parametrize("value", ["data:image/png;,\x01", "python\x0b", "data:image/svg+xml;base64,\ufffe"])
def test_a_logo_with_a_character_xml_forbids_is_none(value):
    assert Options.from_query({"logo": value}).logo is None


def test_upper_case_schemes_are_links():
    assert q.links(["HTTPS://A.EXAMPLE"]) == ("HTTPS://A.EXAMPLE",)


@pytest.mark.parametrize(
    "query, seconds",
    [({}, None), ({"cacheSeconds": "3600"}, 3600), ({"maxAge": "7200"}, 7200),
     ({"cacheSeconds": "0"}, 0), ({"cacheSeconds": "60.0"}, 60),
     ({"cacheSeconds": "-5"}, None), ({"cacheSeconds": "1.5"}, None), ({"cacheSeconds": "x"}, None),
     ({"cacheSeconds": ""}, None), ({"cacheSeconds": "٣"}, None),
     # shields takes one or the other, never both
     ({"cacheSeconds": "10", "maxAge": "20"}, None),
     ({"cacheSeconds": "9" * 5000}, q.MAX_CACHE_SECONDS), ({"cacheSeconds": str(2**40)}, q.MAX_CACHE_SECONDS)],
)
def test_cache_seconds(query, seconds):
    assert q.cache_seconds(query) == seconds


@pytest.mark.parametrize("own, asked, sent", [(300, None, 300), (300, 60, 300), (300, 86400, 86400), (60, 0, 60)])
def test_cache_seconds_raise_never_lower(own, asked, sent):
    assert q.max_age(own, asked) == sent


def test_legacy_colours():
    options = Options.from_query({"colorA": "blue", "colorB": "red"})
    assert (options.label_color, options.color) == ("blue", "red")
    # the new names win
    options = Options.from_query({"colorA": "blue", "labelColor": "green", "colorB": "red", "color": "orange"})
    assert (options.label_color, options.color) == ("green", "orange")


def test_logo_options():
    options = Options.from_query({"logo": "python", "logoColor": "white", "logoSize": "auto"}, ["https://a.example"])
    assert (options.logo, options.logo_color, options.logo_size_auto, options.links) == (
        "python", "white", True, ("https://a.example",))
    assert options.draws_extras
    assert not Options.from_query({"logoColor": "white", "logoSize": "auto"}).draws_extras
    assert Options.from_query({"logoSize": "big"}).logo_size_auto is False


@pytest.mark.parametrize("value", ["", "   ", "x" * (q.MAX_LOGO + 1), "data:image/svg+xml;base64," + "A" * 20000])
def test_logos_too_long_or_empty_are_none(value):
    assert Options.from_query({"logo": value}).logo is None


def test_a_data_uri_logo_of_a_reasonable_size_is_kept():
    uri = "data:image/svg+xml;base64," + "PHN2Zy8+" * 100
    assert Options.from_query({"logo": uri}).logo == uri
