"""The benchmarks of issue 5, at national scale, each beside the database's own limit measured in
the same run: `make bench` (or `.venv/bin/python bench/run.py`), `--quick` for a small run.

Against PostgreSQL, Redis, gunicorn and a real Celery worker, all on this machine (the runner
starts and stops gunicorn and the worker; load only ever goes to 127.0.0.1):

1. ingestion through POST /api/v1/attendance/bulk on gunicorn (a real JWT, validated,
   idempotent, audited) in records/s, against COPY of the same records into the same table;
2. a full aggregation by the Celery worker (task reporting.rebuild_progress: one task per
   province, then the publication), against one SQL GROUP BY computing the same per-enrolment
   figures (checked equal to the job's);
3. freshness: an online session of 6,300 learners posted, then the national report polled until
   it shows the learners who completed; p95 over repeats on different classes;
4. the report API (national summary, one province) under concurrent clients (wrk), every request
   authenticated in full (the JWT validated, the account read from the database);
5. the worker's peak memory (RSS of the worker and its pool processes) during item 2 at three
   dataset sizes, and the time of item 2 at each;
6. the naive way beside items 1 and 2 (DRF ModelSerializer(many=True) saving row by row; an ORM
   loop over enrolments), on a smaller slice.

It prints a table and writes bench/results/<timestamp>.json (machine, versions, sizes, every figure
with its reference, ratio, target and whether it is met). Exit status: 0 when it ran (targets met
or not), 2 when PostgreSQL or Redis cannot be reached or a step fails.

The datasets are generated once per size into databases named after --db-prefix and kept (a note
in table bench_dataset says what is there); what the run adds (classes BENCH-..., users bench-...)
is removed at the end.

Each item is a module of bench/items/ (ingestion, aggregation, worker_memory, freshness,
report_load, naive_comparison; aggregation_breakdown beside item 2); what they share (the state of
the run, the datasets, gunicorn and the worker, the fixtures, the table and the JSON) is in
bench/harness/.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.basics import ROOT, BenchError, log  # noqa: E402
from bench.harness.fixtures import fixtures_create, fixtures_remove  # noqa: E402
from bench.harness.processes import stop_all  # noqa: E402
from bench.harness.results import print_table, results_write  # noqa: E402
from bench.harness.run_context import Run  # noqa: E402
from bench.items import (  # noqa: E402
    aggregation,
    freshness,
    ingestion,
    naive_comparison,
    report_load,
    worker_memory,
)
from bench.items.aggregation_breakdown import rebuild_breakdown  # noqa: E402

# --- options -----------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="a small run of a couple of minutes")
    parser.add_argument(
        "--sizes",
        help="enrolments of the datasets of items 2 and 5, comma-separated; the largest is the main "
        "one, used by every item (default 100000,200000,500000: about 1, 2 and 5 million "
        "attendance records; --quick: 10000,20000,40000)",
    )
    parser.add_argument("--learners", type=int, help="learners of an online session (default 6300)")
    parser.add_argument(
        "--ingest-sessions", type=int, help="sessions ingested in item 1 (default 10; quick 4)"
    )
    parser.add_argument(
        "--ingest-clients",
        type=int,
        default=3,
        help="concurrent clients posting in item 1 (one per gunicorn worker)",
    )
    parser.add_argument("--freshness-repeats", type=int, help="item 3 repeats (default 20; quick 5)")
    parser.add_argument("--load-clients", type=int, default=50, help="concurrent clients of item 4")
    parser.add_argument(
        "--load-seconds", type=float, help="seconds per endpoint in item 4 (default 20; quick 5)"
    )
    parser.add_argument("--naive-records", type=int, help="records of the naive ingestion (default 6300)")
    parser.add_argument(
        "--naive-enrolments", type=int, help="enrolments of the naive aggregation (default 20000; quick 3000)"
    )
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--gunicorn-threads", type=int, default=1, help=">1: the gthread worker class")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery prefork pool size")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL database to connect to first (databases are created beside it)",
    )
    parser.add_argument("--db-prefix", default=os.environ.get("BENCH_DB_PREFIX", "cadre_bench"))
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"), help="broker"
    )
    parser.add_argument("--regenerate", action="store_true", help="generate the datasets again")
    parser.add_argument(
        "--only", help="comma-separated items to run (1-6; default all); 2 and 5 run together"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.sizes = sorted(
        int(s) for s in (args.sizes or ("10000,20000,40000" if quick else "100000,200000,500000")).split(",")
    )
    args.learners = args.learners or 6300
    args.ingest_sessions = args.ingest_sessions or (4 if quick else 10)
    args.freshness_repeats = args.freshness_repeats or (5 if quick else 20)
    args.load_seconds = args.load_seconds or (5 if quick else 20)
    args.naive_records = args.naive_records or args.learners
    args.naive_enrolments = args.naive_enrolments or (3000 if quick else 20000)
    args.only = {int(i) for i in args.only.split(",")} if args.only else {1, 2, 3, 4, 5, 6}
    if 2 in args.only or 5 in args.only:
        args.only |= {2, 5}
    return args


def execute(run: Run) -> int:
    """Every item asked for, in the order that shares the set-up: items 2, 5 and 6's aggregation
    on the datasets first, then the fixtures, the worker and gunicorn for items 1, 6, 3 and 4."""
    run.preflight()
    run.datasets()
    run.django_setup()
    only = run.args.only
    try:
        if 2 in only:
            per_size = aggregation.measure(run)
            worker_memory.measure(run, per_size)
            run.details["rebuild_breakdown"] = rebuild_breakdown()
        if 6 in only:
            naive_comparison.measure_aggregation(run)
        if only & {1, 3, 4, 6}:
            run.fixtures = fixtures_create(run)
            env = {**run.env, "DATABASE_URL": run.main_url}
            run.worker.start(env, run.app)
            run.gunicorn.start(env)
            log(f"gunicorn {run.gunicorn.describe()} and the Celery worker {run.worker.describe()} up")
            if only & {1, 6}:
                ingested = ingestion.measure(run)
                if 6 in only:
                    naive_comparison.measure_ingestion(run, ingested)
            if 3 in only:
                freshness.measure(run)
            if 4 in only:
                report_load.measure(run)
    finally:
        run.gunicorn.stop()
        run.worker.stop()
        stop_all()
        try:
            fixtures_remove()
        except Exception:  # noqa: BLE001 - the figures are still worth writing
            traceback.print_exc()
    path = results_write(run)
    print_table(run.figures)
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return 0


def _terminated(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    # Stopped from outside (make interrupted, a time limit): the finally blocks still stop
    # gunicorn and the worker and remove the run's rows.
    signal.signal(signal.SIGTERM, _terminated)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    run = Run(args)
    try:
        return execute(run)
    except BenchError as error:
        print(f"\nbench: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
