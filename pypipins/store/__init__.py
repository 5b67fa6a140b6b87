"""
Where facts come from and are kept: the caches, Redis among them (L{cache}), what daemons
sharing a Redis share (L{fleet}), and the lookup that asks the cache first, else one
upstream request per key in flight (L{lookup}).
"""
