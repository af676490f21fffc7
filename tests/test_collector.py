"""The command holds Python's cyclic collector while it starts, and gives it back for the run."""

from __future__ import annotations

import gc

from fetchtui import collector
from fetchtui.tui.app import FetchApp
from tests.python_child import run_python
from tests.waiting import pilot_until


def test_the_run_command_collects_again_once_its_run_has_started(base: str) -> None:
    # the state is read where it matters: as the command parses, and as each request ends
    result = run_python(f"""
        import gc, sys
        from fetchtui import cli
        import fetchtui.headless.runner as runner
        seen = []
        parse, trace = cli.build_run_parser, runner.trace_line
        cli.build_run_parser = lambda: (seen.append(("parse", gc.isenabled())), parse())[1]
        runner.trace_line = lambda *a: (seen.append(("request", gc.isenabled())), trace(*a))[1]
        sys.argv = ["fetchtui", "run", "{base}/delay/20 x3", "-w", "1", "--trace", "--no-history"]
        from fetchtui.command import command
        code = command()
        print(code, seen, file=sys.stderr)
    """)
    assert result.returncode == 0, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last == ("0 [('parse', False), ('request', True), ('request', True), ('request', True)]"), last


def test_every_other_command_gives_the_collector_back_at_once() -> None:
    result = run_python("""
        import gc, sys
        from fetchtui import cli
        seen = []
        cli.cmd_history = lambda argv: seen.append(gc.isenabled()) or 0
        sys.argv = ["fetchtui", "history"]
        from fetchtui.command import command
        print(command(), seen, gc.isenabled())
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "[True]", "True"]


def test_importing_the_command_leaves_the_collector_alone() -> None:
    result = run_python("""
        import gc
        import fetchtui.command, fetchtui.collector, fetchtui.cli
        print(gc.isenabled(), gc.get_freeze_count())
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "0"]


async def test_the_app_collects_again_once_it_has_painted() -> None:
    collector.hold()
    try:
        assert not gc.isenabled()
        app = FetchApp("")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot_until(pilot, gc.isenabled, "the collector back on after the first paint")
    finally:
        collector.release()
        gc.enable()  # whatever happened above, the rest of the suite collects
        gc.unfreeze()


def test_release_without_a_hold_changes_nothing() -> None:
    frozen = gc.get_freeze_count()
    collector.release()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
