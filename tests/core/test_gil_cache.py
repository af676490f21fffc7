"""The GIL's place is calibrated once for an interpreter file and read back after, while that
file is the one it was found in: a sampler child started for each run does not spin threads
beside every run it samples."""

from __future__ import annotations

import ctypes
import json
import os
import sys
from pathlib import Path

import pytest

from fetchtui.core.threadstates import gil
from fetchtui.core.threadstates.procfs import WHY_NOT_LINUX, unavailable

pytestmark = [pytest.mark.skipif(unavailable(os.getpid()) is not None, reason=WHY_NOT_LINUX),
              pytest.mark.skipif(not gil.has_gil(), reason="a Python without a GIL has none to find")]


@pytest.fixture
def calibrations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[gil.GilMark | None]:
    """Each real calibration made, in a cache of the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    made: list[gil.GilMark | None] = []
    real = gil.calibrate

    def counted(limit_s: float = 2.0) -> gil.GilMark | None:
        made.append(real(limit_s))
        return made[-1]

    monkeypatch.setattr(gil, "calibrate", counted)
    return made


def in_runtime(mark: gil.GilMark) -> bool:
    """Whether the mark's addresses lie in this interpreter's _PyRuntime, where the GIL is."""
    zone = mark.in_process(os.getpid())
    assert zone is not None
    runtime = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
    return runtime <= (zone[0] + zone[1]) // 2 < runtime + (1 << 20)


def test_the_gils_place_is_calibrated_once_and_read_back_from_the_cache(
        calibrations: list[gil.GilMark | None]) -> None:
    first = gil.known_mark()
    again = gil.known_mark()
    assert len(calibrations) == 1
    assert first is not None and again == first
    assert in_runtime(again)
    assert Path(gil.cache_path()).is_file()


def test_an_entry_for_a_changed_interpreter_file_is_calibrated_again(
        calibrations: list[gil.GilMark | None]) -> None:
    gil.known_mark()
    path = Path(gil.cache_path())
    cache = json.loads(path.read_text())
    for entry in cache.values():
        entry["identity"][1] += 1  # another inode: the library was upgraded in place
        entry["low"], entry["high"] = 0, 1  # and what was kept for it is now wrong
    path.write_text(json.dumps(cache))
    mark = gil.known_mark()
    assert len(calibrations) == 2
    assert mark is not None and in_runtime(mark)


@pytest.mark.parametrize("content", ["", "{not json", "[1, 2]", '{"x": 1}', "KEY"])
def test_a_damaged_cache_is_calibrated_past_and_written_whole_again(
        calibrations: list[gil.GilMark | None], content: str) -> None:
    path = Path(gil.cache_path())
    path.parent.mkdir(parents=True)
    if content == "KEY":  # this interpreter's own entry, its path a number (os.stat would take it for an fd)
        key = f"{os.path.realpath(sys.executable)} {sys.version}"
        content = json.dumps({key: {"python": gil._identity(sys.executable), "path": 0, "identity": [0],
                                    "low": 0, "high": 1}})
    path.write_text(content)
    mark = gil.known_mark()
    assert len(calibrations) == 1 and mark is not None and in_runtime(mark)
    assert gil.known_mark() == mark and len(calibrations) == 1  # the rewritten file is read back


def test_a_cache_that_cannot_be_written_still_gives_the_gil(
        calibrations: list[gil.GilMark | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # its 'fetchtui' folder cannot be made
    mark = gil.known_mark()
    assert mark is not None and in_runtime(mark)
    assert len(calibrations) == 1
    assert list(tmp_path.iterdir()) == [blocked]  # nothing half-written left behind


def test_the_cache_keeps_a_bounded_number_of_interpreters(calibrations: list[gil.GilMark | None]) -> None:
    path = Path(gil.cache_path())
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({f"/old/python{i} 3.11": {"python": [0], "path": "/x", "identity": [0],
                                                          "low": 0, "high": 1} for i in range(100)}))
    gil.known_mark()
    kept = json.loads(path.read_text())
    assert len(kept) == gil.CACHE_ENTRIES
    assert any(key.startswith(os.path.realpath(sys.executable)) for key in kept)
