"""
Pictures made and kept: the drawer of rasters and its errors (L{drawer}), the pool of worker
processes that draws them (L{pool}) and the worker's program (L{worker}), and images drawn or
fetched from a shields server and remembered (L{images}).
"""
