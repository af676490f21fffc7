"""numpy is the fold's alone: imported by the process that makes a run's stats, never by the
fetch process or its worker processes, and not by `--help` or `--version`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

WATCH = """
    import os, sys

    class _Watch:
        # each process that imports numpy leaves a file named by its pid, with its command
        def find_spec(self, name, path=None, target=None):
            if name == "numpy":
                with open(os.path.join({marks!r}, str(os.getpid())), "w") as mark:
                    mark.write(" ".join(sys.argv))
            return None

    sys.meta_path.insert(0, _Watch())
"""


def watched(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose every Python process (children too) says if it imports numpy."""
    site, marks = tmp_path / "site", tmp_path / "marks"
    site.mkdir()
    marks.mkdir()
    (site / "sitecustomize.py").write_text(textwrap.dedent(WATCH.format(marks=str(marks))))
    paths = [str(site), os.environ.get("PYTHONPATH")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, paths)))
    return env, marks


def importers(marks: Path) -> dict[int, str]:
    return {int(mark.name): mark.read_text() for mark in marks.iterdir()}


def test_help_and_version_never_import_numpy(tmp_path: Path) -> None:
    env, marks = watched(tmp_path)
    for flag in ("--help", "--version"):
        result = subprocess.run([sys.executable, "-m", "fetchtui", flag], env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    assert importers(marks) == {}


def test_only_the_process_that_folds_imports_numpy(tmp_path: Path, base: str) -> None:
    """A run in the fetch process, its requests in two worker processes, folded here."""
    env, marks = watched(tmp_path)
    code = f"""
        import os, sys
        from fetchtui.core.input.config import RunConfig
        from fetchtui.core.runs.child import FetchProcess
        from fetchtui.core.runs.source import fold_to_end
        from fetchtui.core.stats import RunStats
        from fetchtui.core.input.targets import parse_targets

        process = FetchProcess()
        try:
            targets = parse_targets("{base}/delay/0 x40")
            source = process.open(targets, RunConfig(4, "requests", model="processes", processes=2))
            before = "numpy" in sys.modules
            stats = RunStats(targets)
            source.start()
            assert fold_to_end(source, stats, within=60)
            source.close()
            print(before, "numpy" in sys.modules, stats.ok, process.pid, os.getpid())
        finally:
            process.close()
    """
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    before, after, ok, fetch_pid, me = result.stdout.split()
    assert (before, after, ok) == ("False", "True", "40")
    assert fetch_pid != me
    assert set(importers(marks)) == {int(me)}, importers(marks)
