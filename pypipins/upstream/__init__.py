"""Everything that talks to the outside world: PyPI, its Simple API, pypistats.org and other indexes."""
