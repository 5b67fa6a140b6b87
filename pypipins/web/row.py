"""
The row of badges a README shows, as a package's page builds it: what was chosen (the
badges ticked, one style, a logo, the snippet's language, all in the page's query) and the
builder's markup, made from the kinds' table so that a kind is offered as soon as it is in it.

The page's script (C{static/site.js}) draws the row and its snippet again as the choice
changes; without it the form is sent, and the page comes back with the row chosen.
"""

import re
from typing import Dict, Optional, Sequence, Tuple

import attrs

from pypipins.badges import Kind, KindDoc
from pypipins.render.svg import STYLES
from pypipins.web.markup import Content, Markup, element, join
from pypipins.web.snippets import badge_path, badge_query, row_snippets

#: The languages a row's snippet is written in: the query's name and what the page says.
LANGUAGES = (("markdown", "Markdown"), ("rst", "reStructuredText"), ("html", "HTML"))
_LANGUAGE_NAMES = frozenset(name for name, _ in LANGUAGES)

#: The badges ticked at first: what a README's row most often shows (the version, the
#: Pythons, the license, the downloads, whether there are wheels).
DEFAULT_BADGES = ("v", "py_versions", "license", "d", "wheel")

#: The logos the builder offers first; any simple-icons name may be typed.
COMMON_LOGOS = ("python", "pypi", "github", "gitlab", "readthedocs", "django", "pytest")

#: What the builder takes as a logo: a simple-icons name or title. A data URI, which the
#: badges take too, would repeat kilobytes in each of the page's hundreds of URLs. The
#: logo field's pattern too, which browsers read as a JavaScript pattern with the v flag,
#: where a '-' in a class is escaped (else the pattern is ignored).
LOGO_PATTERN = r"[A-Za-z0-9][A-Za-z0-9 .+_!&'\-]{0,63}"
LOGO_NAME = re.compile(LOGO_PATTERN)

#: A snippet's box is as tall as its lines and one, up to this many (reStructuredText's row
#: of five is sixteen lines).
MOST_ROWS = 24


@attrs.frozen
class Row:
    """
    A row chosen: the badges (kinds' names, in the table's order), their style, and the
    language its snippet is shown in; the logo is the page's own (it is in every URL of it).
    """

    #: In the order the builder offers them (L{in_row_order}).
    badges: Tuple[str, ...]
    style: str = "flat"
    language: str = "markdown"


def in_row_order(kinds: Sequence[Tuple[Kind, KindDoc]]) -> Tuple[Tuple[Kind, KindDoc], ...]:
    """
    C{kinds} in the order a row shows them: L{DEFAULT_BADGES}' first, in its order, then
    the others in C{kinds}' order.
    """
    first = {name: n for n, name in enumerate(DEFAULT_BADGES)}
    return tuple(sorted(kinds, key=lambda pair: first.get(pair[0].name, len(first))))


def default_row(kinds: Sequence[str]) -> Row:
    """
    The row a package's page shows first: L{DEFAULT_BADGES} that C{kinds} (in the row's
    order) has.
    """
    return Row(tuple(name for name in kinds if name in DEFAULT_BADGES))


def chosen(
    kinds: Sequence[str], sent: Optional[str], ticked: Sequence[str],
    style: Optional[str], language: Optional[str],
) -> Row:
    """
    The row of C{kinds} (in the row's order) the query asks for: C{sent} says the builder's
    form was sent, in which case the badges are those C{ticked} (none, if none is: an
    unticked box sends nothing), else the default ones. A kind there is not, a style or a
    language there is not, are left for the default: a link kept from before a change still shows a row.
    """
    badges = default_row(kinds).badges if not sent else tuple(name for name in kinds if name in ticked)
    return Row(
        badges,
        style if style in STYLES else "flat",
        language if language in _LANGUAGE_NAMES else "markdown",
    )


def _lines(snippet: str) -> str:
    # and one for the scroll bar of lines wider than the box
    return str(min(snippet.count("\n") + 2, MOST_ROWS))


def search_row(package: str) -> Markup:
    """
    The package's field and the button that sends the form it is in.
    """
    return element(
        "div", {"class": "search"},
        element("label", {"hidden": "", "for": "package"}, "Package"),
        element("input", {
            "type": "text", "id": "package", "name": "package", "value": package,
            "placeholder": "a package on PyPI, such as klein", "autocomplete": "off",
            "spellcheck": "false", "required": "", "maxlength": "128",
        }),
        element("button", {"type": "submit"}, "Show badges"),
    )


#: The logos offered as one types, the same on every page.
LOGOS = element("datalist", {"id": "logos"}, [element("option", {"value": name}) for name in COMMON_LOGOS])


def logo_field(logo: str, labelled: bool = True) -> Markup:
    """
    The logo's field: free, with the common ones offered as it is typed in; C{labelled}
    shows its label (a legend may say it instead).
    """
    return join(
        element("label", {"for": "logo"} if labelled else {"for": "logo", "hidden": ""}, "Logo"),
        element("input", {
            "type": "text", "id": "logo", "name": "logo", "value": logo, "list": "logos",
            "placeholder": "none; python, pypi...", "autocomplete": "off", "spellcheck": "false",
            "maxlength": "64", "pattern": LOGO_PATTERN,
        }),
        LOGOS,
    )


def _choice(kind: str, name: str, value: str, checked: bool, text: Content, **extra: str) -> Markup:
    attributes: Dict[str, str] = {"type": kind, "name": name, "value": value, **extra}
    if checked:
        attributes["checked"] = ""
    return element("label", {}, element("input", attributes), " ", text)


def _kind_said(kind: Kind) -> Content:
    # the kind's name is its URL's; its label, when another, is what the badge says
    if kind.label == kind.name:
        return kind.name
    return [kind.name, " ", element("span", {"class": "label"}, kind.label)]


class Builder:
    """
    The builder of a README's row of the C{kinds} it is made with (in the row's order):
    what of its form is the same for every package and logo (each box ticked and not, each
    style and language chosen and not) is written once, so that a package's builder costs
    the few elements that name it, for a page made with a row of its own.
    """

    def __init__(self, kinds: Sequence[Tuple[Kind, KindDoc]]) -> None:
        self.names = tuple(kind.name for kind, _ in kinds)
        #: The row a page shows first.
        self.default = default_row(self.names)
        self._labels = {kind.name: kind.label for kind, _ in kinds}
        self._boxes = {
            (kind.name, ticked): _choice("checkbox", "badge", kind.name, ticked, _kind_said(kind),
                                         **{"data-alt": kind.label, "title": doc.shows})
            for kind, doc in kinds for ticked in (False, True)
        }
        self._styles = {(style, chosen): _choice("radio", "style", style, chosen, style)
                        for style in STYLES for chosen in (False, True)}
        self._languages = {(name, chosen): _choice("radio", "format", name, chosen, said)
                           for name, said in LANGUAGES for chosen in (False, True)}

    def chosen(self, sent: Optional[str], ticked: Sequence[str], style: Optional[str],
               language: Optional[str]) -> Row:
        """
        L{chosen} of this builder's kinds.
        """
        return chosen(self.names, sent, ticked, style, language)

    def markup(self, base: str, package: str, logo: str, row: Row) -> Markup:
        """
        The builder of C{package}'s C{row} on C{base}, with C{logo} (a valid icon's name, or
        none): the form (the package, a box for each kind, the styles, the logo, the
        languages), the row drawn, and its snippet to copy.
        """
        query = badge_query(row.style, logo)
        badges = [(name, self._labels[name]) for name in row.badges if name in self._labels]
        snippet = getattr(row_snippets(base, package, badges, query), row.language)
        return element(
            "div", {"id": "row-builder"},
            element(
                "form", {"action": "/", "method": "get", "id": "builder", "data-base": base,
                         "data-package": package},
                search_row(package),
                _SENT,
                element("fieldset", {"class": "badges"}, _BADGES_LEGEND,
                        [self._boxes[name, name in row.badges] for name in self.names]),
                element("fieldset", {}, _STYLE_LEGEND,
                        [self._styles[style, style == row.style] for style in STYLES]),
                element("fieldset", {}, _LOGO_LEGEND, logo_field(logo, labelled=False)),
                element("fieldset", {}, _SNIPPET_LEGEND,
                        [self._languages[name, name == row.language] for name, _ in LANGUAGES]),
                _DRAW,
            ),
            element("p", {"id": "row-preview", "class": "row"}, [
                element("img", {"src": badge_path(name, package, query), "alt": alt}) for name, alt in badges
            ]),
            element(
                "div", {"class": "snippet"},
                # a line of the snippet on a line of the box, which is as tall as they are
                element("textarea", {"id": "row-snippet", "readonly": "", "spellcheck": "false",
                                     "wrap": "off", "rows": _lines(snippet),
                                     "aria-label": "The row's snippet"}, snippet),
                _COPY,
            ),
        )


# says the form was sent: its boxes, unticked, send nothing
_SENT = element("input", {"type": "hidden", "name": "row", "value": "1"})
_BADGES_LEGEND = element("legend", {}, "Badges")
_STYLE_LEGEND = element("legend", {}, "Style")
_LOGO_LEGEND = element("legend", {}, "Logo")
_SNIPPET_LEGEND = element("legend", {}, "Snippet")
# the script draws the row as it changes, and hides this
_DRAW = element("button", {"type": "submit", "data-nojs": ""}, "Draw the row")
_COPY = element("button", {"type": "button", "hidden": "", "data-copy": "row-snippet"}, "Copy")
