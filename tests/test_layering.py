"""The layers hold: core never imports textual, a headless run never does, and the TUI never
opens a socket itself (its runs' requests leave from the fetch process)."""

from __future__ import annotations

import pkgutil

import fetchtui.core
from tests.python_child import run_python


def test_importing_every_core_module_never_imports_textual() -> None:
    modules = [m.name for m in pkgutil.walk_packages(fetchtui.core.__path__, "fetchtui.core.")]
    assert "fetchtui.core.runs.child" in modules and "fetchtui.core.fetching.client" in modules
    result = run_python(f"""
        import importlib, sys
        for name in {modules!r}:
            importlib.import_module(name)
        print(sorted(m for m in sys.modules if m == "textual" or m.startswith("textual.")))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_headless_run_never_imports_textual_nor_an_unused_client(base: str) -> None:
    result = run_python(f"""
        import sys
        from fetchtui.cli import main
        code = main(["run", "{base}/delay/0 x3", "-w", "2"])
        print(code, [m for m in ("textual", "httpx", "requests") if m in sys.modules])
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0 ['requests']"


def test_importing_the_package_changes_nothing_in_the_process() -> None:
    result = run_python("""
        import os, sys, warnings
        import requests, httpx, rich, textual.app  # their own import-time filters are theirs
        env, filters = dict(os.environ), list(warnings.filters)
        import fetchtui.cli, fetchtui.tui.app, fetchtui.headless.runner
        import fetchtui.core.fetching.requests_client, fetchtui.core.fetching.httpx_client
        from fetchtui.core.fetching import deadline
        print(dict(os.environ) == env, list(warnings.filters) == filters, deadline._hook_installed)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False"]


def test_the_tui_opens_no_socket_of_its_own_during_a_run() -> None:
    # A process of its own: an audit hook cannot be removed once it is installed.
    result = run_python("""
        import asyncio, sys, time
        from fetchtui.core.demo.server import DemoServer
        from fetchtui.core.input.config import RunConfig
        from fetchtui.tui.app import FetchApp

        connects = []
        def audit(event, args):
            if event == "socket.connect":
                connects.append(args[1])

        async def main(url):
            app = FetchApp(f"{url}/delay/5 x20", RunConfig(workers=4))
            async with app.run_test() as pilot:
                await pilot.press("ctrl+s")
                give_up = time.monotonic() + 30
                while not (app.stats and app.stats.ended) and time.monotonic() < give_up:
                    await pilot.pause(0.02)
                return app.stats.ok if app.stats else -1

        with DemoServer() as server:
            sys.addaudithook(audit)
            ok = asyncio.run(main(server.url))
        print(ok, connects)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "20 []"
