"""
A badge's paths and the snippets to paste (L{pypipins.web.snippets}), a badge's and a row's,
pointing at this server as the request reached it, read back as READMEs are read. Pure
functions.
"""

from html.parser import HTMLParser
from typing import List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pypipins.badges.pypip import PYPIP
from pypipins.render.svg import STYLES
from pypipins.web import snippets
from pypipins.web.row import LOGO_NAME

pytestmark = pytest.mark.pure


def test_snippets_point_at_this_server():
    found = snippets.snippets("https://badges.example.org", "license", "Klein", "style=flat-square",
                          "license")
    image = "https://badges.example.org/license/Klein/badge.svg?style=flat-square"
    assert found.markdown == f"[![license]({image})](https://pypi.org/project/Klein/)"
    assert found.rst == (f".. image:: {image}\n    :target: https://pypi.org/project/Klein/\n"
                         "    :alt: license")
    assert found.html == (f'<a href="https://pypi.org/project/Klein/"><img src="'
                          f'{image.replace("&", "&amp;")}" alt="license"></a>')


@pytest.mark.parametrize(
    "host, secure, proto, expected",
    [(b"badges.example.org", False, None, "http://badges.example.org"),
     (b"badges.example.org:8443", True, None, "https://badges.example.org:8443"),
     (b"badges.example.org", False, b"https", "https://badges.example.org"),
     (b"127.0.0.1:8888", False, b"gopher", "http://127.0.0.1:8888"),
     (b"[::1]:8888", False, None, "http://[::1]:8888"),
     # anything that is not a host name is not trusted: the connection's own address is
     (b'evil.org"><script>alert(1)</script>', False, None, "http://10.0.0.1:8888"),
     (b"evil.org/path", False, None, "http://10.0.0.1:8888"),
     (b"user@evil.org", False, None, "http://10.0.0.1:8888"),
     (b"", False, None, "http://10.0.0.1:8888"),
     (None, False, None, "http://10.0.0.1:8888")],
)
def test_base_url(host, secure, proto, expected):
    assert snippets.base_url(host, secure, proto, "10.0.0.1:8888") == expected


def test_badge_query():
    assert snippets.badge_query("flat") == ""
    assert snippets.badge_query("flat", "python") == "logo=python"
    assert snippets.badge_query("social", "AT&T") == "style=social&logo=AT%26T"
    assert snippets.badge_query("for-the-badge", "Let's Encrypt") == "style=for-the-badge&logo=Let%27s+Encrypt"


def test_a_row_in_each_language():
    row = snippets.row_snippets("https://b.test", "Klein", [("v", "pypi"), ("license", "license")],
                                "style=flat-square&logo=python")
    v = "https://b.test/v/Klein/badge.svg?style=flat-square&logo=python"
    lic = "https://b.test/license/Klein/badge.svg?style=flat-square&logo=python"
    target = "https://pypi.org/project/Klein/"
    assert row.markdown == f"[![pypi]({v})]({target})\n[![license]({lic})]({target})"
    assert row.rst == (
        "|v| |license|\n\n"
        f".. |v| image:: {v}\n    :target: {target}\n    :alt: pypi\n"
        f".. |license| image:: {lic}\n    :target: {target}\n    :alt: license"
    )
    amp = "&amp;"
    assert row.html == (
        f'<a href="{target}"><img src="{v.replace("&", amp)}" alt="pypi"></a>\n'
        f'<a href="{target}"><img src="{lic.replace("&", amp)}" alt="license"></a>'
    )


def test_a_row_of_no_badge_is_no_snippet():
    assert snippets.row_snippets("https://b.test", "Klein", [], "") == snippets.Snippets("", "", "")


class _Links(HTMLParser):
    """
    The images of an HTML fragment, each as (the link around it, its source, its text).
    """

    def __init__(self) -> None:
        super().__init__()
        self.href: Optional[str] = None
        self.images: List[Tuple[Optional[str], Optional[str], Optional[str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.href = attributes.get("href")
        elif tag == "img":
            self.images.append((self.href, attributes.get("src"), attributes.get("alt")))

    def handle_endtag(self, tag):
        if tag == "a":
            self.href = None


def images_of(html: str) -> List[Tuple[Optional[str], Optional[str], Optional[str]]]:
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser.images


def read_markdown(text: str) -> str:
    import commonmark

    return commonmark.commonmark(text)


def read_rst(text: str) -> str:
    from docutils.core import publish_parts

    # any warning fails: a snippet that docutils reads with a warning is not right
    return publish_parts(text, writer_name="html5", settings_overrides={
        "halt_level": 2, "report_level": 2, "warning_stream": False})["body"]


_VALID_NAMES = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?", fullmatch=True)
# an image's text: any printable text that is not all white space
_ALTS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda text: text.strip() != "")
_KINDS = st.sampled_from([kind.name for kind in PYPIP.kinds])


@settings(max_examples=300)
@given(
    package=_VALID_NAMES,
    badges=st.lists(st.tuples(_KINDS, _ALTS), max_size=4, unique_by=lambda badge: badge[0]),
    style=st.sampled_from(STYLES),
    logo=st.from_regex(LOGO_NAME, fullmatch=True) | st.just(""),
)
def test_a_row_is_read_as_a_readme_reads_it(package, badges, style, logo):
    """
    Each language's snippet, read as GitHub reads Markdown (CommonMark), as PyPI reads
    reStructuredText (docutils) and as a browser reads HTML, is the row: its images in order,
    each linking to the package's page, with its text, whatever the text holds (brackets,
    stars, underscores, ampersands, angle brackets, quotes...).
    """
    query = snippets.badge_query(style, logo)
    row = snippets.row_snippets("https://b.test:8443", package, badges, query)
    target = f"https://pypi.org/project/{package}/"
    images = [(target, f"https://b.test:8443/{kind}/{package}/badge.svg" + (f"?{query}" if query else ""), alt)
              for kind, alt in badges]
    on_one_line = [(href, src, " ".join(alt.split())) for href, src, alt in images]
    assert images_of(row.html) == images
    assert images_of(read_markdown(row.markdown)) == on_one_line
    assert images_of(read_rst(row.rst)) == on_one_line


@pytest.mark.parametrize("alt, written", [
    ("py*pi_", r"py\*pi\_"), ("[x]", r"\[x\]"), ("a&amp;", r"a\&amp;"), ("<b>", r"\<b\>"),
    ("!`~|\\", r"\!\`\~\|\\"), ("two\nlines", "two lines"), ("pre-release", "pre-release"),
])
def test_markdown_text(alt, written):
    assert snippets.markdown_text(alt) == written
