"""TLS options mean one thing on every client, against a real TLS server: curl's rule, -k wins."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from fetchtui.core import registry
from fetchtui.core.demo.server import DemoServer
from fetchtui.core.input.config import FetchLimits, RunConfig
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.runs.models import open_source
from fetchtui.core.stats import RunStats

from .helpers import finish

# every pair that runs in the caller's process (processes spawn theirs: tested in test_processes)
PAIRS = [(m, c) for m, c in registry.pairs() if not registry.MODELS[m].processes_of_its_own(1)]


@pytest.fixture(scope="module")
def other_ca_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A CA that did not sign the server's certificate."""
    path = Path(tmp_path_factory.mktemp("other-ca")) / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return str(path)


def fetch_twice(url: str, model: str, client: str, **limits: object) -> RunStats:
    targets = parse_targets(f"{url}/delay/0 x2")
    config = RunConfig(2, client, FetchLimits(**limits), model=model)  # type: ignore[arg-type]
    return finish(open_source(targets, config), RunStats(targets))


@pytest.mark.parametrize(("model", "client"), PAIRS)
def test_cacert_trusts_its_ca_and_only_it(tls_server: DemoServer, ca_file: str, other_ca_file: str,
                                          model: str, client: str) -> None:
    assert fetch_twice(tls_server.url, model, client, ca_bundle=ca_file).ok == 2
    assert fetch_twice(tls_server.url, model, client, ca_bundle=other_ca_file).error_counts == {"tls": 2}
    # no --cacert: the default bundle, which never heard of this throwaway CA
    assert fetch_twice(tls_server.url, model, client).error_counts == {"tls": 2}


@pytest.mark.parametrize(("model", "client"), PAIRS)
def test_insecure_wins_over_cacert_as_in_curl(tls_server: DemoServer, other_ca_file: str,
                                              model: str, client: str) -> None:
    stats = fetch_twice(tls_server.url, model, client, verify=False, ca_bundle=other_ca_file)
    assert (stats.ok, dict(stats.error_counts)) == (2, {})
