"""Item 6: the naive way beside items 1 and 2 (bench/naive.py): a DRF ModelSerializer(many=True)
saving row by row beside one request of the bulk endpoint, and an ORM loop over enrolments beside
the Celery rebuild, on a smaller slice."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bench.harness.basics import BenchError, log
from bench.harness.http_calls import post_batches
from bench.items.ingestion import Ingested, ingest_records

if TYPE_CHECKING:
    from bench.harness.run_context import Run


def measure_ingestion(run: Run, ingested: Ingested) -> None:
    """`naive_records` records through the naive endpoint, in one request."""
    n = min(run.args.naive_records, len(run.fixtures.naive_enrolments))
    session = run.fixtures.naive_sessions[0]
    records = ingest_records([session], run.fixtures.naive_enrolments[:n])[0]
    body = json.dumps({"records": records}).encode()
    log(f"item 6: {n:,} records through the naive ModelSerializer endpoint")
    naive_elapsed, naive = post_batches(
        run.gunicorn.port, "/bench/naive/attendance", [body], ingested.token, 1
    )
    (status, data), _latency = naive[0]
    if status not in (200, 201):
        raise BenchError(f"the naive endpoint answered {status}: {data[:500]!r}")
    one_request = ingested.one_request_s
    per_request = ingested.records_per_request
    naive_rate = n / naive_elapsed
    run.figure(
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
    run.wait_idle()


def measure_aggregation(run: Run) -> None:
    """The naive ORM loop over `naive_enrolments` enrolments of the dataset, beside item 2's rebuild."""
    from django.db import connection

    from bench.naive import naive_aggregate

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT e.id FROM enrollment_enrollment e
               JOIN courses_trainingclass c ON c.id = e.training_class_id
               WHERE c.code LIKE 'GEN-%%' ORDER BY e.training_class_id, e.id LIMIT %s""",
            [run.args.naive_enrolments],
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
    main = run.details.get("aggregation", [{}])[-1]
    job_rate = main["attendance"] / main["job"]["seconds"] if main else None
    sql_rate = main["attendance"] / main["reference"]["seconds"] if main else None
    run.figure(
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
