"""
Item 6, the raster workers' environment: the daemon started with an index whose credentials
come from a variable (C{--index NAME=URL,auth=env:VARIABLE}) and a Redis password in another;
how many of those secrets each worker's /proc/<pid>/environ shows, and how many variables it
has in all.
"""

import time
from pathlib import Path
from typing import Dict, List

from bench.trust.stack import Stack
from tests.helpers import children

ITEM = "6"
WHAT = "the daemon's secrets readable in its raster workers' /proc/<pid>/environ"
ROUNDS = 1

SECRETS = {
    "PROBE_INDEX_AUTH": "alice:probe-s3cret-index",
    "PROBE_REDIS_PASSWORD": "probe-s3cret-redis",
}


def environ(pid: int) -> Dict[bytes, bytes]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(entry.split(b"=", 1) for entry in raw.split(b"\0") if b"=" in entry)


def measure(tree: Path, venv: Path, work: Path) -> Dict[str, float]:
    stack = Stack(tree, venv, work, env=SECRETS,
                  daemon_args=["--index", "corp=http://127.0.0.1:1/simple,auth=env:PROBE_INDEX_AUTH"])
    try:
        deadline = time.monotonic() + 60
        workers: List[int] = []
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = children(stack.daemon.pid)
            time.sleep(0.2)
        seen = [environ(pid) for pid in workers]
        secrets = [value.encode() for value in SECRETS.values()]
        return {
            "workers": len(seen),
            "secrets_in_daemon": sum(secret in environ(stack.daemon.pid).values() for secret in secrets),
            "secrets_in_workers": sum(secret in found.values() for found in seen for secret in secrets),
            "variables_per_worker": max((len(found) for found in seen), default=0),
        }
    finally:
        stack.stop()
