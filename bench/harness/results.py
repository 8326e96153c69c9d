"""What a run leaves: the table of figures it prints, each beside its reference, and the JSON
document of the whole run (machine, versions, PostgreSQL settings, every figure) under
bench/results/."""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.harness.basics import RESULTS, ROOT
from bench.harness.databases import sql_connect
from bench.harness.load import ensure_wrk

if TYPE_CHECKING:
    from bench.harness.run_context import Run


def results_write(run: Run) -> Path:
    """The whole run as bench/results/<time>.json: machine, versions, settings, every figure."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(run.started))
    path = RESULTS / f"{stamp}.json"
    document = {
        "benchmark": "issue 5: national scale, each figure beside the database's own limit",
        "started_at": datetime.datetime.fromtimestamp(run.started, datetime.UTC).isoformat(),
        "seconds": round(time.time() - run.started, 1),
        "options": {k: sorted(v) if isinstance(v, set) else v for k, v in vars(run.args).items()},
        "machine": machine(),
        "versions": versions(run),
        "postgres_settings": postgres_settings(run.main_url),
        "datasets": run.sizes,
        "services": {"gunicorn": run.gunicorn.describe(), "celery_worker": run.worker.describe()},
        "figures": run.figures,
        "targets_met": all(f["met"] for f in run.figures if f["met"] is not None),
        "details": run.details,
    }
    path.write_text(json.dumps(document, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    return path


def versions(run: Run) -> dict:
    from importlib.metadata import version

    packages = ["Django", "djangorestframework", "djangorestframework_simplejwt", "celery", "redis",
                "psycopg", "gunicorn", "psutil"]  # fmt: skip
    found = {name: version(name) for name in packages}
    wrk = ensure_wrk() if 4 in run.args.only else None
    if wrk:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
        found["wrk"] = (out.stdout + out.stderr).split("\n")[0].strip()
    git_bin = shutil.which("git") or "git"
    git = subprocess.run(  # noqa: S603
        [git_bin, "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    dirty = subprocess.run(  # noqa: S603
        [git_bin, "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return {
        "python": platform.python_version(),
        **found,
        "postgresql": run.postgres_version,
        "redis_server": run.redis_version,
        "git_commit": git.stdout.strip(),
        "git_dirty": bool(dirty.stdout.strip()),
    }


def machine() -> dict:
    import psutil

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "hostname": platform.node(),
        "os": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
    }


def postgres_settings(url: str) -> dict:
    names = ["shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather", "jit",
             "synchronous_commit", "max_wal_size"]  # fmt: skip
    with sql_connect(url) as conn:
        return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in names}


def _format(value, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and unit in ("s", "ms", "MB"):
        return f"{value:,.3f} {unit}" if unit == "s" and value < 10 else f"{value:,.1f} {unit}"
    if isinstance(value, int | float):
        return f"{value:,.0f} {unit}"
    return f"{value} {unit}"


def print_table(figures: list[dict]) -> None:
    rows = [("#", "figure", "value", "reference (same run)", "ratio", "target", "met")]
    for f in figures:
        reference = f"{_format(f['reference'], f['unit'] if f['item'] != 5 or 'RSS' in f['name'] else 's')}"
        if f["reference_name"]:
            reference += f"  [{f['reference_name']}]"
        rows.append(
            (
                str(f["item"]),
                f["name"],
                _format(f["value"], f["unit"]),
                reference,
                "-" if f["ratio"] is None else f"{f['ratio']:.3f}x",
                f["target"],
                {True: "yes", False: "NO", None: "-"}[f["met"]],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    widths[1] = min(widths[1], 78)
    widths[3] = min(widths[3], 70)
    print()
    for n, row in enumerate(rows):
        print("  ".join(cell[: widths[i]].ljust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    extra = [f for f in figures if f["item"] == 4]
    for f in extra:
        print(f"    item 4 {f['name'].split(': p95')[0]}: p50 {f['p50_ms']} ms, p95 {f['value']} ms, "
              f"p99 {f['p99_ms']} ms, {f['rps']} req/s, errors {f['errors']}")  # fmt: skip


def files_table_print(figures: list[dict]) -> None:
    """The table of bench/files.py: each step's time and peak RSS beside its targets."""
    print()
    print(f"{'step':8} {'rows':>8} {'seconds':>8} {'target':>7} {'peak RSS':>9} {'target':>7}  met")
    for f in figures:
        print(
            f"{f['step']:8} {f['rows']:>8,} {f['seconds']:>8.2f} {f['seconds_target']:>6.0f}s "
            f"{f['peak_rss_mb']:>7.1f}MB {f['rss_target_mb']:>5.0f}MB  {'yes' if f['met'] else 'NO'}"
        )


def files_results_write(figures: list[dict]) -> Path:
    """bench/results/files-<time>.json: the figures of bench/files.py and where they were measured."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"files-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.json"
    machine_brief = {"cpus": os.cpu_count(), "python": platform.python_version()}
    out.write_text(json.dumps({"machine": machine_brief, "figures": figures}, indent=2))
    return out


def attack_outcomes_print(outcomes: list) -> int:
    """What bench/attacks.py prints: each attack with what held, then the count. Returns how many
    held."""
    print()
    for outcome in outcomes:
        print(
            f"[{'held' if outcome.held else 'BROKEN'}] finding {outcome.finding}: {outcome.attack} ({outcome.requests} requests)"
        )
        for line in outcome.seen:
            print(f"    {line}")
    held = sum(o.held for o in outcomes)
    total_requests = sum(o.requests for o in outcomes)
    print(f"\n{held} of {len(outcomes)} attacks held, {total_requests} requests")
    return held
