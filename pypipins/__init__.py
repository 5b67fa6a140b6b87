"""
pypipins: PyPI badges served by a Twisted daemon, as pypip.in once did.

Its version is the distribution's (pyproject.toml): C{importlib.metadata.version("pypipins")}.
"""
