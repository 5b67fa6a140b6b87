"""
The markers every test module carries, held at collection: exactly one layer (README.rst,
Tests), so that C{pytest -m pure} (or C{memory}, C{system}) passes over none silently.
tests/conftest.py takes the hook from here.
"""

from pathlib import Path
from typing import Any, Iterable, List

import pytest

#: The layers, lightest first: no reactor, socket or process; the real resources in memory;
#: real processes on loopback.
LAYERS = ("pure", "memory", "system")


def layers_of(module: Any) -> List[str]:
    """
    The layer markers in C{module}'s own C{pytestmark} (one mark, or a list of them).
    """
    marks = module.__dict__.get("pytestmark", [])
    found: Iterable[Any] = marks if isinstance(marks, (list, tuple)) else [marks]
    return [mark.name for mark in found if mark.name in LAYERS]


class LayeredModule(pytest.Module):
    """
    A test module that fails to collect unless it carries exactly one layer marker.
    """

    def collect(self) -> Any:
        layers = layers_of(self.obj)
        if len(layers) != 1:
            raise self.CollectError(
                f"{self.path.name} carries {len(layers)} layer markers "
                f"({', '.join(layers) or 'none'}): give it exactly one, "
                f"pytestmark = pytest.mark.{' | '.join(LAYERS)}"
            )
        return super().collect()


def pytest_pycollect_makemodule(module_path: Path, parent: Any) -> LayeredModule:
    return LayeredModule.from_parent(parent, path=module_path)
