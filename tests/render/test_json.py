"""
pypipins.render.json's shields documents against badge-maker 6.0.0's own JSON, byte for byte
(tests/fixtures/render/json.json, made by tools/make_json_fixtures.mjs; node is not needed
here), and the endpoint documents pypip.in's C{badge.json} keeps.
"""

import json
from typing import Any, Dict, List

import pytest

from pypipins.render import json as render_json
from pypipins.render.logos import shields_logo_width
from tests.helpers import ROOT

pytestmark = pytest.mark.pure

FIXTURES = json.loads((ROOT / "tests" / "fixtures" / "render" / "json.json").read_text(encoding="utf-8"))
DOCUMENTS: List[Dict[str, Any]] = FIXTURES["documents"]


@pytest.mark.parametrize("case", DOCUMENTS, ids=[f"{i}-{c['label'][:20]!r}" for i, c in enumerate(DOCUMENTS)])
def test_same_as_badge_maker(case: Dict[str, Any]) -> None:
    made = render_json.shields(
        case["label"], case["message"], case["color"], case["labelColor"], case["links"], case["logoWidth"]
    )
    assert made == case["json"].encode("utf-8")


def test_fixtures_cover_the_promise() -> None:
    said = [json.loads(case["json"]) for case in DOCUMENTS]
    assert any("color" not in document for document in said)
    assert any(document["link"] == [] for document in said)
    assert any("logoWidth" in document for document in said)
    assert any(case["label"] != document["label"] for case, document in zip(DOCUMENTS, said))


def test_lone_surrogates_escaped_as_javascript_does() -> None:
    assert render_json.shields("a\ud800", "b", None, None) == (
        b'{"label":"a\\ud800","message":"b","link":[],"name":"a\\ud800","value":"b"}'
    )


def test_logo_width_as_coalesce_badge_gives_it() -> None:
    wide = shields_logo_width("docker")
    assert wide is not None and wide > 14
    assert shields_logo_width("Docker") == wide
    # square: 14, which shields' JSON says too
    assert shields_logo_width("kotlin") == 14
    # an alias, or hyphens for spaces: looked up under the name as given only
    assert shields_logo_width("travis") is None
    assert shields_logo_width("no-such-icon") is None
    assert shields_logo_width("data:image/svg+xml;base64,PHN2Zy8+") is None


def test_endpoint_schema_kept_for_pypip_in() -> None:
    assert json.loads(render_json.endpoint("pypi", "1.0", "blue", None, False)) == {
        "schemaVersion": 1, "label": "pypi", "message": "1.0", "color": "blue",
    }
