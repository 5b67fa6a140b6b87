"""
C{twistd shields}: a shields-compatible static-badge server, on its own port.
"""

from typing import Any

from twisted.application.service import IService
from twisted.python import usage

from pypipins.tap import RASTER_OPTIONS, TRUSTED_PROXY_HELP, add_trusted_proxy, check_raster_options

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
    """
    shields' static badges on C{--port}: L{pypipins.wiring.shields_daemon}.
    """
    # Imported here, as in pypipins.tap: the builders' modules (klein under web/) install the
    # default reactor when imported, and twistd reads the options before it installs the one
    # asked for.
    from pypipins import wiring

    return wiring.shields_daemon(config, reactor)
