"""
Issue 24's probes, before and after: each probe (a module C{bench/trust/probe_*.py}) measured
against the code of an older commit and against this tree's, in one run, in alternating rounds
(old then new, then new then old...), for each interpreter's virtualenv present. Writes
docs/TRUST.md and docs/trust.json.

    .venv/bin/python bench/trust/run.py [--old REV] [--rounds 3] [--venvs .venv,.venv-pypy] [PROBE...]

The older commit (C{--old}, by default the one before issue 24's work) is checked out once as a
git worktree beside this one. A probe module has:

- C{ITEM}: the issue's item it measures ("1", "2"... or a weakness' name) and C{WHAT}, a line;
- C{measure(tree, venv, work)}: one round's figures, a dict of name to number, for the daemon of
  C{tree} run by C{venv} (its processes' logs in C{work}); C{bench.trust.stack.Stack} starts them.
- optionally C{ROUNDS}, when the default is too many for its cost.
"""

import argparse
import datetime
import importlib
import json
import statistics
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

#: The last commit before issue 24's work.
BEFORE = "de0af5d"
ROUNDS = 3


def old_tree(rev: str) -> Path:
    """
    A worktree of C{rev}, made once.
    """
    full = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], capture_output=True, text=True,
                          check=True).stdout.strip()
    tree = Path(tempfile.gettempdir()) / f"pypipins-old-{full[:12]}"
    if not (tree / "pypipins").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--force", str(tree), full],
                       check=True, capture_output=True)
    return tree


def probes(names: List[str]) -> List:
    found = sorted(p.stem for p in (ROOT / "bench/trust").glob("probe_*.py"))
    chosen = [n for n in found if not names or n[len("probe_"):] in names or n in names]
    return [importlib.import_module(f"bench.trust.{name}") for name in chosen]


def interpreter(venv: Path) -> str:
    return subprocess.run([str(venv / "bin/python"), "-c",
                           "import platform; print(platform.python_implementation(), platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def summary(rounds: List[Dict[str, float]]) -> Dict[str, float]:
    """
    Each figure's median over the rounds that gave it.
    """
    names = sorted({name for figures in rounds for name in figures})
    return {name: statistics.median([r[name] for r in rounds if name in r]) for name in names}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", default=BEFORE)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--venvs", default=".venv,.venv-pypy")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("probes", nargs="*")
    args = parser.parse_args()
    old = old_tree(args.old)
    trees = {"old": old, "new": ROOT}
    venvs = [ROOT / v for v in args.venvs.split(",") if (ROOT / v / "bin/python").exists()]
    results: Dict = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
                     "old": args.old, "new": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                                            capture_output=True, text=True).stdout.strip(),
                     "runs": {}}
    for venv in venvs:
        run: Dict = {}
        results["runs"][interpreter(venv)] = run
        for probe in probes(args.probes):
            name = probe.__name__.rsplit(".", 1)[1][len("probe_"):]
            count = args.rounds or getattr(probe, "ROUNDS", ROUNDS)
            measured: Dict[str, List[Dict[str, float]]] = {"old": [], "new": []}
            for n in range(count):
                order = ("old", "new") if n % 2 == 0 else ("new", "old")
                for side in order:
                    work = Path(tempfile.mkdtemp(prefix=f"pypipins-trust-{name}-{side}-"))
                    try:
                        figures = probe.measure(trees[side], venv, work)
                    except Exception:
                        traceback.print_exc()
                        figures = {"probe_failed": 1}
                    measured[side].append(figures)
                    print(f"{venv.name} {name} round {n + 1} {side}: {figures}", flush=True)
            run[name] = {"item": probe.ITEM, "what": probe.WHAT,
                         "old": summary(measured["old"]), "new": summary(measured["new"]),
                         "rounds": measured}
    print(json.dumps({k: v for k, v in results.items()}, indent=1, default=str))
    if not args.no_write and not args.probes:
        (ROOT / "docs/trust.json").write_text(json.dumps(results, indent=1) + "\n")
        (ROOT / "docs/TRUST.md").write_text(report(results))


def report(results: Dict) -> str:
    lines = ["# Issue 24's probes, before and after", "",
             f"`bench/trust/run.py`, {results['date']}: the code of `{results['old']}` (old) and of "
             f"`{results['new']}` (new), alternating rounds in one run; each figure the median of its rounds.", ""]
    for interp, run in results["runs"].items():
        lines += [f"## {interp}", "", "| item | probe | figure | old | new |", "| --- | --- | --- | --- | --- |"]
        for name, probe in run.items():
            for figure in sorted(set(probe["old"]) | set(probe["new"])):
                lines.append(f"| {probe['item']} | {name} | {figure} | {probe['old'].get(figure, '')} "
                             f"| {probe['new'].get(figure, '')} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
