"""
A badge's paths and the snippets to paste (L{pypipins.web.snippets}), pointing at this server
as the request reached it. Pure functions.
"""

import pytest

from pypipins.web import snippets

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
