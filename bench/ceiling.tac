"""
The reference of the warm rows: a bare Klein route answering a constant SVG, run by twistd as
the daemon is, without an access log (CEILING_LOG=twistd gives it twistd's, as the daemon's
default has).

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


class Unlogged(Site):
    def log(self, request):
        pass


application = service.Application("ceiling")
site = (Site if os.environ.get("CEILING_LOG") == "twistd" else Unlogged)(app.resource())
strports.service(f"tcp:{os.environ['CEILING_PORT']}:interface=127.0.0.1", site).setServiceParent(application)
