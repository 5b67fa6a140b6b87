"""
Condensing a PyPI document the size of hypothesis' (6.6 MB, over a thousand releases): time and
peak memory, in a process of its own. The document is made in the shape of PyPI's, since
the recorded ones are small (tests/big_documents.py).

    python bench/condense.py   ->  {"document_mb": ..., "seconds": ..., "peak_mb": ...}
"""

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypipins.upstream.pypi import condense, read
from tests.big_documents import document


def main() -> None:
    body = document("huge")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, whole = [], []
    # as the daemon reads it, and decoded whole then condensed (its way without msgspec)
    for _ in range(5):
        started = time.perf_counter()
        facts = read(body)
        times.append(time.perf_counter() - started)
        started = time.perf_counter()
        condense(json.loads(body))
        whole.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"document_mb": round(len(body) / 1e6, 1), "seconds": round(min(times), 3),
                      "first_seconds": round(times[0], 3), "decoded_whole_seconds": round(min(whole), 3),
                      "peak_mb": round((peak - before) / 1024, 1), "record_bytes": len(facts.to_json())}))


if __name__ == "__main__":
    main()
