"""
The ceiling: a Klein route answering a constant SVG, run by twistd like the daemon (so with the
same logging), to measure what this stack serves at best.

    CEILING_PORT=8899 CEILING_BYTES=1200 twistd -n -y bench/ceiling.tac
"""

import os

from klein import Klein
from twisted.application import service, strports
from twisted.web.server import Site

app = Klein()
BODY = b"<svg>" + b"x" * (int(os.environ.get("CEILING_BYTES", "1200")) - 11) + b"</svg>"


@app.route("/<kind>/<package>/badge.<ext>")
def badge(request, kind, package, ext):
    request.setHeader("Content-Type", "image/svg+xml;charset=utf-8")
    return BODY


application = service.Application("ceiling")
site = Site(app.resource())
strports.service(f"tcp:{os.environ['CEILING_PORT']}:interface=127.0.0.1", site).setServiceParent(application)
