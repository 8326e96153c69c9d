"""Item 2: a full aggregation by the Celery worker (task reporting.rebuild_progress: one task per
province, then the publication), against one SQL GROUP BY computing the same per-enrolment figures
(checked equal to the job's). Measured twice at each size: the first aggregation into empty
progress tables (every figure, status and certificate written), then the nightly rebuild (every
figure recomputed, only changes written), with VACUUM ANALYZE between them. The worker's memory is
sampled throughout (item 5's figures)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bench.harness.basics import LOG_DIR, BenchError, log
from bench.harness.databases import database_url, sql_connect
from bench.harness.memory import MemorySampler

if TYPE_CHECKING:
    from bench.harness.run_context import Run

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


def reference_aggregation(url: str) -> dict:
    """The database's own limit: one GROUP BY over all attendance, materialised. Best of the
    server's JIT default and JIT off (the app runs with it off)."""
    timings = {}
    with sql_connect(url) as conn:
        for jit in ("on", "off", "on", "off"):
            conn.execute(f"SET jit = {jit}")
            conn.execute("DROP TABLE IF EXISTS bench_reference")
            started = time.perf_counter()
            conn.execute(REFERENCE_SQL)
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


def job_aggregation(run: Run, url: str, name: str) -> dict:
    """The Celery job's own path: reporting.rebuild_progress on the worker (a chord of one task
    per province, then publish_generation), timed from sending to the new generation live,
    with the worker's memory sampled throughout."""
    env = {**run.env, "DATABASE_URL": url}
    run.worker.start(env, run.app)
    try:
        time.sleep(1.0)  # the pool processes are up and idle: the idle figure is theirs too
        with sql_connect(url) as conn, MemorySampler(run.worker.process.pid) as memory:
            started = time.perf_counter()
            result = run.app.send_task("reporting.rebuild_progress", args=[None])
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
                raise BenchError(f"the rebuild of {name} ended {status!r}: see {LOG_DIR}")
            provinces = conn.execute(
                "SELECT count(*) FROM courses_province WHERE valid_until IS NULL"
            ).fetchone()[0]
    finally:
        run.worker.stop()
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


def aggregation_reset(url: str) -> None:
    with sql_connect(url) as conn, conn.transaction():
        for statement in RESET_SQL:
            conn.execute(statement)


def analyze(url: str) -> float:
    """VACUUM ANALYZE, as autovacuum would after the first aggregation wrote every row (it is
    off on this machine's server: see postgres_settings in the JSON)."""
    started = time.perf_counter()
    with sql_connect(url) as conn:
        conn.execute("VACUUM ANALYZE")
    return round(time.perf_counter() - started, 1)


def measure(run: Run) -> list[dict]:
    """Item 2 at each size (the first aggregation, then the nightly rebuild, then the SQL
    reference); its figures at the main size. Returns the measurements of every size (item 5's)."""
    per_size = []
    for size in run.args.sizes:
        info = run.sizes[size]
        url = database_url(run.args.admin_url, info["database"])
        log(f"item 2/5 at {info['attendance']:,} attendance records: progress tables emptied")
        aggregation_reset(url)
        analyze(url)
        log("  the first aggregation on the worker (every figure written)")
        cold = job_aggregation(run, url, info["database"])
        analyzed_in = analyze(url)
        log(f"  {cold['seconds']} s; VACUUM ANALYZE {analyzed_in} s; the nightly rebuild on the worker")
        job = job_aggregation(run, url, info["database"])
        log(f"  job {job['seconds']} s, worker peak RSS {job['peak_rss_mb']} MB; the SQL reference")
        reference = reference_aggregation(url)
        log(f"  reference {reference['seconds']} s")
        per_size.append({"enrolments_option": size, **info, "job": job, "cold": cold, "reference": reference})
    run.details["aggregation"] = per_size
    main = per_size[-1]
    ratio = main["job"]["seconds"] / main["reference"]["seconds"]
    run.figure(
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
    run.figure(
        2,
        f"first aggregation, {main['attendance'] / 1e6:.1f}M records (empty progress tables: all written)",
        main["cold"]["seconds"],
        "s",
        reference=main["reference"]["seconds"],
        reference_name="one SQL GROUP BY",
        ratio=main["cold"]["seconds"] / main["reference"]["seconds"],
        target="(reported)",
    )
    return per_size
