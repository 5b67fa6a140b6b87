"""
The snippets a README embeds a badge or a row of badges with (Markdown, reStructuredText,
HTML), and the server's address they name: pure functions of what the client sent.

A package's page builds the row in the browser too (C{static/site.js}, L{row_snippets}'s
twin): tests/scenarios/test_site_browser.py holds the two to the same text.
"""

import re
from html import escape
from typing import List, Optional, Sequence, Tuple
from urllib.parse import urlencode

import attrs

#: What a Host header may be: a name or an IPv4 address, or an IPv6 one in brackets, and a
#: port. Anything else (quotes, angle brackets...) would end up in the page's markup.
_HOST = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def base_url(
    host: Optional[bytes], secure: bool, forwarded_proto: Optional[bytes], fallback: str
) -> str:
    """
    This server's address as the client reached it, for the snippets: the scheme the proxy
    in front says (C{X-Forwarded-Proto}) or the connection's, and the C{Host} header if it is
    a host name, else C{fallback} (the address the connection came in on).
    """
    scheme = "https" if secure else "http"
    if forwarded_proto in (b"http", b"https"):
        scheme = forwarded_proto.decode("ascii")
    text = host.decode("latin-1") if host else ""
    if not _HOST.fullmatch(text):
        text = fallback
    return f"{scheme}://{text}"


@attrs.frozen
class Snippets:
    """
    A badge as a README embeds it, linking to the package's PyPI page.
    """

    markdown: str
    rst: str
    html: str

    def by_name(self) -> List[Tuple[str, str]]:
        return [("Markdown", self.markdown), ("reStructuredText", self.rst), ("HTML", self.html)]


def badge_path(kind: str, package: str, query: str = "") -> str:
    return f"/{kind}/{package}/badge.svg" + (f"?{query}" if query else "")


def style_query(style: str) -> str:
    # flat is the default: the shortest URL says it
    return "" if style == "flat" else urlencode({"style": style})


def badge_query(style: str, logo: str = "") -> str:
    """
    The query of a badge the site shows: its style, and the logo chosen.
    """
    query = style_query(style)
    if not logo:
        return query
    return "&".join(part for part in (query, urlencode({"logo": logo})) if part)


def pypi_page(package: str) -> str:
    """
    The page a badge of C{package} links to.
    """
    return f"https://pypi.org/project/{package}/"


#: What Markdown reads as markup in an image's text: backslashed, it is read as itself
#: (CommonMark lets any ASCII punctuation be), so that a text with brackets, stars or
#: underscores stays the text it is.
_MARKDOWN_MARKUP = re.compile(r"([\\`*_\[\]<>&!~|])")


def markdown_text(value: str) -> str:
    """
    C{value} as the text of a Markdown image, on one line, read as itself.
    """
    return _MARKDOWN_MARKUP.sub(r"\\\1", " ".join(value.split()))


def _markdown(image: str, target: str, alt: str) -> str:
    # URLs here hold no space nor parenthesis: a valid name, and a query urlencode made
    return f"[![{markdown_text(alt)}]({image})]({target})"


def _html(image: str, target: str, alt: str) -> str:
    return f'<a href="{escape(target)}"><img src="{escape(image)}" alt="{escape(alt)}"></a>'


def _rst_option(value: str) -> str:
    # an option's value is plain text to its line's end
    return " ".join(value.split())


def snippets(base: str, kind: str, package: str, query: str, alt: str) -> Snippets:
    """
    The snippets for badge C{kind} of C{package} (a valid name) with C{query}, on C{base}.
    """
    image = base + badge_path(kind, package, query)
    target = pypi_page(package)
    return Snippets(
        markdown=_markdown(image, target, alt),
        rst=f".. image:: {image}\n    :target: {target}\n    :alt: {_rst_option(alt)}",
        html=_html(image, target, alt),
    )


def row_snippets(base: str, package: str, badges: Sequence[Tuple[str, str]], query: str) -> Snippets:
    """
    The snippets for a row of C{badges} (each a kind's name and its image's text) of
    C{package} (a valid name), all with C{query}, on C{base}: in Markdown and HTML a line for
    each, which a README shows side by side (one paragraph); in reStructuredText, which has
    no inline image of its own, a line of substitutions, each defined below it by the kind's
    name (a table's names differ).
    """
    target = pypi_page(package)
    images = [(kind, base + badge_path(kind, package, query), alt) for kind, alt in badges]
    if not images:
        return Snippets(markdown="", rst="", html="")
    return Snippets(
        markdown="\n".join(_markdown(image, target, alt) for _, image, alt in images),
        rst=" ".join(f"|{kind}|" for kind, _, _ in images) + "\n\n" + "\n".join(
            f".. |{kind}| image:: {image}\n    :target: {target}\n    :alt: {_rst_option(alt)}"
            for kind, image, alt in images
        ),
        html="\n".join(_html(image, target, alt) for _, image, alt in images),
    )
