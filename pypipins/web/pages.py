"""
The web site around the badges, as pypip.in had one: a home page that shows every badge of a
package in every style with the snippets to paste into a README, and a page per badge kind.

Pure functions from a base URL and the query to HTML; no asset is fetched from anywhere, and
everything works without JavaScript but the copy buttons.
"""

import base64
import hashlib
import re
from html import escape
from typing import Dict, Iterable, List, Optional, Tuple
from urllib.parse import urlencode

import attrs

from pypipins import names
from pypipins.badges import STYLES
from pypipins.badges.pypip import PYPIP
from pypipins.render import FORMATS

#: The package the badge kind pages show their examples for.
EXAMPLE_PACKAGE = "twisted"

#: How much of an invalid name the page repeats: enough to recognise it.
ECHO_MAX = 200

#: What a Host header may be: a name or an IPv4 address, or an IPv6 one in brackets, and a
#: port. Anything else (quotes, angle brackets...) would end up in the page's markup.
_HOST = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


@attrs.frozen
class KindDoc:
    """
    What a badge kind's page says about it.
    """

    kind: str
    aliases: Tuple[str, ...]
    label: str
    shows: str
    #: Query parameters only this kind reads: (name, meaning).
    parameters: Tuple[Tuple[str, str], ...] = ()
    #: Query strings worth an example of their own.
    examples: Tuple[str, ...] = ()


#: Every badge kind, in the order the home page shows them, as pypip.in's table has them.
KIND_DOCS: Tuple[KindDoc, ...] = tuple(
    KindDoc(kind.name, kind.aliases, kind.label, kind.doc.shows, kind.doc.parameters, kind.doc.examples)
    for kind in PYPIP.kinds if kind.doc is not None
)
DOCS: Dict[str, KindDoc] = {
    name: doc for doc in KIND_DOCS for name in (doc.kind, *doc.aliases)
}

#: The parameters every badge reads.
COMMON_PARAMETERS = (
    ("style", ", ".join(STYLES) + "; flat is the default, and what anything else means."),
    ("label", "replaces the left text."),
    ("color", "the right side's colour: brightgreen, green, yellowgreen, yellow, orange, red, "
              "blue, grey, lightgrey, or a 3- or 6-digit hex with or without #. Error badges "
              "keep their own."),
    ("labelColor", "the left side's colour, the same way; grey by default."),
    ("version", "a release to describe instead of the latest (all badges but downloads); "
                "version not found when PyPI has no such release."),
    ("index", "one of the package indexes this server was started with (--index); pypi "
              "by default."),
)

#: The formats, for the pages: the image ones and shields' endpoint JSON.
EXTENSIONS = ", ".join(sorted(FORMATS))


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


# -- the pages ----------------------------------------------------------------------------------

_STYLE = """
:root { color-scheme: light dark; --bg: #fff; --fg: #1f2328; --muted: #59636e;
  --line: #d1d9e0; --code: #f6f8fa; --accent: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d;
    --code: #151b23; --accent: #4493f8; }
}
body { background: var(--bg); color: var(--fg); margin: 0 auto; max-width: 62rem;
  padding: 1rem 1.5rem 3rem; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--accent); }
header { border-bottom: 1px solid var(--line); margin-bottom: 1.5rem; }
header a { color: var(--fg); text-decoration: none; font-weight: 600; font-size: 1.3rem; }
form { display: flex; gap: .5rem; margin: 1rem 0; }
input[type=text] { flex: 1; font: inherit; padding: .4rem .6rem; color: var(--fg);
  background: var(--code); border: 1px solid var(--line); border-radius: 6px; }
button { font: inherit; padding: .3rem .8rem; color: var(--fg); background: var(--code);
  border: 1px solid var(--line); border-radius: 6px; cursor: pointer; }
section { border-top: 1px solid var(--line); padding-top: .5rem; margin-top: 1.5rem; }
.styles { display: flex; flex-wrap: wrap; gap: 1rem 1.5rem; align-items: center; }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: .8rem; }
.snippet { display: flex; gap: .5rem; align-items: flex-start; margin: .4rem 0; }
.snippet span { width: 9rem; flex: none; color: var(--muted); font-size: .85rem; }
pre { flex: 1; margin: 0; padding: .4rem .6rem; background: var(--code); overflow-x: auto;
  border: 1px solid var(--line); border-radius: 6px; font-size: .85rem; user-select: all; }
.error { color: #d1242f; font-weight: 600; }
table { border-collapse: collapse; }
td, th { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left;
  vertical-align: top; }
code { background: var(--code); padding: 0 .2rem; border-radius: 4px; }
"""

# The copy buttons: hidden in the markup, shown by this script, so that without JavaScript
# there is no button that does nothing.
_SCRIPT = """
function copyByHand(text) {
  var area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  var copied = false;
  try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
  document.body.removeChild(area);
  return copied;
}
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = document.getElementById(button.getAttribute("data-copy")).textContent;
    function said(word) {
      button.textContent = word;
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    }
    function byHand() { said(copyByHand(text) ? "Copied" : "Select and copy"); }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { said("Copied"); }, byHand);
    } else {
      byHand();
    }
  });
});
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


#: Only this page's own style and script, images from this server (and the empty icon),
#: the form to itself.
POLICY = (
    f"default-src 'none'; img-src 'self' data:; style-src {_csp_hash(_STYLE)}; "
    f"script-src {_csp_hash(_SCRIPT)}; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def _document(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"color-scheme\" content=\"light dark\">"
        # no icon, rather than a request for /favicon.ico that is a 404
        "<link rel=\"icon\" href=\"data:,\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        "<header><p><a href=\"/\">pypipins</a> &middot; badges for PyPI packages</p></header>"
        f"{body}<script>{_SCRIPT}</script></body></html>\n"
    ).encode("utf-8")


def _form(value: str) -> str:
    return (
        '<form action="/" method="get" role="search">'
        '<label for="package" hidden>Package</label>'
        f'<input type="text" id="package" name="package" value="{escape(value)}" '
        'placeholder="a package on PyPI, such as klein" autocomplete="off" spellcheck="false" '
        'required maxlength="128">'
        '<button type="submit">Show badges</button></form>'
    )


def _snippet_rows(ident: str, found: Snippets) -> str:
    rows = []
    for n, (name, text) in enumerate(found.by_name()):
        pre_id = f"{ident}-{n}"
        rows.append(
            f'<div class="snippet"><span>{name}</span><pre id="{pre_id}">{escape(text)}</pre>'
            f'<button type="button" data-copy="{pre_id}" hidden>Copy</button></div>'
        )
    return "".join(rows)


def _kind_list() -> str:
    items = "".join(
        f'<li><a href="/badges/{doc.kind}">{doc.kind}</a>: {escape(doc.shows)}</li>'
        for doc in KIND_DOCS
    )
    return f"<ul>{items}</ul>"


def _badges_of(base: str, package: str) -> str:
    sections = []
    for doc in KIND_DOCS:
        figures = "".join(
            f'<figure><img src="{escape(badge_path(doc.kind, package, style_query(style)))}" '
            f'alt="{escape(doc.label)} badge of {escape(package)}, {style}">'
            f"<figcaption>{style}</figcaption></figure>"
            for style in STYLES
        )
        flat = _snippet_rows(f"{doc.kind}-flat", snippets(base, doc.kind, package, "", doc.label))
        others = "".join(
            f"<h4>{style}</h4>"
            + _snippet_rows(
                f"{doc.kind}-{style}",
                snippets(base, doc.kind, package, style_query(style), doc.label),
            )
            for style in STYLES[1:]
        )
        sections.append(
            f'<section id="{doc.kind}"><h2><a href="/badges/{doc.kind}">{doc.kind}</a></h2>'
            f"<p>{escape(doc.shows)}</p><div class=\"styles\">{figures}</div>"
            f"<h3>flat</h3>{flat}"
            f"<details><summary>Snippets for the other styles</summary>{others}</details>"
            "</section>"
        )
    return "".join(sections)


def home(base: str, package: Optional[str]) -> Tuple[int, bytes]:
    """
    The home page: the form, and with a C{package} every badge of it; a 400 that says why
    for a name that cannot be a PyPI project's.
    """
    package = (package or "").strip()
    intro = (
        "<h1>Badges for PyPI packages</h1>"
        "<p>Type a package's name to see its badges, in every style, with the Markdown, "
        "reStructuredText and HTML to put them in a README.</p>"
    )
    if not package:
        return 200, _document("pypipins", intro + _form("") + "<h2>The badges</h2>" + _kind_list())
    if not names.is_valid(package):
        shown = package[:ECHO_MAX]
        message = (
            f'<p class="error">&ldquo;{escape(shown)}&rdquo; cannot be the name of a PyPI '
            "project: names are letters, digits, '-', '_' and '.', start and end with a letter "
            "or digit, and are at most 128 characters long.</p>"
        )
        return 400, _document("pypipins: invalid name", intro + _form(shown) + message)
    body = (
        intro + _form(package)
        + f'<p>Badges of <a href="https://pypi.org/project/{escape(package)}/">'
        f"{escape(package)}</a>, served by <code>{escape(base)}</code>:</p>"
        + _badges_of(base, package)
    )
    return 200, _document(f"pypipins: {package}", body)


def _parameter_rows(parameters: Iterable[Tuple[str, str]]) -> str:
    return "".join(
        f"<tr><th><code>{escape(name)}</code></th><td>{escape(meaning)}</td></tr>"
        for name, meaning in parameters
    )


def kind_page(base: str, kind: str) -> Optional[bytes]:
    """
    What badge C{kind} shows and the parameters it reads, with examples; L{None} for a kind
    there is not.
    """
    doc = DOCS.get(kind)
    if doc is None:
        return None
    aliases = "".join(f" (also <code>/{alias}/</code>)" for alias in doc.aliases)
    queries = [style_query(style) for style in STYLES] + list(doc.examples) + [
        "label=my%20label", "color=orange", "labelColor=007ec6",
    ]
    examples = "".join(
        f'<tr><td><img src="{escape(badge_path(doc.kind, EXAMPLE_PACKAGE, q))}" '
        f'alt="{escape(doc.label)} badge, {escape(q or "style=flat")}"></td>'
        f"<td><code>{escape(base + badge_path(doc.kind, EXAMPLE_PACKAGE, q))}</code></td></tr>"
        for q in queries
    )
    body = (
        f"<h1>The {escape(doc.kind)} badge</h1><p>{escape(doc.shows)}</p>"
        f"<p>Label: <code>{escape(doc.label)}</code>. URL: "
        f"<code>{escape(base)}/{escape(doc.kind)}/&lt;package&gt;/badge.&lt;ext&gt;</code>"
        f"{aliases}, where <code>&lt;ext&gt;</code> is one of {escape(EXTENSIONS)} "
        "(json is shields.io's endpoint schema). A package PyPI does not know says "
        "<em>package not found</em>, a name that cannot be one says <em>invalid package "
        "name</em>, and an upstream that fails with nothing kept says <em>unavailable</em>.</p>"
        "<h2>Query parameters</h2><table>"
        + _parameter_rows(doc.parameters + COMMON_PARAMETERS)
        + f"</table><h2>Examples, for {EXAMPLE_PACKAGE}</h2><table>{examples}</table>"
        "<h2>Another package</h2>" + _form("")
    )
    return _document(f"pypipins: the {doc.kind} badge", body)


def not_found_page() -> bytes:
    return _document(
        "pypipins: no such page",
        "<h1>No such page</h1><p>The badges are:</p>" + _kind_list(),
    )
