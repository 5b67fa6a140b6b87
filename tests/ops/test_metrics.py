"""
The metrics as Prometheus reads them: what the hot path counts apart is in them when read.
"""

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest

from pypipins.ops.metrics import Metrics
from tests.helpers import sample

pytestmark = pytest.mark.pure


def test_ready_responses_sent_are_counted_when_read():
    metrics = Metrics(CollectorRegistry())
    metrics.ready_sent("license", "svg", 200)
    metrics.ready_sent("license", "svg", 200)
    metrics.ready_sent("license", "svg", 304)
    metrics.request("license", "svg", 200)
    text = generate_latest(metrics.registry).decode()
    assert sample(text, "pypipins_requests_total", kind="license", format="svg", status="200") == 3
    assert sample(text, "pypipins_requests_total", kind="license", format="svg", status="304") == 1
    assert sample(text, "pypipins_cache_total", level="ready", result="hit") == 3
    # read again: counted once
    metrics.ready_sent("license", "svg", 200)
    assert metrics.registry.get_sample_value(
        "pypipins_requests_total", {"kind": "license", "format": "svg", "status": "200"}) == 4
    assert metrics.registry.get_sample_value("pypipins_cache_total", {"level": "ready", "result": "hit"}) == 4
    text = generate_latest(metrics.registry).decode()
    assert sample(text, "pypipins_cache_total", level="ready", result="hit") == 4


def test_the_order_of_the_metrics_is_kept():
    # the counted-apart counters stand where they stood among the others
    names = [m.name for m in Metrics(CollectorRegistry()).registry.collect()]
    assert names[:3] == ["pypipins_requests", "pypipins_cache", "pypipins_upstream_requests"]
