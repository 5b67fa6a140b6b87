"""
The snippets a README embeds a badge with (Markdown, reStructuredText, HTML), and the
server's address they name: pure functions of what the client sent.
"""

import re
from html import escape
from typing import List, Optional, Tuple
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


def snippets(base: str, kind: str, package: str, query: str, alt: str) -> Snippets:
    """
    The snippets for badge C{kind} of C{package} (a valid name) with C{query}, on C{base}.
    """
    image = base + badge_path(kind, package, query)
    target = f"https://pypi.org/project/{package}/"
    return Snippets(
        markdown=f"[![{alt}]({image})]({target})",
        rst=f".. image:: {image}\n    :target: {target}\n    :alt: {alt}",
        html=f'<a href="{escape(target)}"><img src="{escape(image)}" alt="{escape(alt)}"></a>',
    )
