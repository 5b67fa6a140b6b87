"""
Who a request's client is, to share what is scarce between clients (the raster workers,
L{pypipins.drawing.pool}): the address its connection came from; or, when that is a proxy the
operator trusts (C{--trusted-proxy}), the address the nearest hop that is not one was seen at,
as the proxies wrote it in C{X-Forwarded-For}.

A proxy adds the address it was connected from at the end of the header, after whatever the
client sent; so the header is read from its end, and only as far back as trusted proxies wrote
it. Anything before that is the client's own text, and anyone may write anything there. Behind
the documented nginx and Varnish, the daemon's peer is Varnish (127.0.0.1), which adds nginx's
address (127.0.0.1), after the client's that nginx added: with 127.0.0.1 trusted, the client
is the address nginx saw.
"""

import ipaddress
from typing import List, Optional, Sequence, Union

from twisted.web.iweb import IRequest

Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

#: An IPv6 client is told apart by its /64: a host commonly has one to itself, and may take
#: any address in it; telling its addresses apart would give it billions of shares.
IPV6_PREFIX = 64

#: The client of a connection that came by no IP address (a UNIX socket).
LOCAL = "local"


def parse_trusted(value: str) -> List[Network]:
    """
    The networks of C{value}, addresses or networks separated by commas (C{127.0.0.1},
    C{10.0.0.0/8}, C{::1}).

    @raise ValueError: one is neither.
    """
    networks = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{part!r} is not an IP address or network")
    if not networks:
        raise ValueError("no address given")
    return networks


def _address(text: "str | bytes | None") -> Optional[Address]:
    if text is None:
        return None
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # an IPv6 socket's view of an IPv4 client
        return address.ipv4_mapped
    return address


def client_key(address: Address) -> str:
    """
    The client an address belongs to: an IPv4 address, or an IPv6 address's /64.
    """
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network((address, IPV6_PREFIX), strict=False))
    return str(address)


class Clients:
    """
    Tells clients apart, believing C{X-Forwarded-For} as far as proxies in C{trusted} wrote it.
    """

    def __init__(self, trusted: Sequence[Network] = ()) -> None:
        self._trusted = tuple(trusted)

    def _is_trusted(self, address: Address) -> bool:
        return any(address in network for network in self._trusted)

    def of(self, request: IRequest) -> str:
        """
        The client of C{request}, as L{client_key} names it; L{LOCAL} for a UNIX socket's.
        """
        address = _address(getattr(request.getClientAddress(), "host", None))
        if address is None:
            return LOCAL
        if self._trusted and self._is_trusted(address):
            written = request.requestHeaders.getRawHeaders(b"x-forwarded-for") or []
            hops = [hop for header in written for hop in header.split(b",")]
            for hop in reversed(hops):
                seen = _address(hop)
                if seen is None:  # not an address a proxy writes: the client's own text
                    break
                address = seen
                if not self._is_trusted(address):
                    break
        return client_key(address)
