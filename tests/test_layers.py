"""
The house's layering, read from the sources: lower layers never import higher ones.

The layers, lowest first (README.rst's Layout draws the same map):

=========  ==========================================  =========================================
layer      modules                                     may import, besides itself
=========  ==========================================  =========================================
domain     ``names.py``, ``facts.py``, ``__init__``     nothing
render     ``render/``: how a badge is drawn, pure      nothing: it knows labels, not packages
badges     ``badges/``: what a badge says, pure         domain, render
ops        ``ops/``: the operator's view                domain
upstream   ``upstream/``: talks to the outside          domain, ops
store      ``store/``: where facts come from and stay   domain, ops, upstream
drawing    ``drawing/``: pictures made and kept         all of the above
web        ``web/``: HTTP only                          all of the above
plugin     ``tap.py``, ``shields_tap.py``,              everything
           ``wiring.py``
=========  ==========================================  =========================================

ops/ is low because every layer that does I/O reports to it (incidents, metrics, health),
and it knows nothing of what they do. A request reads down the page: web asks badges'
pipeline, which checks, reads through the lookup (store), which asks upstream, and words
and customizes the facts; drawing draws them; web sends. The pipeline stays below store: it
knows the reads only as the domain's L{pypipins.facts.FactsReader}, which the lookup
satisfies and the plugin hands in.
"""

import ast
from pathlib import Path
from typing import Dict, Iterator, Set, Tuple

import pytest

pytestmark = pytest.mark.pure

PACKAGE = Path(__file__).resolve().parent.parent / "pypipins"

#: Each layer, and the lower layers it may import (besides itself), lowest first.
LOWER: Dict[str, Tuple[str, ...]] = {
    "domain": (),
    "render": (),
    "badges": ("domain", "render"),
    "ops": ("domain",),
    "upstream": ("domain", "ops"),
    "store": ("domain", "ops", "upstream"),
    "drawing": ("domain", "render", "badges", "ops", "upstream", "store"),
    "web": ("domain", "render", "badges", "ops", "upstream", "store", "drawing"),
    "plugin": ("domain", "render", "badges", "ops", "upstream", "store", "drawing", "web"),
}

#: The modules at the top of the package, by layer; every folder is a layer of its own name.
TOP = {
    "pypipins": "domain", "pypipins.names": "domain", "pypipins.facts": "domain",
    "pypipins.tap": "plugin", "pypipins.shields_tap": "plugin", "pypipins.wiring": "plugin",
}

#: At most this many modules at the top of the package: the rest is in the layers' folders.
MAX_TOP = 6

#: The layers that do no I/O, and the modules that would mean they do (network, processes,
#: the reactor, the web server, Redis, metrics); C{twisted.internet.defer} is only a type there.
PURE_LAYERS = ("domain", "render", "badges")
IO = ("socket", "ssl", "subprocess", "asyncio", "http.client", "urllib.request", "treq", "klein",
      "txredisapi", "prometheus_client", "twisted.internet.reactor", "twisted.internet.interfaces",
      "twisted.internet.task", "twisted.web", "twisted.application", "twisted.logger")


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> Iterator[Path]:
    return iter(sorted(PACKAGE.rglob("*.py")))


def layer(name: str) -> str:
    """
    The layer of module C{name}: a folder's name, or the table's for the top modules.
    """
    if name in TOP:
        return TOP[name]
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and (PACKAGE / parts[1]).is_dir() else "?"


def _imports(path: Path) -> Set[str]:
    """
    The modules C{path} imports, at any depth of its code (C{from a import b}: C{a} and C{a.b}).
    """
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _ours(names: Set[str]) -> Set[str]:
    """
    The pypipins modules among C{names}: C{from pypipins import names} names C{pypipins.names},
    and C{from pypipins.render import STYLES} (a name, not a module) stays C{pypipins.render}.
    """
    modules = set()
    for name in names:
        if name != "pypipins" and not name.startswith("pypipins."):
            continue
        path = PACKAGE.parent / name.replace(".", "/")
        if path.is_dir() or path.with_suffix(".py").is_file():
            modules.add(name)
    return modules


def _under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("path", list(_modules()), ids=_name)
def test_every_module_has_a_layer(path):
    assert layer(_name(path)) in LOWER


@pytest.mark.parametrize("path", list(_modules()), ids=_name)
def test_lower_layers_never_import_higher_ones(path):
    own = layer(_name(path))
    allowed = {own, *LOWER[own]}
    bad = {n for n in _ours(_imports(path)) if n != "pypipins" and layer(n) not in allowed}
    assert bad == set(), f"{own} may import only {sorted(allowed)}"


@pytest.mark.parametrize(
    "path", [p for p in _modules() if layer(_name(p)) in PURE_LAYERS], ids=_name,
)
def test_what_badges_say_and_how_they_are_drawn_do_no_io(path):
    assert {n for n in _imports(path) if _under(n, *IO)} == set()


def test_upstream_knows_nothing_of_badges():
    for path in (PACKAGE / "upstream").rglob("*.py"):
        assert {n for n in _ours(_imports(path)) if _under(n, "pypipins.badges", "pypipins.render")} == set()


def test_the_top_of_the_package_holds_at_most_six_modules():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP, top
    assert {_name(PACKAGE / name) for name in top} <= set(TOP)


def test_the_plugin_is_a_doorway():
    """
    twisted/plugins imports nothing of the package: C{twistd --help} lists the plugins
    without loading the service.
    """
    plugin = PACKAGE.parent / "twisted" / "plugins" / "pypipins_plugin.py"
    assert _ours(_imports(plugin)) == set()
