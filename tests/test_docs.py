"""The docs stay true to the tree: the README's promises, every link, every path the design names."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted([README, ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])
TEST_COMMAND = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && pytest"

LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


def test_the_readme_is_a_first_screen_not_a_notebook() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 250


def test_the_readme_holds_the_test_command_that_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    assert f"\n{TEST_COMMAND}\n" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^pip install -e '\.\[test\]' && pytest\b", ci, re.M), "the command .ci/run runs"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_its_heading(doc: Path) -> None:
    broken = []
    for target in LINK.findall(FENCE.sub("", doc.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        name, _, anchor = target.partition("#")
        path = (doc.parent / name).resolve() if name else doc
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no such heading")
    assert not broken, broken


def test_every_path_the_design_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"(?<![\w/.])((?:src|tests|bench|ci)/[\w/.-]*\w)", text))
    named |= {f"src/{p}" for p in re.findall(r"(?<![\w/.])((?:core|tui|headless)/[\w/]+\.(?:py|tcss))", text)}
    folders = "runs|stats|fetching|demo|history|input|report"
    named |= {f"src/core/{p}" for p in re.findall(rf"(?<![\w/.])((?:{folders})/[\w/]+\.py)", text)}
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert named and not missing, missing


def test_no_file_points_at_the_old_architecture_file() -> None:
    pointing = []
    sources = {"", ".py", ".md", ".sh", ".toml"}
    for folder in ("src", "tests", "bench", "ci", ".ci", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in sources and path != Path(__file__).resolve():
                if "ARCHITECTURE.md" in path.read_text(encoding="utf-8", errors="replace"):
                    pointing.append(str(path.relative_to(ROOT)))
    assert not pointing, pointing


def test_every_flag_in_the_readmes_table_is_one_fetchtui_run_takes() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("### The same flags as the tools you know", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[2] for line in table.splitlines()[2:]]
    flags = {m for cell in rows for m in re.findall(r"`(--?[a-zA-Z][\w-]*)", cell)}
    assert {"-X", "-H", "-d", "-k", "--cacert", "-x", "--timeout", "-w", "-q", "-z", "--json"} <= flags
    help_text = subprocess.run([sys.executable, "-m", "fetchtui", "run", "--help"],
                               capture_output=True, text=True, check=True).stdout
    taken = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", help_text))
    assert not flags - taken, flags - taken
