"""How large the code is at any commits, side by side: src/ lines and files, the largest classes and modules.

    python bench/lines.py [REV ...] [--top 5]      (default: HEAD)

Reads each commit's `src/**/*.py` from git (no checkout), so a before and an after print in
one run. A class's lines run from its `class` line (its decorators too) to its last line, as
`ast` reports them; a module's are its physical lines. Blank lines and comments count: this
is the size a reader scrolls through, not a complexity measure.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout


def sizes(rev: str) -> tuple[dict[str, int], dict[str, int]]:
    """(lines per module, lines per class `module:Class`) of the commit's src/."""
    modules: dict[str, int] = {}
    classes: dict[str, int] = {}
    for path in git("ls-tree", "-r", "--name-only", rev, "--", "src").split():
        if not path.endswith(".py"):
            continue
        text = git("show", f"{rev}:{path}")
        modules[path] = len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                classes[f"{path}:{node.name}"] = node.end_lineno - first + 1
    return modules, classes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="*", default=["HEAD"])
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    print("| commit | src/ lines | .py files | classes | classes over 250 lines |")
    print("|---|---:|---:|---:|---:|")
    found = {}
    for rev in args.revs:
        modules, classes = found[rev] = sizes(rev)
        over = sum(1 for n in classes.values() if n > 250)
        name = git("log", "-1", "--format=%h %ad", "--date=short", rev).strip()
        print(f"| {rev} ({name}) | {sum(modules.values()):,} | {len(modules)} | {len(classes)} | {over} |")
    for rev, (modules, classes) in found.items():
        print(f"\n{rev}: largest classes")
        for what, n in sorted(classes.items(), key=lambda kv: -kv[1])[:args.top]:
            print(f"  {n:5}  {what}")
        print(f"{rev}: largest modules")
        for what, n in sorted(modules.items(), key=lambda kv: -kv[1])[:args.top]:
            print(f"  {n:5}  {what}")


if __name__ == "__main__":
    main()
