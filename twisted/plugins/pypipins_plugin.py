from twisted.application.service import ServiceMaker

pypipins = ServiceMaker(
    "pypipins", "pypipins.tap", "PyPI badges, as pypip.in served them.", "pypipins"
)
