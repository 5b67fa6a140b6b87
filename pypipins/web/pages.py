"""
The web site around the badges, as pypip.in had one: a home page that shows every badge of a
package in every style with the snippets to paste into a README, and a page per badge kind.

Pages are made with twisted.web.template, which escapes every text and attribute: the
document is C{templates/page.xml}, its style and script C{static/site.css} and
C{static/site.js} (package data, inlined so that the policy can name them by hash). No asset
is fetched from anywhere, and everything works without JavaScript but the copy buttons.
"""

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import urlencode
from typing import Dict, Iterable, List, Optional, Tuple

import attrs
from twisted.python.filepath import FilePath
from twisted.web.template import Tag, XMLFile, flattenString, tags

from pypipins import names
from pypipins.badges.pypip import PYPIP
from pypipins.render import FORMATS
from pypipins.render.svg import STYLES
from pypipins.web.snippets import Snippets, badge_path, snippets, style_query

#: The package the badge kind pages show their examples for.
EXAMPLE_PACKAGE = "twisted"

#: How much of an invalid name the page repeats: enough to recognise it.
ECHO_MAX = 200

_HERE = Path(__file__).parent
_PAGE = XMLFile(FilePath(str(_HERE / "templates" / "page.xml")))
_STYLE = (_HERE / "static" / "site.css").read_text(encoding="utf-8")
_SCRIPT = (_HERE / "static" / "site.js").read_text(encoding="utf-8")


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
              "blue, grey, lightgrey, a 3- or 6-digit hex with or without #, or a CSS colour "
              "(a name such as rebeccapurple, rgb(), rgba(), hsl(), hsla()). Error badges "
              "keep their own."),
    ("labelColor", "the left side's colour, the same way; grey by default."),
    ("colorA, colorB", "shields.io's older names of labelColor and color."),
    ("logo", "a simple-icons icon drawn before the label, by its name or title (python, pypi, "
             "github...), or a data: URI of an image of your own."),
    ("logoColor", "the colour of a named icon; by default its brand's."),
    ("logoSize", "auto: an icon that is not square is drawn as wide as it is."),
    ("link", "up to two http or https URLs: one links the whole badge, two the left and the "
             "right side each (in an SVG shown on its own, or embedded with <object>)."),
    ("cacheSeconds", "how long browsers and caches may keep the badge, when longer than the "
                     "badge's own; an error badge keeps its own (maxAge is its older name)."),
    ("version", "a release to describe instead of the latest (all badges but downloads); "
                "version not found when PyPI has no such release."),
    ("index", "one of the package indexes this server was started with (--index); pypi "
              "by default."),
)

#: The logos the home page's builder offers first; any simple-icons name may be typed.
COMMON_LOGOS = ("python", "pypi", "github", "gitlab", "readthedocs", "django", "pytest")

#: What the builder takes as a logo: a simple-icons name or title. A data URI, which the
#: badges take too, would repeat kilobytes in each of the page's hundreds of URLs.
_LOGO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .+_!&'-]{0,63}")

#: The formats, for the pages: the image ones and shields' endpoint JSON.
EXTENSIONS = ", ".join(sorted(FORMATS))


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


#: Only this page's own style and script, images from this server (and the empty icon),
#: the form to itself.
POLICY = (
    f"default-src 'none'; img-src 'self' data:; style-src {_csp_hash(_STYLE)}; "
    f"script-src {_csp_hash(_SCRIPT)}; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def _document(title: str, *content: "Tag | str") -> bytes:
    page = _PAGE.load()[0]
    assert isinstance(page, Tag)
    page.fillSlots(title=title, style=_STYLE, script=_SCRIPT, content=list(content))
    flattened: List[bytes] = []
    # nothing in a page waits on anything: flattened at once
    flattenString(None, page).addCallback(flattened.append)
    # the template's parser keeps no doctype
    return b"<!DOCTYPE html>\n" + flattened[0] + b"\n"


def _form(value: str, logo: str = "") -> Tag:
    return tags.form(action="/", method="get", role="search")(
        tags.label(hidden="", **{"for": "package"})("Package"),
        tags.input(
            type="text", id="package", name="package", value=value,
            placeholder="a package on PyPI, such as klein", autocomplete="off",
            spellcheck="false", required="", maxlength="128",
        ),
        tags.label(**{"for": "logo"})("Logo"),
        # a free field, with the common ones offered as it is typed in
        tags.input(
            type="text", id="logo", name="logo", value=logo, list="logos",
            placeholder="none; python, pypi...", autocomplete="off", spellcheck="false",
            maxlength="64",
        ),
        tags.datalist(id="logos")(*(tags.option(value=name) for name in COMMON_LOGOS)),
        tags.button(type="submit")("Show badges"),
    )


def badge_query(style: str, logo: str = "") -> str:
    """
    The query of a badge the home page shows: its style, and the logo chosen.
    """
    query = style_query(style)
    if not logo:
        return query
    return "&".join(part for part in (query, urlencode({"logo": logo})) if part)


def _snippet_rows(ident: str, found: Snippets) -> List[Tag]:
    rows = []
    for n, (name, text) in enumerate(found.by_name()):
        pre_id = f"{ident}-{n}"
        rows.append(tags.div(class_="snippet")(
            tags.span(name), tags.pre(id=pre_id)(text),
            tags.button(type="button", hidden="", **{"data-copy": pre_id})("Copy"),
        ))
    return rows


def _kind_list() -> Tag:
    return tags.ul(*(
        tags.li(tags.a(href=f"/badges/{doc.kind}")(doc.kind), ": ", doc.shows)
        for doc in KIND_DOCS
    ))


def _badges_of(base: str, package: str, logo: str) -> List[Tag]:
    sections = []
    for doc in KIND_DOCS:
        figures = [
            tags.figure(
                tags.img(src=badge_path(doc.kind, package, badge_query(style, logo)),
                         alt=f"{doc.label} badge of {package}, {style}"),
                tags.figcaption(style),
            )
            for style in STYLES
        ]
        others: List["Tag | List[Tag]"] = []
        for style in STYLES[1:]:
            others.append(tags.h4(style))
            others.append(_snippet_rows(
                f"{doc.kind}-{style}",
                snippets(base, doc.kind, package, badge_query(style, logo), doc.label),
            ))
        sections.append(tags.section(id=doc.kind)(
            tags.h2(tags.a(href=f"/badges/{doc.kind}")(doc.kind)),
            tags.p(doc.shows), tags.div(class_="styles")(*figures),
            tags.h3("flat"),
            _snippet_rows(f"{doc.kind}-flat", snippets(base, doc.kind, package, badge_query("flat", logo), doc.label)),
            tags.details(tags.summary("Snippets for the other styles"), *others),
        ))
    return sections


_INTRO = (
    tags.h1("Badges for PyPI packages"),
    tags.p("Type a package's name to see its badges, in every style, with the Markdown, "
           "reStructuredText and HTML to put them in a README."),
)


def home(base: str, package: Optional[str], logo: Optional[str] = None) -> Tuple[int, bytes]:
    """
    The home page: the form, and with a C{package} every badge of it, with the C{logo}
    chosen if any; a 400 that says why for a name that cannot be a PyPI project's, or a
    logo that cannot be an icon's name.
    """
    package = (package or "").strip()
    logo = (logo or "").strip()
    if not package:
        return 200, _document("pypipins", *_INTRO, _form("", logo[:ECHO_MAX]), tags.h2("The badges"), _kind_list())
    if logo and not _LOGO_NAME.fullmatch(logo):
        message = tags.p(class_="error")(
            f"\u201c{logo[:ECHO_MAX]}\u201d is not the name of an icon: a logo here is a "
            "simple-icons name or title, such as python or pypi (letters, digits, spaces and "
            ". + _ ! & ' -, at most 64 characters). A badge URL also takes a data: URI."
        )
        return 400, _document("pypipins: invalid logo", *_INTRO, _form(package[:ECHO_MAX]), message)
    if not names.is_valid(package):
        shown = package[:ECHO_MAX]
        message = tags.p(class_="error")(
            f"\u201c{shown}\u201d cannot be the name of a PyPI project: names are letters, "
            "digits, '-', '_' and '.', start and end with a letter or digit, and are at most "
            "128 characters long."
        )
        return 400, _document("pypipins: invalid name", *_INTRO, _form(shown, logo[:ECHO_MAX]), message)
    return 200, _document(
        f"pypipins: {package}", *_INTRO, _form(package, logo),
        tags.p("Badges of ", tags.a(href=f"https://pypi.org/project/{package}/")(package),
               ", served by ", tags.code(base), ":"),
        *_badges_of(base, package, logo),
    )


def _parameter_rows(parameters: Iterable[Tuple[str, str]]) -> List[Tag]:
    return [tags.tr(tags.th(tags.code(name)), tags.td(meaning)) for name, meaning in parameters]


def kind_page(base: str, kind: str) -> Optional[bytes]:
    """
    What badge C{kind} shows and the parameters it reads, with examples; L{None} for a kind
    there is not.
    """
    doc = DOCS.get(kind)
    if doc is None:
        return None
    aliases = [[" (also ", tags.code(f"/{alias}/"), ")"] for alias in doc.aliases]
    queries = [style_query(style) for style in STYLES] + list(doc.examples) + [
        "label=my%20label", "color=orange", "labelColor=007ec6", "logo=python",
        "logo=pypi&logoColor=white&style=for-the-badge",
    ]
    examples = [
        tags.tr(
            tags.td(tags.img(src=badge_path(doc.kind, EXAMPLE_PACKAGE, q),
                             alt=f"{doc.label} badge, {q or 'style=flat'}")),
            tags.td(tags.code(base + badge_path(doc.kind, EXAMPLE_PACKAGE, q))),
        )
        for q in queries
    ]
    return _document(
        f"pypipins: the {doc.kind} badge",
        tags.h1(f"The {doc.kind} badge"), tags.p(doc.shows),
        tags.p(
            "Label: ", tags.code(doc.label), ". URL: ",
            tags.code(f"{base}/{doc.kind}/<package>/badge.<ext>"), aliases,
            ", where ", tags.code("<ext>"), f" is one of {EXTENSIONS} (json is shields.io's "
            "endpoint schema). A package PyPI does not know says ",
            tags.em("package not found"), ", a name that cannot be one says ",
            tags.em("invalid package name"), ", and an upstream that fails with nothing kept "
            "says ", tags.em("unavailable"), ".",
        ),
        tags.h2("Query parameters"),
        tags.table(*_parameter_rows(doc.parameters + COMMON_PARAMETERS)),
        tags.h2(f"Examples, for {EXAMPLE_PACKAGE}"), tags.table(*examples),
        tags.h2("Another package"), _form(""),
    )


def not_found_page() -> bytes:
    return _document(
        "pypipins: no such page", tags.h1("No such page"), tags.p("The badges are:"), _kind_list()
    )
