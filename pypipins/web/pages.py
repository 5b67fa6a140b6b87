"""
The web site around the badges, as pypip.in had one: a home page where a package's README
row of badges is built (L{pypipins.web.row}) above every badge of it in every style with the
snippets to paste, and a page per badge kind.

The document is C{templates/page.xml}, flattened once by twisted.web.template, its style and
script C{static/site.css} and C{static/site.js} (package data, inlined so that the policy can
name them by hash). What goes in it is written by L{pypipins.web.markup}, which escapes every
text and attribute as twisted.web.template does, some ten times faster; what is the same for
everyone is made once, and a package's page once for each address and logo (L{PackagePages}):
a page is asked for any name, made-up ones too, and must cost little. No asset is fetched
from anywhere, and everything works without JavaScript but the copy buttons and the row
drawn as it is chosen (the builder's form is sent instead).
"""

import base64
import hashlib
from pathlib import Path
from collections import OrderedDict
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from twisted.python.filepath import FilePath
from twisted.web.template import Tag, XMLFile, flattenString

from pypipins import names
from pypipins.badges import Kind, KindDoc
from pypipins.badges.pypip import PYPIP
from pypipins.render import FORMATS
from pypipins.render.svg import STYLES
from pypipins.web import row as rows
from pypipins.web.markup import Content, Markup, element, join, text
from pypipins.web.row import LOGO_NAME, Row, logo_field, search_row
from pypipins.web.snippets import Snippets, badge_path, badge_query, snippets, style_query

#: The package the badge kind pages show their examples for.
EXAMPLE_PACKAGE = "twisted"

#: How much of an invalid name the page repeats: enough to recognise it.
ECHO_MAX = 200

_HERE = Path(__file__).parent
_PAGE = XMLFile(FilePath(str(_HERE / "templates" / "page.xml")))
_STYLE = (_HERE / "static" / "site.css").read_text(encoding="utf-8")
_SCRIPT = (_HERE / "static" / "site.js").read_text(encoding="utf-8")


#: Every badge kind, in the order the home page shows them, as pypip.in's table has them, with
#: what its page says of it.
KIND_DOCS: Tuple[Tuple[Kind, KindDoc], ...] = tuple(
    (kind, kind.doc) for kind in PYPIP.kinds if kind.doc is not None
)
DOCS: Dict[str, Tuple[Kind, KindDoc]] = {
    name: (kind, doc) for kind, doc in KIND_DOCS for name in (kind.name, *kind.aliases)
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

#: The builder of a README's row of these kinds, in the order a row shows them.
ROW_BUILDER = rows.Builder(rows.in_row_order(KIND_DOCS))

#: The row a package's page shows first, the one its page is kept with.
DEFAULT_ROW = ROW_BUILDER.default

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


def _frame() -> Tuple[bytes, bytes, bytes]:
    """
    C{templates/page.xml} with the style and script in, flattened once by twisted.web.template:
    what comes before the title, between the title and the content, and after the content.
    """
    title, content = "\x00title\x00", "\x00content\x00"
    page = _PAGE.load()[0]
    assert isinstance(page, Tag)
    page.fillSlots(title=title, style=_STYLE, script=_SCRIPT, content=content)
    flattened: List[bytes] = []
    # nothing in the frame waits on anything: flattened at once
    flattenString(None, page).addCallback(flattened.append)
    head, rest = flattened[0].split(title.encode())
    middle, tail = rest.split(content.encode())
    # the template's parser keeps no doctype
    return b"<!DOCTYPE html>\n" + head, middle, tail + b"\n"


_HEAD, _MIDDLE, _TAIL = _frame()


def _document(title: str, *content: Content) -> bytes:
    return b"".join((_HEAD, text(title).encode("utf-8"), _MIDDLE, join(*content).encode("utf-8"), _TAIL))


def _form(value: str, logo: str = "") -> Markup:
    return element(
        "form", {"action": "/", "method": "get", "role": "search"},
        search_row(value), element("p", {"class": "logo"}, logo_field(logo)),
    )


def _snippet_rows(ident: str, found: Snippets) -> List[Markup]:
    rows = []
    for n, (name, snippet) in enumerate(found.by_name()):
        pre_id = f"{ident}-{n}"
        rows.append(element(
            "div", {"class": "snippet"},
            element("span", {}, name), element("pre", {"id": pre_id}, snippet),
            element("button", {"type": "button", "hidden": "", "data-copy": pre_id}, "Copy"),
        ))
    return rows


#: The list of badges, as the home page and the page of no such page show it.
_KIND_LIST = element("ul", {}, [
    element("li", {}, element("a", {"href": f"/badges/{kind.name}"}, kind.name), ": ", doc.shows)
    for kind, doc in KIND_DOCS
])

#: What each kind's section on a package's page begins with: its heading and what it shows.
_SECTION_HEADS = {
    kind.name: join(element("h2", {}, element("a", {"href": f"/badges/{kind.name}"}, kind.name)),
                    element("p", {}, doc.shows))
    for kind, doc in KIND_DOCS
}


def _badges_of(base: str, package: str, logo: str) -> List[Markup]:
    queries = [(style, badge_query(style, logo)) for style in STYLES]
    sections = []
    for kind, _ in KIND_DOCS:
        figures = [
            element(
                "figure", {},
                element("img", {"src": badge_path(kind.name, package, query),
                                "alt": f"{kind.label} badge of {package}, {style}"}),
                element("figcaption", {}, style),
            )
            for style, query in queries
        ]
        others: List[Content] = []
        for style, query in queries[1:]:
            others.append(element("h4", {}, style))
            others.append(_snippet_rows(
                f"{kind.name}-{style}", snippets(base, kind.name, package, query, kind.label),
            ))
        sections.append(element(
            "section", {"id": kind.name},
            _SECTION_HEADS[kind.name], element("div", {"class": "styles"}, figures),
            _FLAT_HEADING,
            _snippet_rows(f"{kind.name}-flat", snippets(base, kind.name, package, queries[0][1], kind.label)),
            element("details", {}, _OTHER_STYLES, others),
        ))
    return sections


_FLAT_HEADING = element("h3", {}, "flat")
_OTHER_STYLES = element("summary", {}, "Snippets for the other styles")

_INTRO = join(
    element("h1", {}, "Badges for PyPI packages"),
    element("p", {}, "Type a package's name to build the row of badges its README shows, and to see "
                     "every badge of it in every style, with the Markdown, reStructuredText and HTML "
                     "to paste."),
)

_PACKAGE_INTRO = join(
    element("h1", {}, "Badges for PyPI packages"),
    element("p", {}, "Tick the badges of the README's row, choose their style and a logo: the row "
                     "below is drawn as it is chosen, and one snippet puts all of it in the README. ",
            element("a", {"href": "#every-badge"}, "Every badge in every style"), " follows."),
)

_EVERY_BADGE = element("h2", {"id": "every-badge"}, "Every badge in every style")

_BADGES_HEADING = element("h2", {}, "The badges")

#: The home page without a package, the same for everyone.
_HOME = _document("pypipins", _INTRO, _form(""), _BADGES_HEADING, _KIND_LIST)


def _builder(base: str, package: str, logo: str, row: Row) -> bytes:
    return ROW_BUILDER.markup(base, package, logo, row).encode("utf-8")


def _package_parts(base: str, package: str, logo: str) -> Tuple[bytes, bytes]:
    """
    A package's page but its row's builder: what comes before it, and after.
    """
    return (
        b"".join((_HEAD, text(f"pypipins: {package}").encode("utf-8"), _MIDDLE,
                  _PACKAGE_INTRO.encode("utf-8"))),
        join(
            _EVERY_BADGE,
            element("p", {}, "Badges of ", element("a", {"href": f"https://pypi.org/project/{package}/"}, package),
                    ", served by ", element("code", {}, base), ":"),
            _badges_of(base, package, logo),
        ).encode("utf-8") + _TAIL,
    )


def package_page(base: str, package: str, logo: str, row: Row = DEFAULT_ROW) -> bytes:
    """
    The page of C{package} (a valid name) on C{base}, with C{logo} (an icon's name or none)
    and the C{row} chosen: the row's builder first, then every badge in every style.
    """
    before, after = _package_parts(base, package, logo)
    return b"".join((before, _builder(base, package, logo, row), after))


#: The name a page is made with to be kept: a valid name, so written as it is everywhere.
_BLANK = "pypipins-blank-name-0f6a1c"

#: Pages kept with a blank for the name, each for one address and logo: some 100 kB each.
#: Most sites are reached at one address or two, their pages asked with a few logos.
KEPT_PAGES = 16


class PackagePages:
    """
    Packages' pages, made once for each address and logo and kept with a blank for the name.

    A package's page differs from another's on the same address with the same logo only by
    the name, and a valid name (letters, digits, '.', '_' and '-') is written as it is
    wherever the page has it: nothing HTML or a URL escapes. So the page made for a blank
    name, split where the name is, is joined with any name's, and a page costs its joining
    (a tenth of a millisecond), made-up names' as real ones'. The row's builder is kept so
    too for the default row; another row's (a form sent without the page's script) is made
    for the page, a few kilobytes.

    @param kept: how many addresses and logos' pages are kept, the least recently asked
        given up first.
    """

    def __init__(self, kept: int = KEPT_PAGES) -> None:
        self._kept_most = kept
        self._kept: OrderedDict[Tuple[str, str], Tuple[List[bytes], List[bytes], List[bytes]]] = OrderedDict()

    def page(self, base: str, package: str, logo: str, row: Row = DEFAULT_ROW) -> bytes:
        """
        L{package_page}C{(base, package, logo, row)}.
        """
        if _BLANK in base or _BLANK in logo:
            # the blank would be found where it stands for no name
            return package_page(base, package, logo, row)
        key = (base, logo)
        kept = self._kept.get(key)
        blank = _BLANK.encode("ascii")
        if kept is None:
            before, after = _package_parts(base, _BLANK, logo)
            kept = (before.split(blank), _builder(base, _BLANK, logo, DEFAULT_ROW).split(blank),
                    after.split(blank))
            self._kept[key] = kept
            if len(self._kept) > self._kept_most:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(key)
        name = package.encode("ascii")
        before_pieces, builder_pieces, after_pieces = kept
        builder = name.join(builder_pieces) if row == DEFAULT_ROW else _builder(base, package, logo, row)
        return b"".join((name.join(before_pieces), builder, name.join(after_pieces)))


def home(
    base: str, package: Optional[str], logo: Optional[str] = None,
    pages: Callable[[str, str, str, Row], bytes] = package_page, row: Row = DEFAULT_ROW,
) -> Tuple[int, bytes]:
    """
    The home page: the form, and with a C{package} the builder of its C{row} and every
    badge of it, with the C{logo} chosen if any; a 400 that says why for a name that cannot
    be a PyPI project's, or a logo that cannot be an icon's name.

    @param pages: what makes a package's page (L{package_page}, or L{PackagePages.page}).
    """
    package = (package or "").strip()
    logo = (logo or "").strip()
    if not package:
        if not logo:
            return 200, _HOME
        return 200, _document("pypipins", _INTRO, _form("", logo[:ECHO_MAX]), _BADGES_HEADING, _KIND_LIST)
    if logo and not LOGO_NAME.fullmatch(logo):
        message = element("p", {"class": "error"}, (
            f"\u201c{logo[:ECHO_MAX]}\u201d is not the name of an icon: a logo here is a "
            "simple-icons name or title, such as python or pypi (letters, digits, spaces and "
            ". + _ ! & ' -, at most 64 characters). A badge URL also takes a data: URI."
        ))
        return 400, _document("pypipins: invalid logo", _INTRO, _form(package[:ECHO_MAX]), message)
    if not names.is_valid(package):
        shown = package[:ECHO_MAX]
        message = element("p", {"class": "error"}, (
            f"\u201c{shown}\u201d cannot be the name of a PyPI project: names are letters, "
            "digits, '-', '_' and '.', start and end with a letter or digit, and are at most "
            "128 characters long."
        ))
        return 400, _document("pypipins: invalid name", _INTRO, _form(shown, logo[:ECHO_MAX]), message)
    return 200, pages(base, package, logo, row)


def _parameter_rows(parameters: Iterable[Tuple[str, str]]) -> List[Markup]:
    return [element("tr", {}, element("th", {}, element("code", {}, name)), element("td", {}, meaning))
            for name, meaning in parameters]


def kind_page(base: str, kind: str) -> Optional[bytes]:
    """
    What badge C{kind} shows and the parameters it reads, with examples; L{None} for a kind
    there is not.
    """
    found = DOCS.get(kind)
    if found is None:
        return None
    documented, doc = found
    aliases = [[" (also ", element("code", {}, f"/{alias}/"), ")"] for alias in documented.aliases]
    queries = [style_query(style) for style in STYLES] + list(doc.examples) + [
        "label=my%20label", "color=orange", "labelColor=007ec6", "logo=python",
        "logo=pypi&logoColor=white&style=for-the-badge",
    ]
    examples = [
        element(
            "tr", {},
            element("td", {}, element("img", {"src": badge_path(documented.name, EXAMPLE_PACKAGE, q),
                                              "alt": f"{documented.label} badge, {q or 'style=flat'}"})),
            element("td", {}, element("code", {}, base + badge_path(documented.name, EXAMPLE_PACKAGE, q))),
        )
        for q in queries
    ]
    return _document(
        f"pypipins: the {documented.name} badge",
        element("h1", {}, f"The {documented.name} badge"), element("p", {}, doc.shows),
        element(
            "p", {},
            "Label: ", element("code", {}, documented.label), ". URL: ",
            element("code", {}, f"{base}/{documented.name}/<package>/badge.<ext>"), aliases,
            ", where ", element("code", {}, "<ext>"), f" is one of {EXTENSIONS} (json is shields.io's "
            "endpoint schema). A package PyPI does not know says ",
            element("em", {}, "package not found"), ", a name that cannot be one says ",
            element("em", {}, "invalid package name"), ", and an upstream that fails with nothing kept "
            "says ", element("em", {}, "unavailable"), ".",
        ),
        element("h2", {}, "Query parameters"),
        element("table", {}, _parameter_rows(doc.parameters + COMMON_PARAMETERS)),
        element("h2", {}, f"Examples, for {EXAMPLE_PACKAGE}"), element("table", {}, examples),
        element("h2", {}, "Another package"), _form(""),
    )


#: The page of a path there is not, the same for everyone.
_NOT_FOUND = _document(
    "pypipins: no such page", element("h1", {}, "No such page"), element("p", {}, "The badges are:"), _KIND_LIST
)


def not_found_page() -> bytes:
    return _NOT_FOUND
