"""
The operator's view: incidents logged once (L{incidents}), what C{/healthz} answers
(L{health}), the Prometheus series (L{metrics}), and open files (L{openfiles}). Every layer
that does I/O reports here; nothing here knows of badges, upstreams or the cache.
"""
