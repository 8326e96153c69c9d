"""Item 4: the report API (the national summary, one province's report) under concurrent clients
(wrk), each request authenticated in full (the JWT validated, the account read from PostgreSQL)
before the cached answer is read from Redis; beside the same endpoint with one client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.harness.basics import BenchError, log
from bench.harness.http_calls import http_call
from bench.harness.load import ensure_wrk, load_endpoint

if TYPE_CHECKING:
    from bench.harness.run_context import Run


def measure(run: Run) -> None:
    """Each endpoint warmed up, then loaded with `load_clients` clients, then with one."""
    from courses.models import Province

    token = run.token()
    programme = run.programme_id()
    province = Province.objects.current().get(code="01")
    wrk = ensure_wrk()
    base = run.gunicorn.base
    endpoints = [
        ("national summary", f"{base}/api/v1/reports/summary?programme={programme}"),
        (f"province detail ({province.name})", f"{base}/api/v1/reports/provinces/{province.pk}?programme={programme}"),
    ]  # fmt: skip
    run.wait_idle()
    results = {}
    for label, url in endpoints:
        status, _data = http_call(base, "GET", url[len(base) :], None, token=token)
        if status != 200:
            raise BenchError(f"GET {url} answered {status}")
        log(f"item 4: {label}, {run.args.load_clients} clients, {run.args.load_seconds:.0f} s")
        # Warm-up: connections, caches, the workers' first requests.
        load_endpoint(wrk, url, token, clients=run.args.load_clients, seconds=2)
        result = load_endpoint(wrk, url, token, clients=run.args.load_clients, seconds=run.args.load_seconds)
        single = load_endpoint(wrk, url, token, clients=1, seconds=min(5, run.args.load_seconds))
        results[label] = {"load": result, "one_client": single}
        run.figure(
            4,
            f"report API, {label}: p95 at {run.args.load_clients} clients",
            result["p95_ms"],
            "ms",
            reference=single["p95_ms"],
            reference_name="p95 with one client",
            ratio=result["p95_ms"] / single["p95_ms"] if single["p95_ms"] else None,
            target="p95 < 50 ms",
            met=result["p95_ms"] < 50 and result["errors"] == 0,
            p50_ms=result["p50_ms"],
            p99_ms=result["p99_ms"],
            rps=result["rps"],
            errors=result["errors"],
            one_client_p50_ms=single["p50_ms"],
            one_client_rps=single["rps"],
            tool=result["tool"],
        )
    run.details["report_load"] = results
