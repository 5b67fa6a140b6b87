"""
HTML written as strings: the same bytes as twisted.web.template writes, whatever the text.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twisted.web.template import Tag, flattenString

from pypipins.web.markup import VOID, Markup, element, join

pytestmark = pytest.mark.pure


def flattened(tag: Tag) -> str:
    out: list[bytes] = []
    flattenString(None, tag).addCallback(out.append)
    return out[0].decode("utf-8")


_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
_NAMES = st.sampled_from(["p", "pre", "a", "img", "input", "option", "div", "code"])
_ATTRIBUTES = st.dictionaries(st.sampled_from(["id", "class", "href", "value", "data-copy", "for", "hidden"]),
                              _TEXT, max_size=3)


@st.composite
def trees(draw, depth=2):
    """
    An element as a (name, attributes, children) tree, children text or trees.
    """
    children = draw(st.lists(_TEXT | (trees(depth=depth - 1) if depth else _TEXT), max_size=3))
    return draw(_NAMES), draw(_ATTRIBUTES), children


def as_tag(tree) -> Tag:
    name, attributes, children = tree
    return Tag(name, attributes=dict(attributes), children=[
        as_tag(child) if isinstance(child, tuple) else child for child in children])


def as_markup(tree) -> Markup:
    name, attributes, children = tree
    return element(name, attributes, *(as_markup(child) if isinstance(child, tuple) else child
                                       for child in children))


@given(trees())
def test_elements_are_written_as_twisted_web_template_writes_them(tree):
    assert as_markup(tree) == flattened(as_tag(tree))


@pytest.mark.parametrize("name", sorted(VOID))
def test_void_elements(name):
    assert element(name, {"x": "1"}) == flattened(Tag(name, attributes={"x": "1"})) == f'<{name} x="1" />'
    assert element("p", {}) == "<p></p>"


def test_only_markup_goes_in_as_it_is():
    made = element("b", {}, "<i>")
    assert made == "<b>&lt;i&gt;</b>"
    assert join(made, "<i>", ["&", [made]]) == "<b>&lt;i&gt;</b>&lt;i&gt;&amp;<b>&lt;i&gt;</b>"
    # a str that is not Markup is text, whatever it looks like
    assert join(str(made)) == "&lt;b&gt;&amp;lt;i&amp;gt;&lt;/b&gt;"
    assert element("a", {"href": '"><script>'}) == '<a href="&quot;&gt;&lt;script&gt;"></a>'
