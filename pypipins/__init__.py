"""
pypipins: PyPI badges served by a Twisted daemon, as pypip.in once did.

Its version is the distribution's (setup.py): C{importlib.metadata.version("pypipins")}.
"""
