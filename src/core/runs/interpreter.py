"""Which Python runs a run's fetch process: what it is, whether its GIL is on, and finding one.

The interpreter is a run setting (`--python PATH`): the pool runs in a fetch process of its
own (runs/child.py), so the front end stays on its own Python while the workers run on, say,
a free-threaded 3.13t (PEP 703). A run reports the interpreter that ran it, read in the fetch
process itself, and its ceiling follows: one GIL per process with the GIL, the cores without.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fetchtui.core.report.shape import spec, to_doc

#: Names a free-threaded (or newer) Python goes by on PATH: the setup pane and F5 offer them.
ON_PATH = ("python3.13t", "python3.14t", "python3.14")
PROBE_TIMEOUT_S = 30.0  # a cold interpreter importing fetchtui from a slow disk

_PROBE = """\
import json, sys
try:
    import fetchtui
    from fetchtui.core.runs.interpreter import current
except Exception as exc:
    print(json.dumps({"missing": f"{type(exc).__name__}: {exc}"}))
else:
    print(json.dumps({**current().to_json(), "fetchtui": fetchtui.__version__}))
"""


class InterpreterError(ValueError):
    """A --python that cannot run a fetch process: the message says what to install, `brief`
    what a drop-down has room for (`no such file`, `not a Python`, `no fetchtui`)."""

    def __init__(self, message: str, brief: str) -> None:
        super().__init__(message)
        self.brief = brief


@dataclass(frozen=True, slots=True)
class PythonInfo:
    """The interpreter a fetch process runs on, as it reported itself."""

    # the defaults are what a file that names no such field reads as (core/report/codec.py)
    executable: str = ""
    version: str = ""  # "3.13.5"
    implementation: str = ""  # "cpython"
    free_threaded: bool = False  # built with --disable-gil (Py_GIL_DISABLED)
    #: sys._is_gil_enabled() where it exists (an extension not made for free threading turns it on)
    gil: bool = True
    #: CPUs this process may run on: without the GIL, threads share them (0 read back: this machine's)
    cores: int = field(default=0, metadata=spec(high=1 << 20))

    @property
    def short(self) -> str:
        """`3.11`, `3.13t`: how a table column or a chart label names it."""
        major_minor = ".".join(self.version.split(".")[:2])
        return major_minor + ("t" if self.free_threaded else "")

    @property
    def label(self) -> str:
        """`3.13t GIL off`: what the stats line says."""
        return f"{self.short} GIL {'on' if self.gil else 'off'}"

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = to_doc(self)
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> PythonInfo:
        return cls(str(doc.get("executable", "")), str(doc.get("version", "")),
                   str(doc.get("implementation", "")), bool(doc.get("free_threaded", False)),
                   bool(doc.get("gil", True)), int(doc.get("cores") or os.cpu_count() or 1))


def cores() -> int:
    """CPUs this process may run on (its affinity, where the OS says; else the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def current() -> PythonInfo:
    """This process's interpreter, with its GIL as it is now."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    free = False  # no build before 3.13 has one: sysconfig is not imported for it (bench/startup.py)
    if sys.version_info >= (3, 13):
        import sysconfig

        free = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    return PythonInfo(sys.executable, ".".join(map(str, sys.version_info[:3])),
                      sys.implementation.name, free, bool(is_enabled()) if is_enabled else True, cores())


def _key(path: str) -> tuple[str, str]:
    """What tells interpreters apart: the binary, and the directory it was called from (two
    venvs of one Python share the binary, not their packages)."""
    import shutil  # here: events import this module, and `fetchtui run URL` is timed (startup)

    found = shutil.which(path) or path
    return os.path.dirname(os.path.abspath(found)), os.path.realpath(found)


def same(path: str | None) -> bool:
    """Whether `path` is this process's own interpreter (None is)."""
    return path is None or _key(path) == _key(sys.executable)


_probed: dict[str, PythonInfo] = {}


def probe(path: str) -> PythonInfo:
    """What `path` is, asked by running it: InterpreterError (one line, what to install) if it
    is not a Python or has no fetchtui of this version to import. Cached per path."""
    import json
    import shutil
    import subprocess

    from fetchtui import __version__
    from fetchtui.core.runs.child_env import child_env

    if path in _probed:
        return _probed[path]
    found = shutil.which(path)
    if found is None:
        why = "no such file" if not os.path.exists(path) else "not executable"
        raise InterpreterError(f"--python {path}: {why}", why)
    try:
        done = subprocess.run([found, "-c", _PROBE], capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL, env=child_env())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InterpreterError(f"--python {path}: could not run it ({exc})", "cannot run it") from None
    lines = done.stdout.strip().splitlines()
    try:
        doc = json.loads(lines[-1]) if lines else None
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise InterpreterError(f"--python {path}: not a Python interpreter (`{path} -c CODE` "
                               f"exited {done.returncode} without answering)", "not a Python")
    install = f"install it there: {path} -m pip install fetchtui=={__version__} " \
              f"(or, from a checkout, `pip --python {path} install .`)"
    if "missing" in doc:
        raise InterpreterError(f"--python {path}: fetchtui does not import there "
                               f"({str(doc['missing'])[:100]}); {install}", "no fetchtui")
    if doc.get("fetchtui") != __version__:
        raise InterpreterError(f"--python {path} has fetchtui {doc.get('fetchtui')}, this is "
                               f"{__version__}; {install}", "another fetchtui")
    info = _probed[path] = PythonInfo.from_json(doc)
    return info


def offered(given: Sequence[str] = ()) -> list[str | None]:
    """The interpreters a front end lists: its own (None), those given with --python, then
    those of ON_PATH that PATH has; each once."""
    import shutil

    out: list[str | None] = [None]
    seen = {_key(sys.executable)}
    for path in [*given, *filter(None, map(shutil.which, ON_PATH))]:
        if _key(path) not in seen:
            seen.add(_key(path))
            out.append(path)
    return out


def parallelism(python: PythonInfo | None, processes: int, releases_gil: bool = False,
                threaded: bool = True) -> float:
    """Cores of CPU a run's clients can spend at once. With the GIL: one per process (up to
    the cores), as Python runs one thread of a process at a time; a client whose HTTP runs in
    C with the GIL released is bounded by the cores instead. Without the GIL: the cores. A
    model that runs all of a process's workers on one thread (an event loop) spends at most
    one core per process, GIL or not."""
    n = python.cores if python is not None else cores()
    gil = python.gil if python is not None else True
    if not threaded or (gil and not releases_gil):
        return float(min(processes, n))
    return float(n)
