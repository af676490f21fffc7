"""The wheel ships every package folder under src/ (none is listed by hand) and the app's styles."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_ships_every_package_folder_under_src(tmp_path: Path) -> None:
    tree = tmp_path / "tree"  # a copy: the build leaves build/ and egg-info behind
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__",
                                                               ".venv", "screenshots"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                    str(tree)], check=True, capture_output=True, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("fetchtui-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {name.rsplit("/", 1)[0] for name in names if name.endswith("/__init__.py")}
    folders = {"/".join(("fetchtui", *init.parent.relative_to(ROOT / "src").parts))
               for init in (ROOT / "src").rglob("__init__.py")}
    assert shipped == folders
    modules = {name for name in names if name.endswith(".py")}
    assert modules == {"/".join(("fetchtui", *path.relative_to(ROOT / "src").parts))
                       for path in (ROOT / "src").rglob("*.py")}
    assert "fetchtui/tui/app.tcss" in names
    lessons = {"/".join(("fetchtui", *path.relative_to(ROOT / "src").parts))
               for path in (ROOT / "src" / "core" / "lessons" / "builtin").glob("*.md")}
    assert {f"fetchtui/core/lessons/builtin/threads.{lang}.md" for lang in ("en", "ko")} <= lessons
    assert lessons <= set(names)
    assert "fetchtui/core/report/export.schema.json" in names  # `fetchtui schema` prints it
