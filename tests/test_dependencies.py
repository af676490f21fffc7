"""Every third-party package that src/ imports is declared in pyproject.toml, so a fresh install has it."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def imported_top_levels() -> dict[str, str]:
    """Top-level module -> the first src/ file that imports it (stdlib and fetchtui left out)."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "src").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "fetchtui":
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def declared() -> set[str]:
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = set()
    for requirement in doc["project"]["dependencies"]:
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        assert name is not None, requirement
        names.add(name.group(0).lower().replace("_", "-"))
    return names


def test_every_third_party_import_in_src_is_a_declared_dependency() -> None:
    providers = packages_distributions()
    deps = declared()
    undeclared = {}
    for module, where in imported_top_levels().items():
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [module])}
        if not dists & deps:
            undeclared[module] = where
    assert "certifi" in imported_top_levels()  # the scan sees the imports it must judge
    assert undeclared == {}, f"imported by src/ but not in [project].dependencies: {undeclared}"
