"""
The house's layering, read from the sources: lower layers never import higher ones.
"""

import ast
from pathlib import Path
from typing import Iterator, Set

import pytest

pytestmark = pytest.mark.pure

PACKAGE = Path(__file__).resolve().parent.parent / "pypipins"

#: Modules that do no I/O; render/ may import only these (and itself).
PURE = {"pypipins.render.colors", "pypipins.names", "pypipins.facts"}


def _modules(folder: str) -> Iterator[Path]:
    return iter(sorted((PACKAGE / folder).rglob("*.py")))


def _imports(path: Path) -> Set[str]:
    """
    The pypipins modules C{path} imports, at any depth of its code.
    """
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "pypipins" or name.startswith("pypipins.")}


def _under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("path", list(_modules("render")), ids=lambda p: p.name)
def test_drawing_imports_nothing_that_does_io(path):
    bad = {n for n in _imports(path) if not _under(n, "pypipins.render", *PURE)}
    assert bad == set()


@pytest.mark.parametrize("path", list(_modules("badges")), ids=lambda p: p.name)
def test_what_badges_say_imports_neither_web_nor_upstream(path):
    bad = {
        n for n in _imports(path)
        if _under(n, "pypipins.web", "pypipins.upstream", "pypipins.store.cache", "pypipins.store.lookup",
                  "pypipins.drawing.images", "pypipins.drawing.pool", "pypipins.tap")
    }
    assert bad == set()


@pytest.mark.parametrize("path", list(_modules("upstream")), ids=lambda p: p.name)
def test_upstream_knows_nothing_of_badges_or_web(path):
    bad = {
        n for n in _imports(path)
        if _under(n, "pypipins.web", "pypipins.badges", "pypipins.render", "pypipins.drawing.images",
                  "pypipins.store.lookup")
    }
    assert bad == set()


def test_pure_modules_import_no_network_client():
    for name in PURE:
        path = PACKAGE / (name.split(".", 1)[1] + ".py")
        assert {n for n in _imports(path) if not _under(n, *PURE)} == set(), name
