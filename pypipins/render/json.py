"""
A badge as JSON, for those who draw it themselves: data, not a drawing, so it never goes
through the image path.
"""

import json
from typing import Dict, Optional, Union


def _dumps(document: Dict[str, Union[str, int, bool]]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def endpoint(label: str, message: str, color: str, label_color: Optional[str], is_error: bool) -> bytes:
    """
    The badge in shields.io's endpoint schema, so any shields-style renderer can draw it.
    """
    document: Dict[str, Union[str, int, bool]] = {
        "schemaVersion": 1,
        "label": label,
        "message": message,
        "color": color,
    }
    if label_color is not None:
        document["labelColor"] = label_color
    if is_error:
        document["isError"] = True
    return _dumps(document)


def shields(label: str, message: str, color: str, label_color: Optional[str]) -> bytes:
    """
    The badge as img.shields.io's C{.json} URLs give it, deprecated twins included.
    """
    document: Dict[str, Union[str, int, bool]] = {
        "name": label,
        "label": label,
        "value": message,
        "message": message,
        "color": color,
    }
    if label_color is not None:
        document["labelColor"] = label_color
    return _dumps(document)
