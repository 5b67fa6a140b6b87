"""
The references of the warm rows, run by twistd as the daemon is.

The bare route: a Klein route answering a constant SVG, with no access log (CEILING_LOG=twistd
gives it twistd's, as the daemon's default has).

    CEILING_PORT=8899 CEILING_BYTES=1200 twistd -n -y bench/ceiling.tac

The same bytes (CEILING_AS, a JSON file of a response the daemon sent: its headers but those
Twisted writes itself, and its body): the same Klein route sending exactly that response,
headers set one by one as the daemon sets them, each request written to pypipins' own access
log as the daemon writes it by default (into twistd's log on the standard output). What the
daemon costs beyond it is its own route's; what this costs beyond the bare route is Twisted's
(more headers to write) and the access line's.

    CEILING_PORT=8899 CEILING_AS=response.json twistd -n -y bench/ceiling.tac
"""

import json
import os
import sys

from klein import Klein
from twisted.application import service, strports
from twisted.internet import reactor
from twisted.web.server import Site

from pypipins.web.accesslog import AccessLog, AccessLoggedSite

app = Klein()
AS = os.environ.get("CEILING_AS")
if AS is None:
    BODY = b"<svg>" + b"x" * (int(os.environ.get("CEILING_BYTES", "1200")) - 11) + b"</svg>"
    HEADERS = [(b"Content-Type", b"image/svg+xml;charset=utf-8")]
else:
    with open(AS) as f:
        sent = json.load(f)
    BODY = sent["body"].encode("utf-8")
    HEADERS = [(name.encode("ascii"), value.encode("ascii")) for name, value in sent["headers"]]


@app.route("/<kind>/<package>/badge.<ext>")
def badge(request, kind, package, ext):
    for name, value in HEADERS:
        request.setHeader(name, value)
    return BODY


class Unlogged(Site):
    def log(self, request):
        pass


application = service.Application("ceiling")
if AS is not None:
    site = AccessLoggedSite(app.resource())
    site.access_log = AccessLog(reactor, sys.__stdout__, prefixed=True)
    site.access_log.setServiceParent(application)
else:
    site = (Site if os.environ.get("CEILING_LOG") == "twistd" else Unlogged)(app.resource())
strports.service(f"tcp:{os.environ['CEILING_PORT']}:interface=127.0.0.1", site).setServiceParent(application)
