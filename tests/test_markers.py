"""
The collection hook of tests/markers.py: a test module without exactly one layer marker fails
to collect, in a pytest of its own over modules written for it.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.system

MODULES = {
    "test_one.py": "import pytest\npytestmark = pytest.mark.pure\ndef test_a():\n    pass\n",
    "test_one_and_slow.py": (
        "import pytest\npytestmark = [pytest.mark.memory, pytest.mark.slow]\ndef test_a():\n    pass\n"
    ),
    "test_none.py": "def test_a():\n    pass\n",
    "test_other_marks_only.py": "import pytest\npytestmark = pytest.mark.slow\ndef test_a():\n    pass\n",
    "test_two.py": "import pytest\npytestmark = [pytest.mark.pure, pytest.mark.system]\ndef test_a():\n    pass\n",
}


def test_a_module_without_exactly_one_layer_fails_to_collect(tmp_path: Path) -> None:
    for name, source in MODULES.items():
        (tmp_path / name).write_text(source)
    (tmp_path / "conftest.py").write_text("from tests.markers import pytest_pycollect_makemodule\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    pure\n    memory\n    system\n    slow\n")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--continue-on-collection-errors", "-rA", str(tmp_path)],
        cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )
    out = run.stdout
    assert "test_none.py carries 0 layer markers (none)" in out, out
    assert "test_other_marks_only.py carries 0 layer markers (none)" in out, out
    assert "test_two.py carries 2 layer markers (pure, system)" in out, out
    assert "PASSED test_one.py::test_a" in out, out
    assert "PASSED test_one_and_slow.py::test_a" in out, out
    assert "2 passed, 3 errors" in out, out
