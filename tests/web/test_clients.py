"""
pypipins.web.clients: a request's client, for its share of the raster workers. The address its
connection came from; behind proxies the operator trusts, the address they saw, never what a
client wrote in X-Forwarded-For itself.
"""

from typing import List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twisted.internet.address import IPv4Address, IPv6Address, UNIXAddress
from twisted.web.test.requesthelper import DummyRequest

from pypipins.web.clients import LOCAL, Clients, parse_trusted

pytestmark = pytest.mark.pure

#: Behind the documented nginx and Varnish: both on this machine.
LOOPBACK = parse_trusted("127.0.0.1,::1")


def request(peer: str, forwarded: Optional[List[str]] = None) -> DummyRequest:
    asked = DummyRequest([b""])
    asked.client = IPv6Address("TCP", peer, 4321) if ":" in peer else IPv4Address("TCP", peer, 4321)
    for value in forwarded or []:
        asked.requestHeaders.addRawHeader(b"X-Forwarded-For", value.encode("latin-1"))
    return asked


def test_without_trusted_proxies_the_client_is_the_peer():
    assert Clients().of(request("203.0.113.9", ["198.51.100.1"])) == "203.0.113.9"
    assert Clients().of(request("127.0.0.1", ["198.51.100.1"])) == "127.0.0.1"


def test_behind_nginx_and_varnish_the_client_is_the_address_nginx_saw():
    # nginx adds the address it saw after the client's own header, and Varnish nginx's
    clients = Clients(LOOPBACK)
    assert clients.of(request("127.0.0.1", ["198.51.100.1, 127.0.0.1"])) == "198.51.100.1"
    assert clients.of(request("127.0.0.1", ["10.9.9.9, 6.6.6.6, 198.51.100.1, 127.0.0.1"])) == "198.51.100.1"
    assert clients.of(request("127.0.0.1", ["10.9.9.9", "198.51.100.1, 127.0.0.1"])) == "198.51.100.1"


def test_what_a_client_writes_itself_is_never_believed():
    clients = Clients(LOOPBACK)
    # not through a trusted proxy: its header is its own text
    assert clients.of(request("203.0.113.9", ["198.51.100.1"])) == "203.0.113.9"
    # through one, a client that names a trusted address before its own is not hidden by it
    assert clients.of(request("127.0.0.1", ["127.0.0.1, 203.0.113.9, 127.0.0.1"])) == "203.0.113.9"
    # no header through the proxy: the proxy is the client
    assert clients.of(request("127.0.0.1")) == "127.0.0.1"


def test_junk_in_the_header_stops_the_reading():
    clients = Clients(LOOPBACK)
    assert clients.of(request("127.0.0.1", ["unknown, 127.0.0.1"])) == "127.0.0.1"
    assert clients.of(request("127.0.0.1", ["198.51.100.1:443, 127.0.0.1"])) == "127.0.0.1"
    assert clients.of(request("127.0.0.1", ["\xff\xfe, 127.0.0.1"])) == "127.0.0.1"


def test_an_ipv6_client_is_its_64():
    assert Clients().of(request("2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::/64"
    assert Clients().of(request("2001:db8:1:2:ffff::1")) == "2001:db8:1:2::/64"
    assert Clients().of(request("2001:db8:1:3::1")) == "2001:db8:1:3::/64"
    # an IPv4 client as an IPv6 socket sees it
    assert Clients().of(request("::ffff:198.51.100.1")) == "198.51.100.1"
    assert Clients(LOOPBACK).of(request("::1", ["2001:db8::7, ::1"])) == "2001:db8::/64"


def test_a_unix_socket_is_one_local_client():
    asked = DummyRequest([b""])
    asked.client = UNIXAddress(b"/run/pypipins.sock")
    assert Clients(LOOPBACK).of(asked) == LOCAL


def test_trusted_networks():
    assert [str(n) for n in parse_trusted(" 127.0.0.1, ::1,10.0.0.0/8 ")] == ["127.0.0.1/32", "::1/128", "10.0.0.0/8"]
    assert Clients(parse_trusted("10.0.0.0/8")).of(request("10.1.2.3", ["203.0.113.9, 10.7.7.7"])) == "203.0.113.9"
    for bad in ["", "localhost", "127.0.0.1/33", "1.2.3.4:80"]:
        with pytest.raises(ValueError):
            parse_trusted(bad)


@given(st.lists(st.text(max_size=40), max_size=5))
def test_any_header_gives_an_address_or_network(values):
    found = Clients(LOOPBACK).of(request("127.0.0.1", [v.encode("utf-8").decode("latin-1") for v in values]))
    assert found == "127.0.0.1" or found.count(".") == 3 or found.endswith("/64")
