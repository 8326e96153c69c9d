"""Issue 14's benchmark: a trainer's roster page of a session of 2,000 learners, and marking it.

    make bench-portal            (or .venv/bin/python bench/portal.py)

The page (GET /portal/trainer/sessions/<id>/) must render in under 300 ms of server time, and
marking the whole roster must take one request (the POST that saves every mark). Both are timed
around Django's WSGI handler in this process (middleware, view, queries, template; no network,
no HTTP client), with the production settings (bench.settings: DEBUG off), signed in as the
class's trainer; the query count of each is printed beside. Against PostgreSQL (database
cadre_bench_portal, made and loaded with the reference data once, the class of learners built
once, then kept); what a run adds (its sessions and their records, the reads it logged) is removed
at its end. Prints a table and writes bench/results/portal-<time>.json. The measurement is
bench/items/portal_roster.py.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.basics import RESULTS, ROOT, BenchError, log  # noqa: E402
from bench.harness.databases import check_postgres, check_redis, database_url, manage, sql_connect  # noqa: E402

DB_NAME = "cadre_bench_portal"


def table_print(figures: list[dict]) -> None:
    # value: the median wall time around the WSGI handler; cpu: this process's CPU time of it (the
    # Python side alone, what a busy machine's other processes cannot inflate much).
    rows = [("figure", "value", "max", "cpu", "queries", "target", "met")]
    for f in figures:
        rows.append(
            (
                f["name"],
                f"{f['value']:,} {f['unit']}",
                f"{f['max']:,} {f['unit']}" if "max" in f else "-",
                f"{f['cpu_ms']:,} ms" if "cpu_ms" in f else "-",
                str(f.get("queries", "-")),
                f["target"] or "-",
                {True: "yes", False: "NO", None: "-"}[f["met"]],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=15, help="timed GETs of the page")
    parser.add_argument(
        "--saves", type=int, default=4, help="POSTs, each marking a new session (the first counted)"
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--db-name", default=os.environ.get("BENCH_PORTAL_DB", DB_NAME))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    started = time.time()
    try:
        check_postgres(args.admin_url)
        check_redis(args.redis_url)
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url(args.admin_url, args.db_name),
            "REDIS_URL": args.redis_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
            # The recomputes a save enqueues go to a queue of the run's own, emptied at the end.
            "BENCH_CELERY_QUEUE": f"bench-portal-{os.getpid()}",
        }
        with sql_connect(args.admin_url) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db_name]).fetchone():
                log(f"creating database {args.db_name} with the reference data")
                conn.execute(f'CREATE DATABASE "{args.db_name}"')
        manage(["migrate", "--noinput"], env=env, timeout=600)
        manage(["load_reference_data"], env=env, timeout=900)
        os.environ.update(env)
        import django

        django.setup()
        from bench.items import portal_roster

        log(f"roster of {args.learners:,} learners: {args.repeats} GETs, {args.saves} saves")
        try:
            figures = portal_roster.measure(args.learners, args.repeats, args.saves)
        finally:
            import redis

            redis.Redis.from_url(args.redis_url).delete(env["BENCH_CELERY_QUEUE"])
    except BenchError as error:
        log(str(error))
        return 2
    table_print(figures)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"portal-{time.strftime('%Y%m%dT%H%M%S', time.localtime(started))}.json"
    out.write_text(
        json.dumps(
            {"benchmark": "issue 14: a trainer's roster page", "learners": args.learners, "figures": figures},
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    log(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
