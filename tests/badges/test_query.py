"""
Issue 16's query rules, pure: the parameters shields.io takes on every badge (logo, links,
cacheSeconds, colorA/colorB), what L{Options} makes of them, the keys they are kept under,
and the shields paths they come with (frameworkversions, no extension).
"""

import pytest

from pypipins.badges import Badge, Options
from pypipins.badges import query as q
from pypipins.badges import shields as sb
from pypipins.facts import PackageFacts
from pypipins.drawing.images import image_key, shareable
from pypipins.web.http import Response
from pypipins.web.ready import ready_key
from pypipins.web.routes import shields_target

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


def test_image_key_names_the_logo_and_links():
    badge = Badge("a", "b", "blue")
    keys = {
        image_key(badge, Options.from_query(query, links), "svg")
        for query, links in [
            ({}, []), ({"logo": "python"}, []), ({"logo": "pypi"}, []),
            ({"logo": "python", "logoColor": "red"}, []), ({"logo": "python", "logoSize": "auto"}, []),
            ({}, ["https://a.example"]), ({}, ["https://b.example"]),
            ({}, ["https://a.example", "https://b.example"]),
        ]
    }
    assert len(keys) == 8
    # cacheSeconds changes no picture
    assert image_key(badge, Options.from_query({"cacheSeconds": "9000"}), "svg") == image_key(badge, Options(), "svg")


def test_rasters_with_logos_or_links_are_not_shared():
    assert shareable(Options())
    assert not shareable(Options.from_query({"logo": "python"}))
    assert not shareable(Options.from_query({}, ["https://a.example"]))


def key(**args):
    return ready_key("", "v", "klein", None, "svg", {k.encode(): [v.encode() for v in vs] for k, vs in args.items()})


def test_ready_key_names_every_parameter_of_issue_16():
    keys = {key(), key(logo=["python"]), key(logoColor=["red"]), key(logoSize=["auto"]),
            key(link=["https://a.example"]), key(link=["https://a.example", "https://b.example"]),
            key(cacheSeconds=["9000"]), key(maxAge=["9000"]), key(colorA=["red"]), key(colorB=["red"])}
    assert len(keys) == 10
    # a third link is never drawn, and makes no entry of its own
    assert key(link=["https://a.example", "https://b.example", "x"]) == key(link=["https://a.example", "https://b.example"])
    # nor does a logo too long to draw
    assert key(logo=["x" * (q.MAX_LOGO + 1)]) == key(logo=["y" * (q.MAX_LOGO + 5)])
    assert key(logo=["é" * q.MAX_LOGO]) != key(logo=["e" * q.MAX_LOGO])


@pytest.mark.parametrize(
    "kind, target, parsed",
    [("v", "six.svg", ("v", "six", None, "svg")),
     ("v", "six", ("v", "six", None, "svg")),
     ("v", "zope.interface", ("v", "zope.interface", None, "svg")),
     ("v", "zope.interface.json", ("v", "zope.interface", None, "json")),
     ("v", "klein/24.8.0", ("v", "klein", "24.8.0", "svg")),
     ("v", "klein/24.8.0.png", ("v", "klein", "24.8.0", "png")),
     ("frameworkversions", "django/typed-django.json", ("frameworkversions/django", "typed-django", None, "json")),
     ("frameworkversions", "plone/plone.volto", ("frameworkversions/plone", "plone.volto", None, "svg")),
     ("frameworkversions", "django/klein/1.0", ("frameworkversions/django", "klein", "1.0", "svg"))],
)
def test_shields_targets(kind, target, parsed):
    assert shields_target(kind, target) == parsed


def facts(*classifiers):
    return PackageFacts(version="1.0", classifiers=classifiers, name="Typed-Django")


@pytest.mark.parametrize(
    "framework, label, message",
    [("django", "django versions", "3.2 | 4.2 | 5.0 | 5.1"), ("django-cms", "django cms versions", "3.11"),
     ("jupyterlab", "jupyterlab versions", "4"), ("aws-cdk", "aws cdk versions", "2"),
     ("wagtail", "wagtail versions", "6")],
)
def test_framework_versions(framework, label, message):
    classifiers = ("Framework :: Django :: 5.1", "Framework :: Django :: 4.2", "Framework :: Django :: 3.2",
                   "Framework :: Django :: 5.0", "Framework :: Django", "Framework :: Django CMS :: 3.11",
                   "Framework :: Jupyter :: JupyterLab :: 4", "Framework :: AWS CDK :: 2",
                   "Framework :: Wagtail :: 6")
    kind = sb.SHIELDS.kind(f"frameworkversions/{framework}")
    assert kind is not None
    assert kind.say(facts(*classifiers), Options()) == Badge(label, message, "blue")


def test_framework_versions_missing():
    kind = sb.SHIELDS.kind("frameworkversions/plone")
    assert kind.say(facts(), Options()) == Badge(
        "versions", "Plone versions are missing for Typed-Django", "lightgrey", is_error=True)


@pytest.mark.parametrize("asked", ["typed_django", "Typed.Django/1.0", "klein/24.8.0"])
def test_framework_versions_missing_names_the_package_as_asked(asked):
    """
    As shields says it (issue 25): the package and release as the URL spells them, not PyPI's
    name, also for facts kept without one.
    """
    kind = sb.SHIELDS.kind("frameworkversions/django-cms")
    assert kind.says_asked
    for said in (facts(), PackageFacts(version="1.0", name="")):
        assert kind.say(said, Options(asked_as=asked)) == Badge(
            "versions", f"Django CMS versions are missing for {asked}", "lightgrey", is_error=True)


def test_every_badge_carries_the_cross_origin_headers():
    for content_type in ("image/svg+xml;charset=utf-8", "image/png", "application/json"):
        headers = dict(Response(b"x", content_type, 60).headers)
        assert headers[b"Access-Control-Allow-Origin"] == b"*"
        assert headers[b"Cross-Origin-Resource-Policy"] == b"cross-origin"
