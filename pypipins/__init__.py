"""
pypipins: PyPI badges served by a Twisted daemon, as pypip.in once did.
"""

__version__ = "0.1.0"
