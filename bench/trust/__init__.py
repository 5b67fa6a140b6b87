"""
Issue 24's probes: each attack or reading of the issue measured against the code before the
change and after it, in one run, alternating (bench/trust/run.py).
"""
