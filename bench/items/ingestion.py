"""Item 1: attendance through POST /api/v1/attendance/bulk on gunicorn (a real JWT, validated,
audited, idempotent: the same batches are posted again and must write nothing), in records/s,
against COPY of the same rows (who recorded them included) into the same table; each is the best
of 3 runs."""

from __future__ import annotations

import datetime
import io
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.harness.basics import BenchError, log
from bench.harness.http_calls import post_batches
from bench.harness.run_context import USER_PREFIX

if TYPE_CHECKING:
    from bench.harness.run_context import Run

STATUSES = ("present", "present", "present", "present", "late", "excused", "absent", "present")


@dataclass
class Ingested:
    """What item 6's naive ingestion is compared with: one request of the bulk endpoint."""

    token: str
    one_request_s: float
    records_per_request: int


def ingest_records(sessions, enrolments) -> list[list[dict]]:
    batches = []
    for j, session in enumerate(sessions):
        batch = []
        for i, enrollment in enumerate(enrolments):
            status = STATUSES[(i + j) % len(STATUSES)]
            record = {"session": session.pk, "enrollment": enrollment.pk, "status": status}
            if status == "late":
                record["minutes"] = 200
            batch.append(record)
        batches.append(batch)
    return batches


def copy_reference(run: Run, batches: list[list[dict]], *, recorded_by: int | None) -> dict:
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
    with psycopg.connect(run.main_url, autocommit=False) as conn:
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


def ingest_undo(run: Run) -> None:
    """The ingested records and their audit entries deleted, committed: the next run's records
    are new again (as the reference's COPY deletes its rows between its runs)."""
    from enrollment.models import Attendance, AuditEntry

    Attendance.objects.filter(session__training_class=run.fixtures.ingest_class).delete()
    AuditEntry.objects.filter(training_class=run.fixtures.ingest_class, entity="attendance").delete()


def measure(run: Run) -> Ingested:
    """Item 1's figures; what item 6's naive ingestion is compared with."""
    from courses.models import User
    from enrollment.models import Attendance, AuditEntry

    token = run.token()
    batches = ingest_records(run.fixtures.ingest_sessions, run.fixtures.ingest_enrolments)
    count = sum(len(b) for b in batches)
    log(f"item 1: COPY of {count:,} records (reference)")
    poster = User.objects.get(username=f"{USER_PREFIX}admin").pk
    reference = copy_reference(run, batches, recorded_by=poster)
    # Beside it, for comparison with earlier runs: the rows without who recorded them.
    reference_anonymous = copy_reference(run, batches, recorded_by=None)
    bodies = [json.dumps({"records": batch}).encode() for batch in batches]
    run.wait_idle()
    # Best of 3, as the reference: each run posts the records as new (the previous run's
    # records and their audit entries deleted, and the worker idle, before it).
    runs = []
    for attempt in range(3):
        if attempt:
            ingest_undo(run)
        run.wait_idle()
        log(
            f"item 1: the same {count:,} records through POST /api/v1/attendance/bulk, "
            f"{len(bodies)} requests (run {attempt + 1} of 3)"
        )
        run_elapsed, answers = post_batches(
            run.gunicorn.port, "/api/v1/attendance/bulk", bodies, token, run.args.ingest_clients
        )
        created = 0
        for (status, data), _latency in answers:
            if status != 200:
                raise BenchError(f"the bulk endpoint answered {status}: {data[:500]!r}")
            created += json.loads(data)["created"]
        runs.append((run_elapsed, answers, created))
        log(f"  {run_elapsed:.2f} s")
    elapsed, answers, created = min(runs, key=lambda timed: timed[0])
    stored = Attendance.objects.filter(session__training_class=run.fixtures.ingest_class).count()
    audited = AuditEntry.objects.filter(training_class=run.fixtures.ingest_class).count()
    log("  again (idempotent)")
    again_elapsed, again = post_batches(
        run.gunicorn.port, "/api/v1/attendance/bulk", bodies, token, run.args.ingest_clients
    )
    unchanged = sum(json.loads(data)["unchanged"] for (status, data), _l in again if status == 200)
    changed = sum(
        json.loads(data)["created"] + json.loads(data)["updated"]
        for (status, data), _l in again
        if status == 200
    )
    rate = count / elapsed
    ratio = rate / reference["records_per_s"]
    run.figure(
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
        runs_s=[round(timed[0], 3) for timed in runs],
        clients=run.args.ingest_clients,
    )
    run.figure(
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
    run.details["ingest"] = {
        "records": count,
        "copy": reference,
        "copy_without_recorder": reference_anonymous,
        "bulk_seconds": elapsed,
        "again_seconds": again_elapsed,
    }
    run.wait_idle()
    return Ingested(
        token=token,
        one_request_s=min(latency for _a, latency in answers),
        records_per_request=len(batches[0]),
    )
