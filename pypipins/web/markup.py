"""
HTML written as strings, escaped as twisted.web.template escapes (the same bytes), for the
site's pages: a package's page is some 1,400 elements, which twisted.web.template's
flattener, made to wait on Deferreds anywhere in a document, took 11-17 ms of the reactor's
thread to write on every request; joined as strings they take about a millisecond.

Text is escaped wherever it goes; only what L{element} made (a L{Markup}) goes in as it is.
"""

from typing import Iterable, Mapping, Union

#: Elements that have no content nor closing tag, written C{<img ... />}, as
#: twisted.web.template writes them when they have no children.
VOID = frozenset(("img", "br", "hr", "base", "meta", "link", "param", "area", "input", "col",
                  "basefont", "isindex", "frame", "command", "embed", "keygen", "source",
                  "track", "wbs"))


class Markup(str):
    """
    HTML already escaped: what L{element} and L{join} make, put in a page as it is.
    """

    __slots__ = ()


#: What an element holds: markup, text (escaped when written), or a sequence of them.
Content = Union[str, Iterable["Content"]]


def text(value: str) -> str:
    """
    C{value} as the text of an element: the characters that begin markup escaped.
    """
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attribute(value: str) -> str:
    """
    C{value} as an attribute's value between double quotes.
    """
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _write(content: Content, out: "list[str]") -> None:
    if isinstance(content, Markup):
        out.append(content)
    elif isinstance(content, str):
        out.append(text(content))
    else:
        for each in content:
            _write(each, out)


def join(*content: Content) -> Markup:
    """
    C{content} as markup, its text escaped, in order.
    """
    out: list[str] = []
    _write(content, out)
    return Markup("".join(out))


def element(name: str, attributes: Mapping[str, str], *children: Content) -> Markup:
    """
    The element C{name} with C{attributes} (in their order) holding C{children}: void
    elements without any are written C{<name ... />}, the others with a closing tag.
    """
    opening = "<" + name + "".join([f' {key}="{attribute(value)}"' for key, value in attributes.items()])
    if not children and name in VOID:
        return Markup(opening + " />")
    out = [opening, ">"]
    _write(children, out)
    out.append("</" + name + ">")
    return Markup("".join(out))
