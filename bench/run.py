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
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.harness import BenchError, log  # noqa: E402

RESULTS = harness.ROOT / "bench" / "results"
PREFIX = "BENCH-"
USER_PREFIX = "bench-"
PROGRAMME_CODE = "ke-hoach-2021-2025"
MAIN_SIZE = 500_000
# The learners a run adds (their national ids start 99; the dataset's with a province code).
BENCH_LEARNERS = (
    "national_id LIKE '99%%' AND user_id IN (SELECT id FROM courses_user WHERE username LIKE 'bench-%%')"
)
UNUSABLE = "!"  # noqa: S105 - the learners never sign in


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


def db_name(prefix: str, size: int) -> str:
    return prefix if size == MAIN_SIZE else f"{prefix}_{size}"


# --- the run -----------------------------------------------------------------------------------


class Run:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.started = time.time()
        self.figures: list[dict] = []
        self.details: dict = {}
        self.secret = secrets.token_urlsafe(48)
        self.main_size = args.sizes[-1]
        self.main_db = db_name(args.db_prefix, self.main_size)
        self.main_url = harness.database_url(args.admin_url, self.main_db)
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "SECRET_KEY": self.secret,
            "REDIS_URL": args.redis_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CONN_MAX_AGE": "600",
            "PYTHONPATH": str(harness.ROOT),
            "LOG_LEVEL": "WARNING",
            "BENCH_CELERY_QUEUE": f"bench-{os.getpid()}",
        }
        self.gunicorn = harness.Gunicorn(workers=args.gunicorn_workers, threads=args.gunicorn_threads)
        self.worker = harness.Worker(concurrency=args.worker_concurrency)
        self.password = secrets.token_urlsafe(16)

    def figure(self, item: int, name: str, value, unit: str, *, reference=None, reference_name="",
               ratio=None, target: str = "", met=None, note: str = "", **extra) -> dict:  # fmt: skip
        entry = {
            "item": item,
            "name": name,
            "value": value,
            "unit": unit,
            "reference": reference,
            "reference_name": reference_name,
            "ratio": None if ratio is None else round(ratio, 4),
            "target": target,
            "met": met,
            "note": note,
            **extra,
        }
        self.figures.append(entry)
        return entry

    # -- set-up ---------------------------------------------------------------------------------

    def preflight(self) -> None:
        self.postgres_version = harness.check_postgres(self.args.admin_url)
        self.redis_version = harness.check_redis(self.args.redis_url)
        log(f"PostgreSQL {self.postgres_version} and Redis {self.redis_version} reachable")

    def datasets(self) -> None:
        self.sizes = {}
        for size in self.args.sizes:
            name = db_name(self.args.db_prefix, size)
            counts = harness.dataset_ready(
                admin_url=self.args.admin_url,
                name=name,
                enrolments=size,
                env=self.env,
                regenerate=self.args.regenerate,
            )
            self.sizes[size] = {"database": name, **counts}
            log(
                f"dataset {name}: {counts.get('enrolments'):,} enrolments, {counts.get('attendance'):,} attendance"
            )

    def django_setup(self) -> None:
        os.environ.update(self.env)
        os.environ["DATABASE_URL"] = self.main_url
        import django

        django.setup()
        from config.celery import app

        self.app = app

    # -- items 2 and 5: aggregation at each size ------------------------------------------------

    REFERENCE_SQL = """
CREATE TEMP TABLE bench_reference AS
SELECT g.enrollment_id, g.planned, g.attended / 60 AS attended, g.attended AS attended_seconds, g.excused,
       CASE WHEN g.planned > 0 THEN (g.attended * 10000 / (g.planned * 60)) / 100.0 ELSE 0 END AS percent,
       (g.planned > 0 AND g.attended * 100 >= 80 * g.planned * 60) AS meets_attendance
FROM (
  SELECT e.id AS enrollment_id, COALESCE(p.planned, 0) AS planned,
         COALESCE(SUM(CASE WHEN a.status IN ('present', 'late')
                      THEN LEAST(COALESCE(a.attended_seconds, a.minutes * 60), s.planned_minutes * 60)
                      ELSE 0 END), 0) AS attended,
         COALESCE(SUM(CASE WHEN a.status = 'excused' THEN s.planned_minutes ELSE 0 END), 0) AS excused
  FROM enrollment_enrollment e
  LEFT JOIN enrollment_attendance a ON a.enrollment_id = e.id
  LEFT JOIN courses_classsession s ON s.id = a.session_id
  LEFT JOIN (SELECT training_class_id, SUM(planned_minutes) AS planned
             FROM courses_classsession GROUP BY training_class_id) p
    ON p.training_class_id = e.training_class_id
  GROUP BY e.id, p.planned
) g"""

    def reference_aggregation(self, url: str) -> dict:
        """The database's own limit: one GROUP BY over all attendance, materialised. Best of the
        server's JIT default and JIT off (the app runs with it off)."""
        timings = {}
        with harness.sql_connect(url) as conn:
            for jit in ("on", "off", "on", "off"):
                conn.execute(f"SET jit = {jit}")
                conn.execute("DROP TABLE IF EXISTS bench_reference")
                started = time.perf_counter()
                conn.execute(self.REFERENCE_SQL)
                elapsed = time.perf_counter() - started
                timings[jit] = min(timings.get(jit, elapsed), elapsed)
            rows = conn.execute("SELECT count(*) FROM bench_reference").fetchone()[0]
            mismatched, missing = conn.execute(
                """SELECT count(*) FILTER (WHERE ep.enrollment_id IS NOT NULL AND
                          (r.planned, r.attended, r.attended_seconds, r.excused) <>
                          (ep.planned_minutes, ep.attended_minutes, ep.attended_seconds, ep.excused_minutes)),
                          count(*) FILTER (WHERE ep.enrollment_id IS NULL)
                   FROM bench_reference r
                   LEFT JOIN reporting_enrollmentprogress ep ON ep.enrollment_id = r.enrollment_id"""
            ).fetchone()
            conn.execute("DROP TABLE bench_reference")
        best = min(timings.values())
        return {
            "seconds": round(best, 3),
            "seconds_jit_on": round(timings["on"], 3),
            "seconds_jit_off": round(timings["off"], 3),
            "enrolments": rows,
            "figures_differing_from_job": mismatched,
            "enrolments_missing_in_job": missing,
        }

    def job_aggregation(self, url: str, name: str) -> dict:
        """The Celery job's own path: reporting.rebuild_progress on the worker (a chord of one task
        per province, then publish_generation), timed from sending to the new generation live,
        with the worker's memory sampled throughout."""
        env = {**self.env, "DATABASE_URL": url}
        self.worker.start(env, self.app)
        try:
            time.sleep(1.0)  # the pool processes are up and idle: the idle figure is theirs too
            with harness.sql_connect(url) as conn, harness.MemorySampler(self.worker.process.pid) as memory:
                started = time.perf_counter()
                result = self.app.send_task("reporting.rebuild_progress", args=[None])
                generation = result.get(timeout=600)
                status = None
                deadline = time.monotonic() + 3600
                while time.monotonic() < deadline:
                    row = conn.execute(
                        "SELECT status FROM reporting_rollupgeneration WHERE id = %s", [generation]
                    ).fetchone()
                    status = row[0] if row else None
                    if status in ("live", "failed"):
                        break
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
                if status != "live":
                    raise BenchError(f"the rebuild of {name} ended {status!r}: see {harness.LOG_DIR}")
                provinces = conn.execute(
                    "SELECT count(*) FROM courses_province WHERE valid_until IS NULL"
                ).fetchone()[0]
        finally:
            self.worker.stop()
        return {
            "seconds": round(elapsed, 3),
            "generation": generation,
            "province_tasks": provinces,
            "peak_rss_mb": round(memory.peak_rss / 2**20, 1),
            "peak_pss_mb": round(memory.peak_pss / 2**20, 1),
            "idle_rss_mb": round(memory.idle_rss / 2**20, 1),
            "processes": memory.peak_processes,
            "samples": memory.samples,
        }

    RESET_SQL = [
        # Everything the aggregation writes, back to before the first aggregation.
        "TRUNCATE reporting_certificate, reporting_enrollmentprogress, reporting_classprogress, "
        "reporting_progressrollup, reporting_stalerollup, enrollment_staleclass",
        "DELETE FROM reporting_rollupgeneration",
        "UPDATE enrollment_enrollment SET status = 'enrolled' WHERE status IN ('completed', 'not_completed')",
    ]

    def aggregation_reset(self, url: str) -> None:
        with harness.sql_connect(url) as conn, conn.transaction():
            for statement in self.RESET_SQL:
                conn.execute(statement)

    def analyze(self, url: str) -> float:
        """VACUUM ANALYZE, as autovacuum would after the first aggregation wrote every row (it is
        off on this machine's server: see postgres_settings in the JSON)."""
        started = time.perf_counter()
        with harness.sql_connect(url) as conn:
            conn.execute("VACUUM ANALYZE")
        return round(time.perf_counter() - started, 1)

    def items_2_and_5(self) -> None:
        per_size = []
        for size in self.args.sizes:
            info = self.sizes[size]
            url = harness.database_url(self.args.admin_url, info["database"])
            log(f"item 2/5 at {info['attendance']:,} attendance records: progress tables emptied")
            self.aggregation_reset(url)
            self.analyze(url)
            log("  the first aggregation on the worker (every figure written)")
            cold = self.job_aggregation(url, info["database"])
            analyzed_in = self.analyze(url)
            log(f"  {cold['seconds']} s; VACUUM ANALYZE {analyzed_in} s; the nightly rebuild on the worker")
            job = self.job_aggregation(url, info["database"])
            log(f"  job {job['seconds']} s, worker peak RSS {job['peak_rss_mb']} MB; the SQL reference")
            reference = self.reference_aggregation(url)
            log(f"  reference {reference['seconds']} s")
            per_size.append(
                {"enrolments_option": size, **info, "job": job, "cold": cold, "reference": reference}
            )
        self.details["aggregation"] = per_size
        main = per_size[-1]
        ratio = main["job"]["seconds"] / main["reference"]["seconds"]
        self.figure(
            2,
            f"full aggregation, {main['attendance'] / 1e6:.1f}M records (Celery rebuild: all recomputed)",
            main["job"]["seconds"],
            "s",
            reference=main["reference"]["seconds"],
            reference_name="one SQL GROUP BY, same per-enrolment figures",
            ratio=ratio,
            target="<= 1.5x",
            met=ratio <= 1.5,
            records_per_s=round(main["attendance"] / main["job"]["seconds"]),
            reference_records_per_s=round(main["attendance"] / main["reference"]["seconds"]),
            reference_agrees=main["reference"]["figures_differing_from_job"] == 0
            and main["reference"]["enrolments_missing_in_job"] == 0,
        )
        self.figure(
            2,
            f"first aggregation, {main['attendance'] / 1e6:.1f}M records (empty progress tables: all written)",
            main["cold"]["seconds"],
            "s",
            reference=main["reference"]["seconds"],
            reference_name="one SQL GROUP BY",
            ratio=main["cold"]["seconds"] / main["reference"]["seconds"],
            target="(reported)",
        )
        peaks = [max(row["job"]["peak_rss_mb"], row["cold"]["peak_rss_mb"]) for row in per_size]
        flat = max(peaks) <= min(peaks) * 1.25
        for row, peak in zip(per_size, peaks, strict=True):
            self.figure(
                5,
                f"worker peak RSS, {row['attendance'] / 1e6:.2f}M records",
                peak,
                "MB",
                reference=row["job"]["idle_rss_mb"],
                reference_name="the same worker idle",
                ratio=peak / row["job"]["idle_rss_mb"],
                target="< 300 MB, flat",
                met=peak < 300 and flat,
                peak_pss_mb=max(row["job"]["peak_pss_mb"], row["cold"]["peak_pss_mb"]),
                processes=row["job"]["processes"],
            )
            self.figure(
                5,
                f"aggregation time, {row['attendance'] / 1e6:.2f}M records",
                row["job"]["seconds"],
                "s",
                reference=row["reference"]["seconds"],
                reference_name="one SQL GROUP BY",
                ratio=row["job"]["seconds"] / row["reference"]["seconds"],
                target="(cost growth)",
                records_per_s=round(row["attendance"] / row["job"]["seconds"]),
                first_aggregation_s=row["cold"]["seconds"],
            )
        self.details["rebuild_breakdown"] = self.rebuild_breakdown()

    def rebuild_breakdown(self) -> dict:
        """Where the job's time goes: the same service function the province task runs, for the
        province with most enrolments, in this process with every statement timed; rolled back."""
        from collections import defaultdict

        from django.db import connection, transaction

        from reporting.services.rebuilds import province_progress_rebuild
        from reporting.services.rollups import (
            rollup_generation_start,
        )

        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT COALESCE(p.successor_id, p.id), count(*) FROM enrollment_enrollment e
                   JOIN courses_trainingclass c ON c.id = e.training_class_id
                   JOIN courses_province p ON p.id = c.province_id GROUP BY 1 ORDER BY 2 DESC LIMIT 1"""
            )
            province_id, enrolments = cursor.fetchone()
        spent: dict[str, float] = defaultdict(float)

        def timer(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[_statement_kind(sql)] += time.perf_counter() - started

        class Rollback(Exception):
            pass

        started = time.perf_counter()
        try:
            with connection.execute_wrapper(timer), transaction.atomic():
                generation = rollup_generation_start(reason="bench breakdown")
                province_progress_rebuild(province_id=province_id, generation_id=generation.pk)
                total = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        statements = sorted(spent.items(), key=lambda kv: -kv[1])
        return {
            "province_id": province_id,
            "enrolments": enrolments,
            "seconds": round(total, 3),
            "statements": {kind: round(seconds, 3) for kind, seconds in statements},
        }

    # -- fixtures on the main database ----------------------------------------------------------

    def fixtures(self) -> None:
        """An admin with a password, `learners` learners, and the classes items 1, 3 and 6 post to."""
        from django.db import connection, transaction
        from django.utils import timezone

        from courses.models import (
            ClassMode,
            ClassSession,
            ClassStatus,
            Curriculum,
            Level,
            Programme,
            Province,
            Role,
            TrainingClass,
            User,
        )
        from enrollment.models import Enrollment, EnrollmentSource, EnrollmentStatus, Learner
        from reporting.services.class_progress import class_progress_refresh
        from reporting.services.dataset import LOCAL

        self.cleanup_fixtures()
        started = time.perf_counter()
        n = self.args.learners
        programme = Programme.objects.get(code=PROGRAMME_CODE)
        curriculum = Curriculum.objects.filter(status="active").order_by("id").first()
        provinces = list(Province.objects.current().order_by("code"))
        now = timezone.now()
        with transaction.atomic():
            admin = User.objects.create(
                username=f"{USER_PREFIX}admin", role=Role.CENTRAL_ADMIN, full_name="Bench admin"
            )
            admin.set_password(self.password)
            admin.save(update_fields=["password"])
            users = [
                User(
                    username=f"{USER_PREFIX}{i:06d}",
                    role=Role.LEARNER,
                    password=UNUSABLE,
                    full_name=f"Học viên {i}",
                )
                for i in range(n)
            ]
            users = User.objects.bulk_create(users, batch_size=5000)
            learners = [
                Learner(
                    user=user,
                    national_id=f"{990_000_000_000 + i:012d}",
                    full_name=f"Học Viên Đo Thử {i:05d}",
                    gender="female" if i % 2 else "male",
                    province=provinces[i % len(provinces)],
                    search_text=f"hoc vien do thu {i:05d}",
                )
                for i, user in enumerate(users)
            ]
            learners = Learner.objects.bulk_create(learners, batch_size=5000)

            def make_class(code, province, *, status, start, sessions, minutes, first_day, counted=False):
                training_class = TrainingClass.objects.create(
                    code=f"{PREFIX}{code}",
                    title=f"Lớp trực tuyến đo hiệu năng {code}",
                    curriculum=curriculum,
                    province=province,
                    organiser_province=province,
                    mode=ClassMode.ONLINE,
                    level=Level.ELEARNING,
                    # Only classes inside the plan's period count towards it (issue 11): the
                    # classes running now (items 1 and 6) count towards no programme.
                    programme=programme if counted else None,
                    status=status,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=sessions + 5),
                    planned_size=n,
                )
                rows = ClassSession.objects.bulk_create(
                    ClassSession(
                        training_class=training_class,
                        title=f"Buổi {k + 1}",
                        starts_at=datetime.datetime.combine(first_day + datetime.timedelta(days=k), datetime.time(8), LOCAL),
                        ends_at=datetime.datetime.combine(first_day + datetime.timedelta(days=k), datetime.time(8), LOCAL)
                        + datetime.timedelta(minutes=minutes),
                        planned_minutes=minutes,
                        join_url=f"https://meet.example.vn/bench/{code}/{k + 1}",
                    )
                    for k in range(sessions)
                )  # fmt: skip
                enrolments = Enrollment.objects.bulk_create(
                    [
                        Enrollment(
                            learner=learner,
                            training_class=training_class,
                            status=EnrollmentStatus.ENROLLED,
                            source=EnrollmentSource.IMPORT,
                            # Passed the final assessment, where the curriculum has one.
                            final_score=Decimal("8.00"),
                        )
                        for learner in learners
                    ],
                    batch_size=5000,
                )
                return training_class, rows, enrolments

            today = timezone.localdate()
            # Item 1: a running online class, `ingest_sessions` sessions of 240 minutes.
            self.ingest_class, self.ingest_sessions, self.ingest_enrolments = make_class(
                "INGEST", provinces[0], status=ClassStatus.RUNNING, start=today - datetime.timedelta(days=30),
                sessions=self.args.ingest_sessions, minutes=240, first_day=today - datetime.timedelta(days=25),
            )  # fmt: skip
            # Item 6: the naive endpoint's class, one session.
            self.naive_class, self.naive_sessions, self.naive_enrolments = make_class(
                "NAIVE", provinces[0], status=ClassStatus.RUNNING, start=today - datetime.timedelta(days=30),
                sessions=1, minutes=240, first_day=today - datetime.timedelta(days=25),
            )  # fmt: skip
            # Item 3: finished online classes of the 2021-2025 plan in as many provinces, five
            # sessions of 60 minutes, sessions 1-3 attended (60%): session 4 posted makes 80%.
            self.fresh = []
            for index in range(self.args.freshness_repeats):
                province = provinces[(index + 1) % len(provinces)]
                training_class, rows, enrolments = make_class(
                    f"FRESH-{index + 1:02d}", province, status=ClassStatus.FINISHED,
                    start=datetime.date(2025, 9, 1), sessions=5, minutes=60, first_day=datetime.date(2025, 9, 2),
                    counted=True,
                )  # fmt: skip
                self.fresh.append((training_class, rows, enrolments))
            with connection.cursor() as cursor:
                cursor.execute(
                    """INSERT INTO enrollment_attendance
                         (session_id, enrollment_id, status, minutes, source, recorded_by_id, recorded_at, note)
                       SELECT s.id, e.id, 'present', s.planned_minutes, 'platform_report', NULL, s.ends_at, ''
                       FROM courses_classsession s
                       JOIN enrollment_enrollment e ON e.training_class_id = s.training_class_id
                       JOIN courses_trainingclass c ON c.id = s.training_class_id
                       WHERE c.code LIKE %s AND s.title IN ('Buổi 1', 'Buổi 2', 'Buổi 3')""",
                    [f"{PREFIX}FRESH-%"],
                )
                cursor.execute("ANALYZE enrollment_attendance")
        # Their figures, rolled up, before anything is measured (what the worker would do).
        class_ids = [c.pk for c, _rows, _enrolments in self.fresh] + [
            self.ingest_class.pk,
            self.naive_class.pk,
        ]
        for class_id in class_ids:
            class_progress_refresh(class_id=class_id)
        self.settle_in_process()
        self.details["fixtures"] = {
            "learners": n,
            "ingest_class": self.ingest_class.code,
            "freshness_classes": len(self.fresh),
            "seconds": round(time.perf_counter() - started, 1),
            "at": now.isoformat(),
        }
        log(f"fixtures ready in {self.details['fixtures']['seconds']} s")

    def settle_in_process(self) -> None:
        """Refresh every stale rollup here, as the worker's tasks would, and leave no mark behind
        (a mark whose task was purged would stop later marks from enqueueing theirs)."""
        from enrollment.models import StaleClass
        from reporting.models import StaleRollup
        from reporting.services.class_progress import class_progress_refresh
        from reporting.services.rollups import (
            rollup_national_refresh,
            rollup_province_refresh,
        )
        from reporting.services.stale import stale_rollup_claim

        for class_id in list(StaleClass.objects.values_list("pk", flat=True)):
            class_progress_refresh(class_id=class_id)
        provinces = StaleRollup.objects.exclude(pk__in=[StaleRollup.NATIONAL, StaleRollup.TARGETS])
        for scope in list(provinces.values_list("pk", flat=True)):
            stale_rollup_claim(scope=scope)
            rollup_province_refresh(province_id=scope)
        stale_rollup_claim(scope=StaleRollup.NATIONAL)
        rollup_national_refresh()
        StaleRollup.objects.all().delete()
        StaleClass.objects.all().delete()

    def cleanup_fixtures(self) -> None:
        """Remove what a run adds (also what an interrupted run left), then bring the rollups of
        the provinces it touched back to the dataset's figures."""
        from django.db import transaction

        from courses.models import Province, TrainingClass, User
        from enrollment.models import Learner
        from reporting.models import StaleRollup
        from reporting.services.dataset_loading import rows_delete_where

        touched = set(
            TrainingClass.objects.filter(code__startswith=PREFIX).values_list("province_id", flat=True)
        )
        if not touched and not User.objects.filter(username__startswith=USER_PREFIX).exists():
            return
        with transaction.atomic():
            rows_delete_where(TrainingClass, f"code LIKE '{PREFIX}%%'")
            rows_delete_where(Learner, BENCH_LEARNERS)
            rows_delete_where(User, f"username LIKE '{USER_PREFIX}%%'")
        current = {p.pk: (p.successor_id or p.pk) for p in Province.objects.filter(pk__in=touched)}
        StaleRollup.objects.bulk_create(
            [
                StaleRollup(scope=pid, marked_at=datetime.datetime.now(datetime.UTC))
                for pid in set(current.values())
            ],
            ignore_conflicts=True,
        )
        self.settle_in_process()

    def token(self) -> str:
        body = json.dumps({"username": f"{USER_PREFIX}admin", "password": self.password}).encode()
        status, data = http_call(self.gunicorn.base, "POST", "/api/v1/auth/token", body, token=None)
        if status != 200:
            raise BenchError(f"POST /api/v1/auth/token answered {status}: {data[:300]!r}")
        return json.loads(data)["access"]

    def wait_idle(self, timeout: float = 300) -> float:
        """Until the worker has nothing marked, queued or running."""
        from enrollment.models import StaleClass
        from reporting.models import StaleRollup

        started = time.monotonic()
        quiet = 0
        while time.monotonic() - started < timeout and quiet < 3:
            busy = StaleClass.objects.exists() or StaleRollup.objects.exists()
            if not busy:
                inspect = self.app.control.inspect(timeout=0.5, destination=[self.worker.name])
                busy = any(
                    tasks
                    for reply in (inspect.active() or {}, inspect.reserved() or {})
                    for tasks in reply.values()
                )
            quiet = 0 if busy else quiet + 1
            time.sleep(0.2)
        return time.monotonic() - started

    # -- item 1 and its naive counterpart --------------------------------------------------------

    STATUSES = ("present", "present", "present", "present", "late", "excused", "absent", "present")

    def ingest_records(self, sessions, enrolments) -> list[list[dict]]:
        batches = []
        for j, session in enumerate(sessions):
            batch = []
            for i, enrollment in enumerate(enrolments):
                status = self.STATUSES[(i + j) % len(self.STATUSES)]
                record = {"session": session.pk, "enrollment": enrollment.pk, "status": status}
                if status == "late":
                    record["minutes"] = 200
                batch.append(record)
            batches.append(batch)
        return batches

    def copy_reference(self, batches: list[list[dict]], *, recorded_by: int | None) -> dict:
        """COPY of the same records into enrollment_attendance, committed; then removed. Best of 3.

        The rows are those the endpoint stores, who recorded them included (`recorded_by`: the
        poster), so COPY checks the same three foreign keys per row."""
        import psycopg

        minutes_default = {"present": 240, "late": 240, "excused": 0, "absent": 0}
        buffer = io.StringIO()
        now = datetime.datetime.now(datetime.UTC).isoformat()
        recorder = "\\N" if recorded_by is None else str(recorded_by)
        count = 0
        for batch in batches:
            for r in batch:
                minutes = r.get("minutes", minutes_default[r["status"]])
                buffer.write(
                    f"{r['session']}\t{r['enrollment']}\t{r['status']}\t{minutes}\tintegration\t{recorder}\t{now}\t\n"
                )
                count += 1
        data = buffer.getvalue().encode()
        session_ids = [b[0]["session"] for b in batches]
        timings = []
        with psycopg.connect(self.main_url, autocommit=False) as conn:
            for _ in range(3):
                started = time.perf_counter()
                with (
                    conn.cursor() as cursor,
                    cursor.copy(
                        "COPY enrollment_attendance (session_id, enrollment_id, status, minutes, source, "
                        "recorded_by_id, recorded_at, note) FROM STDIN"
                    ) as copy,
                ):
                    copy.write(data)
                conn.commit()
                timings.append(time.perf_counter() - started)
                conn.execute("DELETE FROM enrollment_attendance WHERE session_id = ANY(%s)", [session_ids])
                conn.commit()
        best = min(timings)
        return {
            "records": count,
            "seconds": round(best, 4),
            "records_per_s": round(count / best),
            "runs_s": timings,
        }

    def ingest_undo(self) -> None:
        """The ingested records and their audit entries deleted, committed: the next run's records
        are new again (as the reference's COPY deletes its rows between its runs)."""
        from enrollment.models import Attendance, AuditEntry

        Attendance.objects.filter(session__training_class=self.ingest_class).delete()
        AuditEntry.objects.filter(training_class=self.ingest_class, entity="attendance").delete()

    def post_batches(self, path: str, bodies: list[bytes], token: str, clients: int) -> tuple[float, list]:
        """POST each body once, `clients` at a time on keep-alive connections; wall time."""
        answers: list = [None] * len(bodies)
        latencies: list = [None] * len(bodies)
        queue = list(range(len(bodies)))
        lock = threading.Lock()

        def client():
            import http.client

            conn = http.client.HTTPConnection("127.0.0.1", self.gunicorn.port, timeout=300)
            while True:
                with lock:
                    if not queue:
                        break
                    index = queue.pop(0)
                started = time.perf_counter()
                conn.request(
                    "POST",
                    path,
                    bodies[index],
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                )
                response = conn.getresponse()
                data = response.read()
                latencies[index] = time.perf_counter() - started
                answers[index] = (response.status, data)
            conn.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(max(1, min(clients, len(bodies))))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started, list(zip(answers, latencies, strict=True))

    def item_1(self) -> None:
        from courses.models import User
        from enrollment.models import Attendance, AuditEntry

        token = self.token()
        batches = self.ingest_records(self.ingest_sessions, self.ingest_enrolments)
        count = sum(len(b) for b in batches)
        log(f"item 1: COPY of {count:,} records (reference)")
        poster = User.objects.get(username=f"{USER_PREFIX}admin").pk
        reference = self.copy_reference(batches, recorded_by=poster)
        # Beside it, for comparison with earlier runs: the rows without who recorded them.
        reference_anonymous = self.copy_reference(batches, recorded_by=None)
        bodies = [json.dumps({"records": batch}).encode() for batch in batches]
        self.wait_idle()
        # Best of 3, as the reference: each run posts the records as new (the previous run's
        # records and their audit entries deleted, and the worker idle, before it).
        runs = []
        for attempt in range(3):
            if attempt:
                self.ingest_undo()
            self.wait_idle()
            log(
                f"item 1: the same {count:,} records through POST /api/v1/attendance/bulk, "
                f"{len(bodies)} requests (run {attempt + 1} of 3)"
            )
            run_elapsed, answers = self.post_batches(
                "/api/v1/attendance/bulk", bodies, token, self.args.ingest_clients
            )
            created = 0
            for (status, data), _latency in answers:
                if status != 200:
                    raise BenchError(f"the bulk endpoint answered {status}: {data[:500]!r}")
                created += json.loads(data)["created"]
            runs.append((run_elapsed, answers, created))
            log(f"  {run_elapsed:.2f} s")
        elapsed, answers, created = min(runs, key=lambda run: run[0])
        stored = Attendance.objects.filter(session__training_class=self.ingest_class).count()
        audited = AuditEntry.objects.filter(training_class=self.ingest_class).count()
        log("  again (idempotent)")
        again_elapsed, again = self.post_batches(
            "/api/v1/attendance/bulk", bodies, token, self.args.ingest_clients
        )
        unchanged = sum(json.loads(data)["unchanged"] for (status, data), _l in again if status == 200)
        changed = sum(
            json.loads(data)["created"] + json.loads(data)["updated"]
            for (status, data), _l in again
            if status == 200
        )
        rate = count / elapsed
        ratio = rate / reference["records_per_s"]
        self.figure(
            1,
            f"bulk endpoint on gunicorn, {count:,} new records in {len(bodies)} requests",
            round(rate),
            "records/s",
            reference=reference["records_per_s"],
            reference_name="COPY of the same records, same table",
            ratio=ratio,
            target=">= 0.3x COPY",
            met=ratio >= 0.3,
            seconds=round(elapsed, 3),
            reference_seconds=reference["seconds"],
            copy_without_recorder_records_per_s=reference_anonymous["records_per_s"],
            created=created,
            stored=stored,
            audit_entries=audited,
            request_seconds=[round(latency, 3) for _a, latency in answers],
            runs_s=[round(run[0], 3) for run in runs],
            clients=self.args.ingest_clients,
        )
        self.figure(
            1,
            "the same batches again (idempotent: nothing written)",
            round(count / again_elapsed),
            "records/s",
            reference=reference["records_per_s"],
            reference_name="COPY",
            ratio=count / again_elapsed / reference["records_per_s"],
            target="0 written",
            met=changed == 0 and unchanged == count,
            unchanged=unchanged,
            changed=changed,
        )
        self.details["ingest"] = {
            "records": count,
            "copy": reference,
            "copy_without_recorder": reference_anonymous,
            "bulk_seconds": elapsed,
            "again_seconds": again_elapsed,
        }
        self.wait_idle()

        if 6 in self.args.only:
            n = min(self.args.naive_records, len(self.naive_enrolments))
            session = self.naive_sessions[0]
            records = self.ingest_records([session], self.naive_enrolments[:n])[0]
            body = json.dumps({"records": records}).encode()
            log(f"item 6: {n:,} records through the naive ModelSerializer endpoint")
            naive_elapsed, naive = self.post_batches("/bench/naive/attendance", [body], token, 1)
            (status, data), _latency = naive[0]
            if status not in (200, 201):
                raise BenchError(f"the naive endpoint answered {status}: {data[:500]!r}")
            one_request = min(latency for _a, latency in answers)
            per_request = len(batches[0])
            naive_rate = n / naive_elapsed
            self.figure(
                6,
                f"ingestion, naive ModelSerializer(many=True), {n:,} records in 1 request",
                round(naive_rate),
                "records/s",
                reference=round(per_request / one_request),
                reference_name=f"bulk endpoint, one request of {per_request:,}",
                ratio=naive_rate / (per_request / one_request),
                target="(the gain)",
                seconds=round(naive_elapsed, 3),
                speed_up=round((per_request / one_request) / naive_rate, 1),
            )
            self.wait_idle()

    # -- item 3 ---------------------------------------------------------------------------------

    def item_3(self) -> None:
        token = self.token()
        programme = self.programme_id()
        path = f"/api/v1/reports/summary?programme={programme}"

        def achieved(conn) -> int:
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise BenchError(f"GET {path} answered {response.status}: {data[:300]!r}")
            return json.loads(data)["total"]["achieved_luot"]

        import http.client

        poll = http.client.HTTPConnection("127.0.0.1", self.gunicorn.port, timeout=30)
        rows = []
        self.wait_idle()
        for training_class, sessions, enrolments in self.fresh:
            before = achieved(poll)
            records = [
                {"session": sessions[3].pk, "enrollment": e.pk, "status": "present"} for e in enrolments
            ]
            body = json.dumps({"records": records}).encode()
            posted_at = time.perf_counter()
            elapsed, answers = self.post_batches("/api/v1/attendance/bulk", [body], token, 1)
            (status, data), _latency = answers[0]
            if status != 200:
                raise BenchError(f"the bulk endpoint answered {status}: {data[:300]!r}")
            answered_at = time.perf_counter()
            expected = before + len(enrolments)
            seen = before
            polls = 0
            deadline = answered_at + 120
            while seen < expected and time.perf_counter() < deadline:
                seen = achieved(poll)
                polls += 1
                if seen < expected:
                    time.sleep(0.02)
            visible_at = time.perf_counter()
            if seen < expected:
                raise BenchError(f"the report did not show class {training_class.code} within 120 s")
            rows.append(
                {
                    "class": training_class.code,
                    "province_id": training_class.province_id,
                    "post_s": round(answered_at - posted_at, 3),
                    "fresh_s": round(visible_at - answered_at, 3),
                    "end_to_end_s": round(visible_at - posted_at, 3),
                    "polls": polls,
                    "achieved_before": before,
                    "achieved_after": seen,
                }
            )
            log(
                f"  {training_class.code}: posted in {rows[-1]['post_s']} s, visible {rows[-1]['fresh_s']} s later"
            )
            self.wait_idle()
        poll.close()
        fresh = [row["fresh_s"] for row in rows]
        p95 = harness.percentile(fresh, 95)
        self.figure(
            3,
            f"freshness: {self.args.learners:,}-learner session posted -> national report shows it, p95 of {len(rows)}",
            p95,
            "s",
            reference=harness.percentile([row["post_s"] for row in rows], 95),
            reference_name="p95 of the POST itself",
            ratio=None,
            target="p95 < 2 s",
            met=p95 < 2,
            p50_s=harness.percentile(fresh, 50),
            max_s=max(fresh),
            end_to_end_p95_s=harness.percentile([row["end_to_end_s"] for row in rows], 95),
        )
        self.details["freshness"] = rows

    def programme_id(self) -> int:
        from courses.models import Programme

        return Programme.objects.get(code=PROGRAMME_CODE).pk

    # -- item 4 ---------------------------------------------------------------------------------

    def item_4(self) -> None:
        from courses.models import Province

        token = self.token()
        programme = self.programme_id()
        province = Province.objects.current().get(code="01")
        wrk = harness.ensure_wrk()
        base = self.gunicorn.base
        endpoints = [
            ("national summary", f"{base}/api/v1/reports/summary?programme={programme}"),
            (f"province detail ({province.name})", f"{base}/api/v1/reports/provinces/{province.pk}?programme={programme}"),
        ]  # fmt: skip
        self.wait_idle()
        results = {}
        for label, url in endpoints:
            status, _data = http_call(base, "GET", url[len(base) :], None, token=token)
            if status != 200:
                raise BenchError(f"GET {url} answered {status}")
            log(f"item 4: {label}, {self.args.load_clients} clients, {self.args.load_seconds:.0f} s")
            # Warm-up: connections, caches, the workers' first requests.
            self.load(wrk, url, token, clients=self.args.load_clients, seconds=2)
            result = self.load(
                wrk, url, token, clients=self.args.load_clients, seconds=self.args.load_seconds
            )
            single = self.load(wrk, url, token, clients=1, seconds=min(5, self.args.load_seconds))
            results[label] = {"load": result, "one_client": single}
            self.figure(
                4,
                f"report API, {label}: p95 at {self.args.load_clients} clients",
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
        self.details["report_load"] = results

    def load(self, wrk, url, token, *, clients, seconds) -> dict:
        if wrk:
            return harness.load_wrk(wrk, url, token=token, clients=clients, seconds=seconds)
        return harness.load_threads(url, token=token, clients=clients, seconds=seconds)

    # -- item 6, aggregation ------------------------------------------------------------------------

    def item_6_aggregation(self) -> None:
        from django.db import connection

        from bench.naive import naive_aggregate

        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT e.id FROM enrollment_enrollment e
                   JOIN courses_trainingclass c ON c.id = e.training_class_id
                   WHERE c.code LIKE 'GEN-%%' ORDER BY e.training_class_id, e.id LIMIT %s""",
                [self.args.naive_enrolments],
            )
            ids = [row[0] for row in cursor.fetchall()]
        log(f"item 6: the naive ORM loop over {len(ids):,} enrolments")
        result = naive_aggregate(ids)
        from reporting.models import EnrollmentProgress

        stored = {
            pk: (planned, attended, excused)
            for pk, planned, attended, excused in EnrollmentProgress.objects.filter(
                enrollment_id__in=ids
            ).values_list("enrollment_id", "planned_minutes", "attended_minutes", "excused_minutes")
        }
        differing = sum(1 for pk, figures in result["figures"].items() if stored.get(pk) != figures)
        naive_rate = result["attendance"] / result["seconds"]
        main = self.details.get("aggregation", [{}])[-1]
        job_rate = main["attendance"] / main["job"]["seconds"] if main else None
        sql_rate = main["attendance"] / main["reference"]["seconds"] if main else None
        self.figure(
            6,
            f"aggregation, naive ORM loop, {result['enrolments']:,} enrolments ({result['attendance']:,} records)",
            round(naive_rate),
            "records/s",
            reference=round(job_rate) if job_rate else None,
            reference_name="the Celery rebuild (item 2)",
            ratio=naive_rate / job_rate if job_rate else None,
            target="(the gain)",
            seconds=round(result["seconds"], 2),
            sql_reference_records_per_s=round(sql_rate) if sql_rate else None,
            figures_differing_from_job=differing,
            speed_up=round(job_rate / naive_rate, 1) if job_rate else None,
        )

    # -- the whole ------------------------------------------------------------------------------

    def execute(self) -> int:
        self.preflight()
        self.datasets()
        self.django_setup()
        only = self.args.only
        try:
            if 2 in only:
                self.items_2_and_5()
            if 6 in only:
                self.item_6_aggregation()
            if only & {1, 3, 4, 6}:
                self.fixtures()
                env = {**self.env, "DATABASE_URL": self.main_url}
                self.worker.start(env, self.app)
                self.gunicorn.start(env)
                log(f"gunicorn {self.gunicorn.describe()} and the Celery worker {self.worker.describe()} up")
                if only & {1, 6}:
                    self.item_1()
                if 3 in only:
                    self.item_3()
                if 4 in only:
                    self.item_4()
        finally:
            self.gunicorn.stop()
            self.worker.stop()
            harness.stop_all()
            try:
                self.cleanup_fixtures()
            except Exception:  # noqa: BLE001 - the figures are still worth writing
                traceback.print_exc()
        path = self.write()
        print_table(self.figures)
        print(f"\nJSON: {path.relative_to(harness.ROOT)}")
        return 0

    def write(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(self.started))
        path = RESULTS / f"{stamp}.json"
        document = {
            "benchmark": "issue 5: national scale, each figure beside the database's own limit",
            "started_at": datetime.datetime.fromtimestamp(self.started, datetime.UTC).isoformat(),
            "seconds": round(time.time() - self.started, 1),
            "options": {k: sorted(v) if isinstance(v, set) else v for k, v in vars(self.args).items()},
            "machine": machine(),
            "versions": self.versions(),
            "postgres_settings": postgres_settings(self.main_url),
            "datasets": self.sizes,
            "services": {"gunicorn": self.gunicorn.describe(), "celery_worker": self.worker.describe()},
            "figures": self.figures,
            "targets_met": all(f["met"] for f in self.figures if f["met"] is not None),
            "details": self.details,
        }
        path.write_text(json.dumps(document, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
        return path

    def versions(self) -> dict:
        from importlib.metadata import version

        packages = ["Django", "djangorestframework", "djangorestframework_simplejwt", "celery", "redis",
                    "psycopg", "gunicorn", "psutil"]  # fmt: skip
        found = {name: version(name) for name in packages}
        wrk = harness.ensure_wrk() if 4 in self.args.only else None
        if wrk:
            out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
            found["wrk"] = (out.stdout + out.stderr).split("\n")[0].strip()
        git_bin = shutil.which("git") or "git"
        git = subprocess.run(  # noqa: S603
            [git_bin, "rev-parse", "HEAD"], capture_output=True, text=True, cwd=harness.ROOT, check=False
        )
        dirty = subprocess.run(  # noqa: S603
            [git_bin, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            cwd=harness.ROOT,
            check=False,
        )
        return {
            "python": platform.python_version(),
            **found,
            "postgresql": self.postgres_version,
            "redis_server": self.redis_version,
            "git_commit": git.stdout.strip(),
            "git_dirty": bool(dirty.stdout.strip()),
        }


def _statement_kind(sql: str) -> str:
    text = " ".join(sql.split())
    if text.startswith("WITH scope_classes"):
        text = (
            text[text.find(") ", text.find("scope_classes AS (") + 18) + 2 :] if ") INSERT" in text else text
        )
        index = text.find("INSERT INTO")
        text = text[index:] if index >= 0 else text
    if text.startswith("INSERT INTO reporting_progressrollup"):
        return (
            "INSERT rollup rows ("
            + ("learner dimensions" if "courses_position" in text else "class dimensions")
            + ")"
        )
    words = text.split()
    head = " ".join(words[:3]) if words and words[0] in ("INSERT", "DELETE") else " ".join(words[:2])
    return head.replace('"', "")


def http_call(
    base: str, method: str, path: str, body: bytes | None, *, token: str | None
) -> tuple[int, bytes]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


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
    with harness.sql_connect(url) as conn:
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


def _terminated(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    # Stopped from outside (make interrupted, a time limit): the finally blocks still stop
    # gunicorn and the worker and remove the run's rows.
    signal.signal(signal.SIGTERM, _terminated)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    run = Run(args)
    try:
        return run.execute()
    except BenchError as error:
        print(f"\nbench: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
    finally:
        harness.stop_all()


if __name__ == "__main__":
    sys.exit(main())
