"""Load on an HTTP endpoint: wrk (with bench/report_load.lua) where it is installed, else a
threaded Python client; latency percentiles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from urllib.parse import urlsplit

from bench.harness.basics import ROOT, BenchError, log

WRK_SCRIPT = ROOT / "bench" / "report_load.lua"


def ensure_wrk() -> str | None:
    """wrk from Debian's packages, installed if missing and we may; else None (the threaded
    Python client is used instead)."""
    found = shutil.which("wrk")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing wrk (Debian package)")
        for args in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
            subprocess.run(args, capture_output=True, timeout=600, check=False)  # noqa: S603
    return shutil.which("wrk")


def load_endpoint(wrk: str | None, url: str, token: str, *, clients: int, seconds: float) -> dict:
    """`clients` clients on `url` for `seconds`: with wrk when there is one, else with threads."""
    if wrk:
        return load_wrk(wrk, url, token=token, clients=clients, seconds=seconds)
    return load_threads(url, token=token, clients=clients, seconds=seconds)


def load_wrk(wrk: str, url: str, *, token: str, clients: int, seconds: float) -> dict:
    threads = min(2, clients)
    completed = subprocess.run(  # noqa: S603
        [
            wrk,
            f"-t{threads}",
            f"-c{clients}",
            f"-d{int(seconds)}s",
            "--timeout",
            "10s",
            "-H",
            f"Authorization: Bearer {token}",
            "-s",
            str(WRK_SCRIPT),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("{")), None)
    if completed.returncode != 0 or line is None:
        raise BenchError(f"wrk failed: {completed.stdout[-2000:]} {completed.stderr[-2000:]}")
    raw = json.loads(line)
    seconds_run = raw["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "clients": clients,
        "seconds": round(seconds_run, 2),
        "requests": raw["requests"],
        "errors": raw["errors"],
        "non_2xx": raw["non2xx"],
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": raw["p50"] / 1000,
        "p95_ms": raw["p95"] / 1000,
        "p99_ms": raw["p99"] / 1000,
        "max_ms": raw["max"] / 1000,
        "mean_ms": round(raw["mean"] / 1000, 2),
    }


def load_threads(url: str, *, token: str, clients: int, seconds: float) -> dict:
    """The fallback load generator: `clients` threads, each a keep-alive connection looping for
    `seconds`. The client shares the 2 cores with the server; wrk is preferred."""
    import http.client

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                ok = False
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "tool": "python-threads",
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "errors": errors[0],
        "non_2xx": errors[0],
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": pct(1.0),
        "mean_ms": round(sum(latencies) / len(latencies) * 1000, 2),
    }


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]
