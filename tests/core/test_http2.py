"""--http2 against a real HTTP/2 server over TLS (hypercorn, a trustme certificate)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fetchtui.core.input.config import ConfigError, FetchLimits, RunConfig

from .helpers import run_list


@pytest.mark.parametrize("client", ["httpx", "pycurl"])
def test_http2_is_spoken_where_asked_and_recorded_per_request(
        h2_server: str, ca_file: str, client: str, tmp_path: Path) -> None:
    # workers sharing one HTTP/2 client at once: httpcore's sync HTTP/2 connection raced there
    stats = run_list(f"{h2_server}/ x60", workers=6, client=client, ca_bundle=ca_file, http2=True)
    assert stats.ok == 60, [r.error for r in stats.records if r and r.error]
    assert stats.summary().http_versions == {"HTTP/2": 60}
    plain = run_list(f"{h2_server}/ x2", workers=1, client=client, ca_bundle=ca_file)
    assert plain.summary().http_versions == {"HTTP/1.1": 2}


def test_the_export_and_summary_carry_the_protocol(h2_server: str, ca_file: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = subprocess.run([sys.executable, "-m", "fetchtui", "run", f"{h2_server}/ x4", "-b", "httpx",
                             "--http2", "--cacert", ca_file, "--json", str(out)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "protocols   HTTP/2: 4" in result.stdout
    doc = json.loads(out.read_text())
    assert doc["summary"]["http_versions"] == {"HTTP/2": 4}
    assert {r["http_version"] for r in doc["requests"]} == {"HTTP/2"}


def test_http2_on_a_client_that_cannot_is_refused_with_a_message() -> None:
    with pytest.raises(ConfigError, match="--http2 needs a client that speaks it"):
        RunConfig(2, "requests", FetchLimits(http2=True))
    result = subprocess.run([sys.executable, "-m", "fetchtui", "run", "https://127.0.0.1:9/", "--http2"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--http2 needs a client" in result.stderr
