"""
The project read as source, for the habits tests/test_layers.py does not hold: the version
written once, each name defined once, no code in the package that only tests use, and none
that nothing uses.
"""

import ast
import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterator, List, Set

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.pure

PACKAGE = ROOT / "pypipins"

#: Where a version may be written: the distribution's metadata and the package.
VERSIONED = ["setup.py", "pyproject.toml", "setup.cfg"]
VERSION = re.compile(r"""^\s*(?:__version__|version)\s*[:=]\s*["']\d""", re.MULTILINE)

#: Public classes that may share a name: each twistd plugin's options are its tap's
#: C{Options}, as twistd has it, and a badge's options are L{pypipins.badges.Options}.
SHARED_CLASS_NAMES = {"Options"}

#: Public methods and functions nothing in the package calls, because Twisted, twistd or the
#: standard library calls them.
CALLED_BY_FRAMEWORKS = {
    "makeService", "postOptions",  # twistd, through the plugin's ServiceMaker
    "render_GET",  # twisted.web's Resource
    "childDataReceived", "processEnded",  # twisted.internet's ProcessProtocol
    "gotLength", "handleContentChunk",  # twisted.web's Request
    "lineLengthExceeded",  # twisted.web's HTTPChannel
    "handle_starttag", "handle_data", "handle_endtag",  # html.parser's HTMLParser
}


def _sources() -> Iterator[Path]:
    return iter(sorted(PACKAGE.rglob("*.py")))


def _top_level_names(tree: ast.Module) -> List[str]:
    """
    The names a module's own body defines (not those under an C{if} or C{try}, which may
    define one name two ways).
    """
    names: List[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names.extend(n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return names


def _used(paths: List[Path]) -> Set[str]:
    """
    Every name C{paths} read, call or import, in code (docstrings do not count).
    """
    used: Set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name):
                used.add(node.id)
            elif isinstance(node, ast.Attribute):
                used.add(node.attr)
            elif isinstance(node, ast.alias):
                used.add(node.name.rsplit(".", 1)[-1])
    return used


def test_the_version_is_written_once():
    written = [
        (name, match.group(0).strip())
        for name in VERSIONED if (ROOT / name).is_file()
        for match in VERSION.finditer((ROOT / name).read_text(encoding="utf-8"))
    ] + [
        (str(path.relative_to(ROOT)), match.group(0).strip())
        for path in _sources()
        for match in VERSION.finditer(path.read_text(encoding="utf-8"))
    ]
    assert len(written) == 1, written


@pytest.mark.parametrize("path", list(_sources()), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_defines_each_name_once(path):
    names = _top_level_names(ast.parse(path.read_text(encoding="utf-8")))
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_no_two_public_classes_share_a_name():
    found: Dict[str, List[str]] = defaultdict(list)
    for path in _sources():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                found[node.name].append(str(path.relative_to(PACKAGE)))
    assert {n: w for n, w in found.items() if len(w) > 1 and n not in SHARED_CLASS_NAMES} == {}


def test_no_code_in_the_package_only_tests_use():
    """
    Every public function, class and method is used by the package, the plugin or bench/:
    one that only tests call belongs in tests/, one nothing calls nowhere.
    """
    used = _used(list(_sources()) + [ROOT / "twisted" / "plugins" / "pypipins_plugin.py"]
                 + sorted((ROOT / "bench").rglob("*.py")))
    unused = set()
    for path in _sources():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            defined = [node] + (node.body if isinstance(node, ast.ClassDef) else [])
            for item in defined:
                if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    continue
                # a decorated method is used by its decorator (a route, a property)
                if item is not node and item.decorator_list:
                    continue
                if item.name.startswith("_") or item.name in used or item.name in CALLED_BY_FRAMEWORKS:
                    continue
                unused.add(f"{path.relative_to(PACKAGE)}: {item.name}")
    assert sorted(unused) == []


def _read(paths: List[Path]) -> Set[str]:
    """
    Every name C{paths} read: loaded, an attribute, or imported (a name being assigned or
    defined is not read).
    """
    read: Set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # an annotation in quotes ("Deferred[_T]") reads the names in it too
        quoted = [ast.parse(node.value, mode="eval") for node in ast.walk(tree)
                  for node in _annotations(node)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        for node in (n for t in [tree, *quoted] for n in ast.walk(t)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                read.add(node.id)
            elif isinstance(node, ast.Attribute):
                read.add(node.attr)
            elif isinstance(node, ast.alias):
                read.add(node.name.rsplit(".", 1)[-1])
    return read


def _annotations(node: ast.AST) -> Iterator[ast.AST]:
    """
    The annotations C{node} itself holds (an argument's, a return's, a variable's) and what
    their subscripts hold (C{List["Deferred[_T]"]}).
    """
    found: List[ast.AST] = []
    if isinstance(node, ast.arg) and node.annotation is not None:
        found.append(node.annotation)
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
        found.append(node.returns)
    elif isinstance(node, ast.AnnAssign):
        found.append(node.annotation)
    for annotation in found:
        yield from ast.walk(annotation)


def test_no_dead_code_in_the_package():
    """
    Every private function, class and method, and every constant of a module, public or
    private, is read by the package, the plugin or bench/: what nothing reads is dead (and a
    public one only tests read belongs in tests/).
    """
    read = _read(list(_sources()) + [ROOT / "twisted" / "plugins" / "pypipins_plugin.py"]
                 + sorted((ROOT / "bench").rglob("*.py")))
    dead = set()
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
                dead.update(f"{path.relative_to(PACKAGE)}: {name}" for name in names
                            if not name.startswith("__") and name not in read)
            for item in [node] + (node.body if isinstance(node, ast.ClassDef) else []):
                if (isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                        and item.name.startswith("_") and not item.name.startswith("__")
                        and not item.decorator_list and item.name not in read):
                    dead.add(f"{path.relative_to(PACKAGE)}: {item.name}")
    assert sorted(dead) == []
