from twisted.application.service import ServiceMaker

pypipins = ServiceMaker(
    "pypipins", "pypipins.tap", "PyPI badges, as pypip.in served them.", "pypipins"
)
shields = ServiceMaker(
    "shields", "pypipins.shields_tap", "shields.io-compatible static badges.", "shields"
)
