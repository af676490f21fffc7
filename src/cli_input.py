"""What the command line's arguments become: the list, the request spec, the run config and
the history. Bad input exits 2 with one line saying what is wrong, before anything is fetched."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn, Protocol
from urllib.parse import urlsplit

from fetchtui.core import registry
from fetchtui.core.input.config import (
    ConfigError,
    FetchLimits,
    RunConfig,
    check_client,
    check_model,
)
from fetchtui.core.input.textsafe import safe_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fetchtui.core.demo.server import DemoServer
    from fetchtui.core.history.records import History
    from fetchtui.core.input.targets import RequestSpec, Target


class Served(Protocol):
    """A demo server a run's list may name (`--demo`): in this process, or a lesson's own."""

    @property
    def url(self) -> str: ...


def history_for(args: argparse.Namespace, front_end: str) -> History:
    """The run history the command records into; a file that cannot be used is said once,
    and the run goes on without it."""
    from fetchtui.core.history.records import History

    if getattr(args, "no_history", False):
        return History(front_end=front_end)
    from fetchtui.core.history.store import HistoryError, HistoryStore, default_path

    try:
        return History(HistoryStore(args.history or default_path()), front_end)
    except HistoryError as exc:
        history = History(front_end=front_end)
        if front_end == "tui":  # stderr is under the screen there: the app says it on mount
            history.problem = f"{exc}; runs are not recorded"
        else:
            print(f"fetchtui: warning: {safe_text(str(exc))}; this run is not recorded", file=sys.stderr)
        return history


@dataclass(frozen=True, slots=True)
class ListSource:
    """Where the URL list text came from, and the text."""

    text: str
    origin: str


def read_list(args: argparse.Namespace) -> ListSource:
    """The list text from URL arguments and/or -f FILE; raises SystemExit(2) with a message."""
    from fetchtui.core.input.config import MAX_LIST_BYTES
    from fetchtui.core.input.targets import TooLarge, read_capped

    parts = url_arguments(args.urls)
    origin = "arguments"
    if args.file:
        try:
            if args.file == "-":
                data = read_capped(sys.stdin.buffer, MAX_LIST_BYTES, "a list")
            else:
                with open(args.file, "rb") as handle:
                    data = read_capped(handle, MAX_LIST_BYTES, "a list")
            parts.insert(0, data.decode("utf-8-sig"))
            origin = "stdin" if args.file == "-" else args.file
        except OSError as exc:
            fail(f"cannot read {args.file}: {exc.strerror or exc}")
        except TooLarge as exc:
            fail(f"-f {args.file}: {exc}")
        except UnicodeDecodeError as exc:
            fail(f"{args.file} is not UTF-8 text (byte {exc.start})")
    return ListSource("\n".join(parts), origin)


def url_arguments(words: list[str]) -> list[str]:
    """The URL arguments as list lines: `URL x3000` unquoted is one line, its repeat count a
    word of its own after it (`x3000` cannot be a URL)."""
    lines: list[str] = []
    for word in words:
        if lines and word[:1] == "x" and word[1:].isascii() and word[1:].isdigit():
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def fail(message: str) -> NoReturn:
    print(f"fetchtui: error: {safe_text(message)}", file=sys.stderr)
    raise SystemExit(2)


def run_config(args: argparse.Namespace, server: Served | None = None) -> RunConfig:
    proxy = proxy_or_exit(args.proxy) if args.proxy is not None else None
    json_path, csv_path = getattr(args, "json", None), getattr(args, "csv", None)
    if json_path is not None or csv_path is not None:  # a plain run does not import the exports
        from fetchtui.core.report.export import export_paths_problem

        problem = export_paths_problem(json_path, csv_path)
        if problem is not None:
            fail(problem)
    if args.cacert is not None:
        cacert_or_exit(args.cacert)
    limits = FetchLimits(timeout=args.timeout, max_bytes=args.max_bytes,
                         max_redirects=args.max_redirects, verify=not args.insecure,
                         ca_bundle=args.cacert, proxy=proxy, env_proxy=not args.no_proxy,
                         direct=(f"{server.url}/",) if server is not None else (), http2=args.http2)
    try:
        if args.duration is not None and getattr(args, "stages", None):  # the usage's -z | --stages
            raise ConfigError("--stages sets the run's duration (the sum of its stages): leave -z out")
        if args.cut_at_end and args.duration is None and not getattr(args, "stages", None):
            raise ConfigError("--cut-at-end needs a duration (-z or --stages)")
        implied = registry.multi_process_model() if args.processes is not None else "threads"
        model = check_model(args.model or implied)
        if args.processes is not None and not registry.MODELS[model].multi_process:
            raise ConfigError(f"-P sets the processes of --model processes, not of {model}")
        client = args.client or registry.default_client(model)
        processes = args.processes or registry.default_processes(model)
        return RunConfig(workers=args.workers, client=check_client(client), limits=limits,
                         model=model, processes=registry.processes_for(model, processes),
                         rate=args.rate, duration=args.duration, cut_at_end=args.cut_at_end,
                         stages=getattr(args, "stages", None) or (),
                         python=python_or_exit(args.python) if args.python else None)
    except ConfigError as exc:
        fail(str(exc))


def cacert_or_exit(path: str) -> None:
    """--cacert PATH, loaded once as the clients load it: a missing file, a folder or a file
    with no certificate in it exits 2 with one line, before anything is fetched (else each
    request would fail on it, or every one be cancelled). Checked with -k too: -k wins over
    it, but a bad path is a mistake all the same."""
    import ssl

    shown = safe_text(path, 200)
    if not path.strip():
        fail("--cacert needs the path of a file of PEM certificates")
    try:
        ssl.create_default_context(cafile=path)
    except IsADirectoryError:
        fail(f"--cacert {shown}: a folder; give a file of PEM certificates")
    except ssl.SSLError as exc:  # before OSError, its base
        fail(f"--cacert {shown}: no PEM certificate found in it ({exc.reason or exc})")
    except OSError as exc:
        fail(f"--cacert {shown}: cannot read it ({exc.strerror or exc})")
    except ValueError as exc:  # a NUL in the path
        fail(f"--cacert {shown}: {exc}")


def python_or_exit(path: str) -> str | None:
    """--python PATH, checked by running it (it must import this fetchtui): a bad one exits 2
    with one line saying what to install. This interpreter itself is None (the run's own)."""
    from fetchtui.core.runs.interpreter import InterpreterError, probe, same

    if same(path):
        return None
    try:
        probe(path)
    except InterpreterError as exc:
        fail(str(exc))
    return path


def proxy_or_exit(text: str) -> str:
    """-x as curl takes it (no scheme: http://), checked: a bad one exits 2, its password masked."""
    from fetchtui.core.fetching.proxies import PROXY_SCHEMES, proxy_url
    from fetchtui.core.input.targets import ambiguous_authority, mask_text, url_authority

    scheme = text.partition(":")[0].lower()
    if scheme in PROXY_SCHEMES and "://" not in text:  # `http:u:p@host`: a typo, not a host
        masked = mask_text(f"x://{text.partition(':')[2]}")[4:]
        fail(f"-x takes a proxy URL such as http://proxy.example:3128, got '{scheme}:{masked}'")
    url = proxy_url(text)
    shown = mask_text(url)
    # the rule a list's URLs are held to: the host part every client reads the same way
    problem = ambiguous_authority(url_authority(url))
    if problem is None and any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        problem = "a proxy URL cannot hold spaces or control characters (percent-encode them)"
    if problem is not None:
        fail(f"-x {shown!r}: {problem}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        fail(f"-x {shown!r} is not a valid proxy URL ({exc})")
    if parts.scheme.lower() not in PROXY_SCHEMES or not parts.hostname:
        fail(f"-x takes a proxy URL such as http://proxy.example:3128, got {shown!r}")
    return url


def request_spec(args: argparse.Namespace) -> RequestSpec:
    """The -X/-H/-d of the command line: what every line of the list sends unless it says."""
    from fetchtui.core.input.config import MAX_BODY_BYTES
    from fetchtui.core.input.targets import (
        DEFAULT_SPEC,
        RequestSpec,
        TooLarge,
        parse_header,
        parse_method,
        read_body,
        read_body_file,
        read_capped,
    )

    if args.method is None and not args.headers and args.data is None:
        return DEFAULT_SPEC
    try:
        headers = tuple(parse_header(h) for h in args.headers)
        body = None
        if args.data is not None:
            if args.data == "@-":
                if args.file == "-":
                    fail("-d @- reads stdin, and so does -f -: give the body or the list a file")
                try:
                    body = read_capped(sys.stdin.buffer, MAX_BODY_BYTES, "a body")
                except TooLarge as exc:
                    fail(f"-d @-: {exc}")
            else:
                body = read_body(args.data, read_body_file)
        method = parse_method(args.method) if args.method else ("POST" if body is not None else "GET")
    except ValueError as exc:
        fail(str(exc))
    return RequestSpec(method, headers, body)


def demo_server(args: argparse.Namespace) -> DemoServer | None:
    """The demo server --demo asked for, started; imported only then."""
    if not args.demo:
        return None
    from fetchtui.core.demo.server import DEMO_PORT, DemoServer

    try:
        return DemoServer(DEMO_PORT).start()
    except OSError:  # another demo holds it: any free port (its list is then another list)
        return DemoServer().start()


def list_text(source: ListSource, server: Served | None) -> str:
    """The list as given, or the demo server's list when --demo came without URLs."""
    if server is not None and not source.text.strip():
        from fetchtui.core.demo.server import demo_list

        return demo_list(server.url)
    return source.text


def targets_or_exit(source: ListSource, server: Served | None,
                     spec: RequestSpec | None = None) -> Sequence[Target]:
    """Parse the list (the demo list when --demo gave no URLs); exit 2 listing bad lines."""
    from fetchtui.core.input.targets import TargetsError, parse_targets

    text = list_text(source, server)
    if not text.strip():
        fail("no URLs given (pass URLs, -f FILE, or --demo)")
    try:
        targets = parse_targets(text, defaults=spec) if spec is not None else parse_targets(text)
    except TargetsError as exc:
        print(f"fetchtui: {len(exc.errors)} bad line(s) in {source.origin}; nothing was fetched",
              file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if not targets:
        fail(f"the list from {source.origin} has no URLs (only comments or blank lines)")
    return targets
