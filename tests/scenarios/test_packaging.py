"""
Installing the project makes C{twistd} find the plugin, for a plain and an editable install alike.

Each install goes into a new venv that sees the test environment's packages (Twisted and the
rest) through a path entry, but not the project itself, so only the install under test can
make the plugin appear; no package index is asked.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.system

SOURCES = ["pyproject.toml", "README.rst", "requirements.txt", "pypipins", "twisted"]

#: The environment of every command here, without a PYTHONPATH: one naming the checkout (as a
#: worktree's test runs do) would show the plugin to a venv that never installed the project.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}

LIST_PLUGINS = (
    "import sys; sys.argv = ['twistd', '--help']\n"
    "from twisted.scripts.twistd import run\n"
    "run()\n"
)


DRAW_WITH_LOGO = (
    "from pypipins.render.logos import logo_data_uri\n"
    "from pypipins.render.svg import render\n"
    "print(render('pypi', 'v1', 'blue', logo=logo_data_uri('python')[0]))\n"
)


def venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, env=ENV)
    python = where / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, env=ENV,
    ).stdout.strip()
    # The test environment's packages (pip, setuptools, Twisted...) after the venv's own.
    Path(site, "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def plugins(python: Path, cwd: Path) -> str:
    return subprocess.run(
        [str(python), "-c", LIST_PLUGINS], cwd=cwd, capture_output=True, text=True, check=True, env=ENV,
    ).stdout


@pytest.mark.parametrize("editable", [False, True], ids=["pip install .", "pip install -e ."])
def test_install_makes_twistd_list_the_plugin(tmp_path, editable):
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "dropin.cache"))
        else:
            shutil.copy(path, source / name)
    assert not (source / "twisted" / "__init__.py").exists()
    assert not (source / "twisted" / "plugins" / "__init__.py").exists()

    python = venv(tmp_path / "venv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert "pypipins" not in plugins(python, elsewhere)

    install = [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
               "--no-build-isolation"]
    install += ["-e", str(source)] if editable else [str(source)]
    subprocess.run(install, check=True, cwd=elsewhere, env=ENV)
    listed = plugins(python, elsewhere)
    assert "pypipins" in listed
    assert "PyPI badges" in listed
    if not editable:
        # the plugin was copied into the venv: it does not come from the source tree
        shutil.rmtree(source)
        assert "pypipins" in plugins(python, elsewhere)
        # and so was the package data: text widths and logos
        drawn = subprocess.run(
            [str(python), "-c", DRAW_WITH_LOGO], cwd=elsewhere, capture_output=True, text=True,
            check=True, env=ENV,
        ).stdout
        assert drawn.startswith("<svg") and 'href="data:image/svg+xml;base64,' in drawn
