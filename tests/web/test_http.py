"""
Query strings read as shields' server reads them: split on C{&} only, never on C{;} as
Twisted's C{Request.args} does (issue 25). Checked against a reference made of the standard
library's C{parse_qsl}, which splits on the one separator it is given. And the headers every
badge response carries.
"""

import ast
from typing import Dict, List
from urllib.parse import parse_qsl

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from twisted.web.http import parse_qs as twisted_parse_qs
from twisted.web.test.requesthelper import DummyRequest

from pypipins.web.http import Response, parse_query, query, query_all, query_args
from tests.helpers import ROOT

pytestmark = pytest.mark.pure


def reference(query_string: bytes) -> Dict[bytes, List[bytes]]:
    """
    C{parse_qsl} splitting on C{&} only, blank values kept, on the bytes as Latin-1 so that
    every byte (escaped or not) comes back as it was.
    """
    pairs = parse_qsl(
        query_string.decode("latin-1"), keep_blank_values=True, separator="&", encoding="latin-1",
        errors="strict",
    )
    args: Dict[bytes, List[bytes]] = {}
    for name, value in pairs:
        args.setdefault(name.encode("latin-1"), []).append(value.encode("latin-1"))
    return args


#: Bytes a query is made of, the separators and escapes weighted up.
query_bytes = st.lists(
    st.one_of(
        st.sampled_from([b"&", b";", b"=", b"+", b"%", b"%3B", b"%26", b"%3d", b"%2", b"%zz", b"%E2%9C%93",
                         b"logo", b"link", b"data:image/svg+xml;base64,", b"\xc3\xa9", b"\xff"]),
        st.binary(min_size=1, max_size=3),
    ),
    max_size=30,
).map(b"".join)


@settings(max_examples=2000)
@example(b"logo=data:image/svg+xml;base64,PHN2Zy8+&style=flat")
@example(b"link=https://a.example/x;y=1&link=https://b.example/")
@example(b"a;b=1&c")
@example(b"&&=&=x&y=&z")
@given(query_bytes)
def test_split_on_ampersands_only(query_string):
    assert parse_query(query_string) == reference(query_string)


def test_a_semicolon_is_part_of_a_value():
    logo = b"data:image/svg+xml;base64,PHN2Zy8+"
    assert parse_query(b"logo=" + logo + b"&style=social") == {
        b"logo": [b"data:image/svg xml;base64,PHN2Zy8 "], b"style": [b"social"],
    }
    # what Twisted's own parsing makes of it: the logo cut at the ";", the rest dropped
    assert twisted_parse_qs(b"logo=" + logo, 1) == {b"logo": [b"data:image/svg xml"]}
    assert parse_query(b"link=https://a.example/x;y=1") == {b"link": [b"https://a.example/x;y=1"]}


def test_a_name_without_value_is_blank_as_in_shields():
    # node's querystring, which shields' server reads queries with: "?label" is an empty label
    assert parse_query(b"label&style=flat") == {b"label": [b""], b"style": [b"flat"]}


def request(uri: bytes) -> DummyRequest:
    made = DummyRequest([])
    made.uri = uri
    # what Twisted parsed, which nothing of ours reads
    made.args = {b"ignored": [b"yes"]}
    return made


def test_routes_read_the_uri_not_request_args():
    asked = request(b"/pypi/v/klein.svg?logo=data:image/svg%2Bxml;base64,AA==&link=https://a.example/;x&link=")
    assert query(asked) == {"logo": "data:image/svg+xml;base64,AA==", "link": "https://a.example/;x"}
    assert query_all(asked, "link") == ["https://a.example/;x", ""]
    assert query_args(request(b"/pypi/v/klein.svg")) == {}
    assert query_args(request(b"/pypi/v/klein.svg?")) == {}


def test_no_module_reads_request_args():
    """
    Every query is read by L{query_args}: C{request.args} is Twisted's reading, C{;} and all.
    """
    package = ROOT / "pypipins"
    found = [
        f"{path.relative_to(package)}:{node.lineno}"
        for path in sorted(package.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "args"
        and isinstance(node.value, ast.Name) and "request" in node.value.id
    ]
    assert found == []


def test_every_badge_carries_the_cross_origin_headers():
    for content_type in ("image/svg+xml;charset=utf-8", "image/png", "application/json"):
        headers = dict(Response(b"x", content_type, 60).headers)
        assert headers[b"Access-Control-Allow-Origin"] == b"*"
        assert headers[b"Cross-Origin-Resource-Policy"] == b"cross-origin"
