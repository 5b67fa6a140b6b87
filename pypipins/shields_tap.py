"""
C{twistd shields}: a shields-compatible static-badge server, on its own port.
"""

from typing import Any

from twisted.application.service import IService, MultiService
from twisted.application.strports import service as endpointService
from twisted.python import usage

from pypipins.tap import (
    RASTER_OPTIONS, TRUSTED_PROXY_HELP, LogoTable, add_trusted_proxy, check_raster_options,
    drawing_pool,
)

#: The renderer's port in the original set-up.
DEFAULT_PORT = "tcp:9000:interface=127.0.0.1"


class Options(usage.Options):
    optParameters = [
        ["port", "p", DEFAULT_PORT, "Endpoint to serve badges on."],
    ] + RASTER_OPTIONS

    def __init__(self) -> None:
        super().__init__()
        self["trusted-proxies"] = []

    def opt_trusted_proxy(self, value: str) -> None:
        add_trusted_proxy(self, value)

    opt_trusted_proxy.__doc__ = TRUSTED_PROXY_HELP

    def postOptions(self) -> None:
        check_raster_options(self)


def makeService(config: Options, reactor: Any = None) -> IService:
    # Imported here, as in pypipins.tap: klein (under web/) installs the default reactor when
    # imported, and twistd reads the options before it installs the one asked for.
    if reactor is None:
        from twisted.internet import reactor

    from twisted.logger import globalLogPublisher

    from pypipins.store.cache import IMAGES_IN_MEMORY, MemoryCache
    from pypipins.web.limits import limited_site
    from pypipins.drawing.images import LocalImages
    from pypipins.ops.openfiles import AcceptFailures, OpenFilesLimit
    from pypipins.web.clients import Clients
    from pypipins.web.static_badges import ShieldsSite

    top = MultiService()
    # before the port: what it accepts counts against it
    OpenFilesLimit().setServiceParent(top)
    AcceptFailures(reactor, globalLogPublisher).setServiceParent(top)
    # before the port too: no request waits for it
    LogoTable().setServiceParent(top)
    # rasters are drawn in worker processes, never in the daemon: a rasterizer may abort
    pool = drawing_pool(config, reactor)
    pool.setServiceParent(top)
    images = LocalImages(MemoryCache(reactor, IMAGES_IN_MEMORY), pool)
    site = limited_site(ShieldsSite(images, Clients(config["trusted-proxies"])).resource())
    endpointService(config["port"], site, reactor=reactor).setServiceParent(top)
    return top
