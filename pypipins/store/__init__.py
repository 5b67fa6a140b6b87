"""
Where facts come from and are kept: the caches, Redis among them (L{cache}), over one
connection to Redis (L{redis}); the names of what is kept there (L{keys}); what daemons sharing
a Redis share (L{fleet}); one fetch per key in flight, in a daemon and in the fleet
(L{flight}); and the lookup that asks the cache first, else the upstream (L{lookup}).
"""
