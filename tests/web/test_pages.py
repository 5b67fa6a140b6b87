"""
The site's pages (L{pypipins.web.pages}): the home page, the kinds' pages, a package's page made
once and kept, every name escaped; in memory. Served by the service: tests/scenarios/test_site.py.
"""

from html import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from treq.testing import StubTreq
from twisted.internet.task import Clock

import base64
import hashlib
import re

from pypipins import names
from pypipins.web import pages as site
from pypipins.web.row import DEFAULT_BADGES, LANGUAGES, LOGO_NAME, Row
from pypipins.web.snippets import row_snippets
from pypipins.badges import STYLES
from pypipins.badges.pypip import PYPIP
from tests.helpers import fired, in_memory_site

pytestmark = pytest.mark.memory


def without_script(body: bytes) -> str:
    """
    A page's markup but its script (which makes the badges' URLs of a row as it is chosen).
    """
    return re.sub(r"<script>.*?</script>", "", body.decode(), flags=re.S)


def test_home_without_a_package_lists_the_badges():
    code, body = site.home("http://b.test", None)
    assert code == 200
    page = body.decode()
    assert '<form action="/" method="get"' in page
    for kind, _ in site.KIND_DOCS:
        assert f'<a href="/badges/{kind.name}">' in page


def test_home_shows_every_badge_in_every_style_with_snippets():
    code, body = site.home("http://b.test", "Klein")
    assert code == 200
    page = body.decode()
    for kind, _ in site.KIND_DOCS:
        assert f'<img src="/{kind.name}/Klein/badge.svg"' in page
        for style in STYLES[1:]:
            assert f'<img src="/{kind.name}/Klein/badge.svg?style={style}"' in page
            assert f"http://b.test/{kind.name}/Klein/badge.svg?style={style})" in page
    assert page.count("<pre id=") == len(site.KIND_DOCS) * len(STYLES) * 3
    # and the row's
    assert page.count("data-copy=") == page.count("<pre id=") + 1


def test_every_badge_kind_is_documented():
    assert set(site.DOCS) == set(PYPIP.by_name)


@pytest.mark.parametrize("name", ['<script>alert(1)</script>', '"onmouseover="x', "a" * 500,
                                  "klein/../x", "-klein"])
def test_an_invalid_name_is_said_escaped(name):
    code, body = site.home("http://b.test", name)
    assert code == 400
    assert b"cannot be the name of a PyPI project" in body
    assert body.count(b"<script") == 1
    assert "badge.svg" not in without_script(body)
    # quoted with the characters themselves; the text escaped by twisted.web.template
    assert f"\u201c{escape(name[:site.ECHO_MAX], quote=False)}\u201d".encode() in body


def test_kind_pages():
    body = site.kind_page("http://b.test", "frameworks").decode()
    assert "<h1>The frameworks badge</h1>" in body
    for parameter in ("framework", "style", "label", "color", "labelColor"):
        assert f"<code>{parameter}</code>" in body
    assert '<img src="/frameworks/twisted/badge.svg?framework=plone"' in body
    assert "<code>period</code>" not in body
    assert "<code>period</code>" in site.kind_page("http://b.test", "d").decode()
    assert "<h1>The v badge</h1>" in site.kind_page("http://b.test", "version").decode()
    assert site.kind_page("http://b.test", "nope") is None


def test_a_package_page_is_made_once_for_an_address_and_a_logo(monkeypatch):
    """
    The site's pages of packages, made-up names' too, are made once for the address they are
    asked at and the logo chosen, and kept: each name is only written in.
    """
    made = []
    badges_of = site._badges_of

    def counted(*args):
        made.append(args)
        return badges_of(*args)

    monkeypatch.setattr(site, "_badges_of", counted)
    client = StubTreq(in_memory_site(None, None, Clock()).resource())

    def body(path, host="badges.test"):
        response = fired(client.get("http://badges.test" + path, headers={"Host": host}))
        assert response.code == 200
        return fired(response.content())

    pages = {name: body(f"/?package={name}") for name in ("made-up-1", "made-up-2", "Klein")}
    assert len(made) == 1
    for name, page in pages.items():
        assert page == site.package_page("http://badges.test", name, "")
    made.clear()
    body("/?package=made-up-3&logo=python")
    body("/?package=made-up-4&logo=python")
    body("/?package=made-up-5", host="other.test")
    assert len(made) == 2
    # another row: only the row's builder is made for it
    made.clear()
    page = body("/?package=made-up-6&row=1&badge=license&badge=types&style=social&format=html")
    assert made == []
    assert page == site.package_page("http://badges.test", "made-up-6", "",
                                     Row(("license", "types"), "social", "html"))


_VALID_NAMES = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?", fullmatch=True)


# each example makes pages of 95 kB: a few milliseconds, more on a busy machine
@settings(max_examples=50, deadline=None)
@given(
    base=st.text(max_size=30) | st.sampled_from(["http://b.test", "https://pypipins-blank-name-0f6a1c"]),
    packages=st.lists(_VALID_NAMES | st.just("pypipins-blank-name-0f6a1c"), min_size=1, max_size=4),
    logo=st.from_regex(LOGO_NAME, fullmatch=True) | st.sampled_from(["", "pypipins-blank-name-0f6a1c"]),
    row=st.builds(
        Row, st.lists(st.sampled_from(site.ROW_BUILDER.names), unique=True).map(tuple),
        st.sampled_from(STYLES), st.sampled_from([name for name, _ in LANGUAGES]),
    ) | st.just(site.DEFAULT_ROW),
)
def test_a_kept_page_is_the_page_made_for_the_name(base, packages, logo, row):
    kept = site.PackagePages(kept=1)
    for package in packages:
        assert names.is_valid(package)
        assert kept.page(base, package, logo) == site.package_page(base, package, logo)
        assert kept.page(base, package, logo, row) == site.package_page(base, package, logo, row)
        assert kept.page("http://b.test", package, "") == site.package_page("http://b.test", package, "")


def test_the_builder_offers_logos():
    code, body = site.home("http://b.test", None)
    page = body.decode()
    assert '<input type="text" id="logo" name="logo"' in page and 'list="logos"' in page
    for name in ("python", "pypi"):
        assert f'<option value="{name}"' in page


def test_the_builder_draws_every_badge_with_the_logo():
    code, body = site.home("http://b.test", "Klein", "python")
    assert code == 200
    page = body.decode()
    assert 'id="logo" name="logo" value="python"' in page
    for kind, _ in site.KIND_DOCS:
        assert f'<img src="/{kind.name}/Klein/badge.svg?logo=python"' in page
        assert f"http://b.test/{kind.name}/Klein/badge.svg?logo=python)" in page
        for style in STYLES[1:]:
            assert f'<img src="/{kind.name}/Klein/badge.svg?style={style}&amp;logo=python"' in page
    # a title with a space and an ampersand, escaped in the URLs
    code, body = site.home("http://b.test", "Klein", "AT&T")
    assert code == 200 and "badge.svg?logo=AT%26T" in body.decode()


@pytest.mark.parametrize("logo", ['"><script>alert(1)</script>', "data:image/svg+xml;base64,PHN2Zy8+",
                                  "x" * 65, "-python", "python\n"])
def test_the_builder_refuses_what_is_not_an_icon_name(logo):
    code, body = site.home("http://b.test", "Klein", logo)
    if logo == "python\n":  # surrounding white space is no part of a name
        assert code == 200
        return
    assert code == 400
    page = body.decode()
    assert "is not the name of an icon" in page and "<script>alert" not in page
    assert "badge.svg" not in without_script(body)


def test_a_package_page_builds_its_row_first():
    """
    A package's page begins with the builder of its README's row, the default badges ticked
    and drawn, and its snippet; every badge in every style follows.
    """
    code, body = site.home("http://b.test", "Klein")
    page = body.decode()
    assert page.index('id="row-builder"') < page.index('id="every-badge"') < page.index('<section id="v">')
    labels = {kind.name: kind.label for kind, _ in site.KIND_DOCS}
    for name in DEFAULT_BADGES:
        assert f'name="badge" value="{name}" data-alt="{labels[name]}"' in page
        assert f'<img src="/{name}/Klein/badge.svg" alt="{labels[name]}" />' in page
    snippet = row_snippets("http://b.test", "Klein", [(name, labels[name]) for name in DEFAULT_BADGES], "")
    assert snippet.markdown in page


def test_a_row_chosen_through_the_service():
    """
    The builder's form sent (as without the page's script): the page comes back with the
    row chosen, the logo in the badges of the whole page.
    """
    client = StubTreq(in_memory_site(None, None, Clock()).resource())
    response = fired(client.get(
        "http://badges.test/?package=Klein&row=1&badge=license&badge=d&style=flat-square"
        "&logo=python&format=html", headers={"Host": "badges.test"}))
    assert response.code == 200
    page = fired(response.content()).decode()
    query = "style=flat-square&logo=python"
    snippet = row_snippets("http://badges.test", "Klein", [("license", "license"), ("d", "downloads")], query)
    textarea = re.search(r'<textarea id="row-snippet"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert textarea == snippet.html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    preview = re.search(r'<p id="row-preview" class="row">(.*?)</p>', page).group(1)
    assert re.findall(r'src="([^"]*)"', preview) == [
        "/license/Klein/badge.svg?style=flat-square&amp;logo=python",
        "/d/Klein/badge.svg?style=flat-square&amp;logo=python",
    ]
    assert '<input type="radio" name="style" value="flat-square" checked="" />' in page
    assert '<input type="radio" name="format" value="html" checked="" />' in page
    assert '<img src="/wheel/Klein/badge.svg?logo=python"' in page
    # none ticked: no row, and the page says it all the same
    response = fired(client.get("http://badges.test/?package=Klein&row=1", headers={"Host": "badges.test"}))
    page = fired(response.content()).decode()
    assert response.code == 200 and '<p id="row-preview" class="row"></p>' in page
    assert 'name="badge" value="v" data-alt="pypi" title=' in page
    assert not re.search(r'<input type="checkbox"[^>]*checked', page)


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def test_the_policy_allows_the_page_s_own_script_and_style():
    """
    The script and the style, as the page holds them (the template would escape an
    ampersand or an angle bracket), are those whose hashes the policy names.
    """
    code, body = site.home("http://b.test", "Klein")
    page = body.decode()
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(scripts) == 1 and len(styles) == 1
    assert f"script-src {_hash(scripts[0])};" in site.POLICY
    assert f"style-src {_hash(styles[0])};" in site.POLICY
