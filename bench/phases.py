"""The lesson as a table: what a shared Session saves, per client, over HTTP and over TLS.

200 x /delay/20 at 10 workers on each client, against the demo server in its own process
(plain, and over TLS with a throwaway CA), the host given by name (`localhost`) so DNS counts
too. Prints, in one run: connections opened, mean DNS, connect and TLS ms of a new
connection, p50 wait, elapsed, and elapsed against the shared Session's.

    python bench/phases.py [--requests 200] [--workers 10] [--delay 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import trustme

from fetchtui.core.input.config import FetchLimits, RunConfig, check_client
from fetchtui.core.input.targets import parse_targets
from fetchtui.core.registry import THREAD_CLIENTS
from fetchtui.core.runs.sweep import run_once
from fetchtui.core.stats import RunStats

SERVER = """
import ssl, sys
from fetchtui.core.demo.server import DemoServer
context = None
if len(sys.argv) > 1:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[1])
server = DemoServer(ssl_context=context)
print(server.url, flush=True)
server.serve_forever()
"""


def start_server(cert: str | None) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, *([cert] if cert else [])],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip().replace("127.0.0.1", "localhost")


def mean_ms(values: list[int]) -> str:
    return f"{statistics.fmean(values) / 1e6:.2f}" if values else "-"


def row(stats: RunStats) -> list[str]:
    new = [rec.phases for rec in stats.records
           if rec is not None and rec.phases is not None and rec.phases.conn_reused is False]
    summary = stats.summary()
    return [str(summary.connections.opened),
            mean_ms([p.dns_ns for p in new if p.dns_ns is not None]),
            mean_ms([p.connect_ns for p in new if p.connect_ns is not None]),
            mean_ms([p.tls_ns for p in new if p.tls_ns is not None]),
            f"{summary.phases_ms['wait'].p50:.2f}", f"{summary.elapsed_s:.3f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=10)
    parser.add_argument("--delay", type=int, default=20, help="ms the server waits per request")
    args = parser.parse_args()
    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as tmp:
        cert, ca_file = Path(tmp) / "server.pem", Path(tmp) / "ca.pem"
        ca.issue_cert("localhost", "127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(cert))
        ca.cert_pem.write_to_path(str(ca_file))
        print(f"{args.requests} x /delay/{args.delay} at {args.workers} workers, host by name "
              "(ms: mean over the requests that opened a connection; wait: p50 of all)")
        header = ("scheme", "client", "opened", "dns", "connect", "tls", "wait p50", "elapsed s",
                  "vs shared")
        print("  ".join(f"{h:>19}" if i == 1 else f"{h:>9}" for i, h in enumerate(header)))
        for scheme, cert_arg in (("http", None), ("https", str(cert))):
            proc, base = start_server(cert_arg)
            try:
                targets = parse_targets(f"{base}/delay/{args.delay} x{args.requests}")
                shared = None
                for client in THREAD_CLIENTS:
                    config = RunConfig(args.workers, check_client(client),
                                       FetchLimits(timeout=30, ca_bundle=str(ca_file)))
                    stats = run_once(targets, config)
                    assert stats.ok == args.requests, stats.error_counts
                    elapsed = stats.summary().elapsed_s
                    shared = shared or elapsed
                    cells = [scheme, client, *row(stats), f"{elapsed / shared:.2f}x"]
                    print("  ".join(f"{c:>19}" if i == 1 else f"{c:>9}" for i, c in enumerate(cells)))
            finally:
                proc.kill()


if __name__ == "__main__":
    main()
