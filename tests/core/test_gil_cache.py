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
    real = gil.calibration

    def counted(limit_s: float = 2.0) -> tuple[gil.GilMark | None, bool]:
        mark, sure = real(limit_s)
        made.append(mark)
        return mark, sure

    monkeypatch.setattr(gil, "calibration", counted)
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


REAL_CALIBRATION = gil.calibration


def this_key() -> str:
    return f"{os.path.realpath(sys.executable)} {sys.version}"


def entry(**changes: object) -> dict[str, object]:
    """A whole entry for this interpreter, as a calibration here would keep it, changed."""
    mark = REAL_CALIBRATION()[0]  # not counted: the entry is the test's own
    assert mark is not None
    kept = {"python": gil._identity(sys.executable), "path": mark.path, "identity": gil._identity(mark.path),
            "low": mark.low, "high": mark.high}
    return {**kept, **changes}


@pytest.mark.parametrize("content", ["", "{not json", "[1, 2]", '{"x": 1}', "[" * 100_000, "KEY",
                                     "INFINITY"])
def test_a_damaged_cache_is_calibrated_past_and_written_whole_again(
        calibrations: list[gil.GilMark | None], content: str) -> None:
    path = Path(gil.cache_path())
    path.parent.mkdir(parents=True)
    if content == "KEY":  # this interpreter's own entry, its path a number (os.stat would take it for an fd)
        content = json.dumps({this_key(): entry(path=0)})
    elif content == "INFINITY":  # whole and true of this process but for a bound no int holds
        content = json.dumps({this_key(): entry(low=float("inf"))})
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


def test_an_entry_for_a_library_this_process_has_not_mapped_is_calibrated_again(
        calibrations: list[gil.GilMark | None], tmp_path: Path) -> None:
    # the same interpreter run with another LD_LIBRARY_PATH maps another libpython: an entry
    # for a file that exists, unchanged, but is not the one mapped here says nothing of this process
    other = tmp_path / "libpython-elsewhere.so"
    other.write_bytes(b"\0" * 64)
    path = Path(gil.cache_path())
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({this_key(): entry(path=str(other), identity=gil._identity(str(other)))}))
    mark = gil.known_mark()
    assert len(calibrations) == 1 and mark is not None and in_runtime(mark)
    assert mark.path != str(other)


def test_a_fifo_where_the_cache_should_be_is_passed_over_without_blocking(
        calibrations: list[gil.GilMark | None]) -> None:
    path = Path(gil.cache_path())
    path.parent.mkdir(parents=True)
    os.mkfifo(path)  # an open for reading would wait for a writer that never comes
    mark = gil.known_mark()
    assert mark is not None and in_runtime(mark) and len(calibrations) == 1


def test_a_calibration_that_is_not_sure_is_used_but_not_kept(
        calibrations: list[gil.GilMark | None], monkeypatch: pytest.MonkeyPatch) -> None:
    counted = gil.calibration

    def unsure(limit_s: float = 2.0) -> tuple[gil.GilMark | None, bool]:
        return counted(limit_s)[0], False  # as if too few waits were seen in time

    monkeypatch.setattr(gil, "calibration", unsure)
    assert gil.known_mark() is not None
    assert not Path(gil.cache_path()).exists()
    gil.known_mark()
    assert len(calibrations) == 2  # nothing kept: found again


def test_a_relative_cache_home_is_ignored_as_the_xdg_spec_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert gil.cache_path() == os.path.join(os.path.expanduser("~"), ".cache", "fetchtui", "gil.json")
