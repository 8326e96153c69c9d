"""Issue 12's benchmark: reading the files people send, at the size they come in.

    make bench-files            (or .venv/bin/python bench/files.py)

1. a province's roster of 20,000 learners, in the official layout (title block, headings on two
   merged rows, birth dates under Nam/Nữ, signatures below) as .xlsx: the dry run of its import,
   as the worker runs it (the file read and every row checked against the reference data and the
   learners stored), target under 5 s;
2. a Microsoft Teams attendance report of 10,000 join rows (UTF-16, tab-separated, in sections)
   for one session: the dry run of the upload (read, matched to the class's enrolments, minutes
   derived), target under 3 s.

Each is run in a fresh child process, so its peak RSS (the target is under 200 MB) is the step's
own: Django, the file and the work, nothing left from another step. The files are built from the
made-up people of tests/corpus. Against PostgreSQL (database cadre_bench_files, made and loaded
with the reference data once, then kept); prints a table and writes bench/results/files-<time>.json.
Each step is a module of bench/items/ (file_roster, file_teams).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.basics import RESULTS, ROOT, BenchError, log  # noqa: E402
from bench.harness.databases import check_postgres, database_url, manage, sql_connect  # noqa: E402
from bench.harness.memory import own_peak_rss_mb  # noqa: E402
from bench.harness.results import files_results_write, files_table_print  # noqa: E402
from bench.items import file_roster, file_teams  # noqa: E402

DB_NAME = "cadre_bench_files"
# Each step: build(rows) makes its file here, step(rows, content) reads it in a child process.
STEPS = {"roster": file_roster, "teams": file_teams}


def run_step(name: str, size: int, env: dict) -> dict:
    """Build the file here, then read it in a child process of its own (its peak RSS is the step's)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"files-{name}-{size}.bin"
    path.write_bytes(STEPS[name].build(size))
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--step",
            name,
            "--size",
            str(size),
            "--file",
            str(path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    path.unlink()
    if completed.returncode != 0:
        raise BenchError(f"step {name} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--roster-rows", type=int, default=20_000)
    parser.add_argument("--teams-rows", type=int, default=10_000)
    parser.add_argument("--only", help="comma-separated steps (roster, teams)")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args(argv)

    if args.step:
        result = STEPS[args.step].step(args.size, Path(args.file).read_bytes())
        result["peak_rss_mb"] = own_peak_rss_mb()
        print(json.dumps(result))
        return 0

    try:
        check_postgres(args.admin_url)
        url = database_url(args.admin_url, DB_NAME)
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": url,
            "REDIS_URL": args.redis_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
        }
        with sql_connect(args.admin_url) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
                log(f"creating database {DB_NAME} with the reference data")
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        manage(["migrate", "--noinput"], env=env, timeout=600)
        manage(["load_reference_data"], env=env, timeout=900)
        wanted = set(args.only.split(",")) if args.only else set(STEPS)
        sizes = {"roster": args.roster_rows, "teams": args.teams_rows}
        figures = []
        for name in [s for s in STEPS if s in wanted]:
            log(f"{name}: {sizes[name]:,} rows")
            result = run_step(name, sizes[name], env)
            seconds_target, rss_target = STEPS[name].TARGET
            result.update(
                step=name,
                seconds_target=seconds_target,
                rss_target_mb=rss_target,
                met=result["seconds"] < seconds_target and result["peak_rss_mb"] < rss_target,
            )
            figures.append(result)
    except BenchError as error:
        log(str(error))
        return 2
    files_table_print(figures)
    out = files_results_write(figures)
    log(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
