"""The export's types are its one declaration: the shipped JSON Schema is theirs, real exports
(old ones too) satisfy it, and the codec made from them reads back what it writes."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.report import codec, stored
from fetchtui.core.report.export import REQUEST_FIELDS, config_dict
from fetchtui.core.report.export_doc import ExportConfig, ExportDoc
from fetchtui.core.report.export_schema import made, shipped
from fetchtui.core.report.summary import (
    CheckResult,
    Connections,
    Latency,
    Limit,
    OpenLoop,
    RunSummary,
    StageFigures,
    UrlFigures,
)
from fetchtui.core.runs.interpreter import current
from fetchtui.core.runs.replay import Recording

CMD = [sys.executable, "-m", "fetchtui"]
OLD_EXPORT = Path(__file__).resolve().parents[1] / "data" / "export-0.1.0.json"


def fetchtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(shipped())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def real_export(base: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A run with a failure, a check and a rate: most of the optional parts filled in."""
    path = tmp_path_factory.mktemp("schema") / "run.json"
    result = fetchtui("run", f"{base}/delay/0 x6", f"{base}/status/503", "-w", "2", "-q", "200",
                      "--check", "p99 < 10s", "--no-history", "--json", str(path))
    assert result.returncode == 0, result.stderr  # the check held: it decides, not the 503
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def errors(validator: jsonschema.protocols.Validator, doc: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:120]}" for e in validator.iter_errors(doc)]


def test_the_shipped_schema_is_the_one_the_types_make() -> None:
    assert shipped() == made(), "an exported type changed: python -m fetchtui.core.report.export_schema"


def test_a_real_export_satisfies_the_schema_and_reads_back_whole(
        validator: jsonschema.protocols.Validator, real_export: dict[str, Any]) -> None:
    assert errors(validator, real_export) == []
    doc = codec.from_doc(ExportDoc, real_export)
    assert len(doc.requests) == doc.summary.submitted == 7 and doc.summary.failed == 1
    assert [r.id for r in doc.requests] == list(range(7))
    assert doc.summary.checks[0].expr == "p99 < 10s" and doc.summary.open_loop is not None
    assert doc.config.workers == 2 and doc.config.rate == 200


def test_an_export_of_fetchtui_0_1_0_satisfies_the_schema_and_opens(
        validator: jsonschema.protocols.Validator) -> None:
    old = json.loads(OLD_EXPORT.read_text())
    assert errors(validator, old) == []
    doc = codec.from_doc(ExportDoc, old)
    assert doc.summary.submitted == 12 and doc.processes == () and doc.requests[0].dns_ms is None
    result = fetchtui("diff", str(OLD_EXPORT), str(OLD_EXPORT))
    assert result.returncode == 0, result.stderr


def test_an_export_that_names_its_client_backend_opens_with_that_client() -> None:
    """Exports written before the rename say "backend": the codec and a replay read it as the
    client; where both keys are there, "client" is the one read."""
    old = json.loads(OLD_EXPORT.read_text())
    assert old["config"]["backend"] == "httpx" and "client" not in old["config"]
    assert codec.from_doc(ExportDoc, old).config.client == "httpx"
    assert Recording(old).config.client == "httpx"
    both = {**old, "config": {**old["config"], "client": "pycurl"}}
    assert codec.from_doc(ExportDoc, both).config.client == "pycurl"
    assert Recording(both).config.client == "pycurl"


def test_the_schema_refuses_what_is_no_export(validator: jsonschema.protocols.Validator,
                                              real_export: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(real_export))
    bad["summary"]["latency_ms"]["p99"] = -1
    del bad["requests"][0]["outcome"]
    found = errors(validator, bad)
    assert any(e.startswith("summary/latency_ms/p99:") for e in found), found
    assert any(e.startswith("requests/0:") and "'outcome' is a required property" in e for e in found), found


def test_a_written_request_has_the_declared_fields_in_order(validator: jsonschema.protocols.Validator,
                                                           real_export: dict[str, Any]) -> None:
    """The writer's rows (the generated encoder) and the CSV's header are the declaration's."""
    declared = tuple(validator.schema["$defs"]["RequestRow"]["properties"])
    assert declared == REQUEST_FIELDS
    assert {tuple(row) for row in real_export["requests"]} == {declared}


def full_summary() -> RunSummary:
    lat = Latency(1.5, 2.0, 3.25, 4.0)
    return RunSummary(
        submitted=9, ok=6, failed=2, cancelled=1, elapsed_s=1.25, rps=7.2, latency_ms=lat, cpu_share=0.25,
        cpu_ms_per_request=0.5, gil_ceiling_rps=2000.0, status_counts={"200": 6, "503": 2},
        error_counts={"http": 2}, connections=Connections(3, 5), phases_ms={"wait": lat},
        http_versions={"HTTP/1.1": 8}, open_loop=OpenLoop(10.0, 1.0, "cut", 1, 2, lat, lat),
        resizes=((0.5, 4),), pauses=((0.75, 0.125),), paused_s=0.125,
        stages=(StageFigures(workers=2, duration_s=0.5, requests=4, rps=8.0, p50_ms=1.0, p99_ms=2.0),),
        limit=Limit("server", "latency held while workers grew"),
        by_url=(UrlFigures("http://h/a", 9, 6, 2, 1, lat, 90, {"http": 2}),), url_count=1,
        checks=(CheckResult("p99 < 1s", 3.25, True),), sample=((1.5, 0.25), (2.0, 0.5)), python=current())


def test_a_summary_reads_back_as_it_was_written() -> None:
    summary = full_summary()
    assert RunSummary.from_json(json.loads(json.dumps(summary.to_json(sample=True)))) == summary
    written = summary.to_json()
    assert "sample" not in written and written["resizes"] == [{"t_s": 0.5, "workers": 4}]
    assert written["open_loop"]["latency_from_schedule_ms"]["p99"] == 3.25
    # the text a check shows is not written: it reads back empty
    shown = dataclasses.replace(summary, checks=(CheckResult("p99 < 1s", 3.25, True, "3.2 ms"),))
    assert RunSummary.from_json(shown.to_json()).checks[0].shown == ""


@pytest.mark.parametrize(("where", "value", "says"), [
    (("open_loop", "lag_ms", "p99"), -1, "summary.open_loop.lag_ms.p99 must be a number from 0"),
    (("resizes", 0, "workers"), 1.5, "summary.resizes[0].workers must be a whole number"),
    (("by_url", 0, "url"), 7, "summary.by_url[0].url must be text"),
    (("python", "cores"), 1 << 30, "summary.python.cores must be a whole number from 0 to 1048576"),
])
def test_a_crafted_summary_is_refused_naming_its_field(where: tuple[Any, ...], value: object,
                                                       says: str) -> None:
    doc = full_summary().to_json()
    node = doc
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    with pytest.raises(stored.Invalid, match="^" + re.escape(says)):
        RunSummary.from_json(doc)


def test_a_required_figure_missing_is_named() -> None:
    doc = full_summary().to_json()
    del doc["elapsed_s"]
    with pytest.raises(stored.Invalid, match=r"^summary\.elapsed_s is missing$"):
        RunSummary.from_json(doc)


def test_the_export_config_names_every_fetch_limit() -> None:
    """A new FetchLimits field is an ExportConfig field too (`verify` is written as `insecure`)."""
    limits = {f.name for f in dataclasses.fields(FetchLimits)} - {"verify"} | {"insecure"}
    assert limits <= {f.name for f in dataclasses.fields(ExportConfig)}
    written = config_dict(RunConfig(limits=FetchLimits(proxy="http://u:secret@proxy:3128", verify=False)), 3)
    assert written["insecure"] is True and "secret" not in written["proxy"] and written["requests"] == 3


def test_schema_prints_the_shipped_schema_and_is_listed() -> None:
    result = fetchtui("schema")
    assert result.returncode == 0 and result.stdout == shipped(), result.stderr
    helped = fetchtui("schema", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: fetchtui schema")
    assert "`fetchtui schema` prints the JSON Schema" in " ".join(fetchtui("--help").stdout.split())


@pytest.mark.parametrize("args", [["--help"], ["schema"], ["run", "--help"]])
def test_the_codec_is_loaded_only_to_write_or_read_a_run(args: list[str]) -> None:
    code = ("import sys\nfrom fetchtui.cli import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            "print('codec' if 'fetchtui.core.report.codec' in sys.modules else 'none', file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stderr.splitlines()[-1] == "none", result.stderr
