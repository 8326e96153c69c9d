"""bench/files.py, step roster: a province's roster of learners in the official layout (title
block, headings on two merged rows, birth dates under Nam/Nữ, signatures below) as .xlsx, and the
dry run of its import as the worker runs it (the file read and every row checked against the
reference data and the learners stored). Target: under 5 s for 20,000 rows, under 200 MB."""

from __future__ import annotations

import time

from bench.harness.basics import BenchError
from bench.harness.file_class import bench_class, django_setup

TARGET = (5.0, 200.0)  # seconds, peak RSS in MB


def build(rows: int) -> bytes:
    from tests.corpus.people import people
    from tests.corpus.rosters import official_xlsx

    return official_xlsx(people(rows, seed=2026)).content


def step(rows: int, content: bytes) -> dict:
    django_setup()
    from courses.models import ImportJob, ImportKind
    from courses.services.import_jobs import import_job_run

    trainer, training_class, _session = bench_class(0)
    job = ImportJob.objects.create(
        kind=ImportKind.ENROLMENT,
        dry_run=True,
        file_name="danh-sach-hoc-vien.xlsx",
        file_content=content,
        created_by=trainer,
        total_rows=rows,
        params={"class_id": training_class.pk},
    )
    started = time.perf_counter()
    job = import_job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    report = job.report or {}
    ImportJob.objects.filter(pk=job.pk).delete()
    if report.get("errors"):
        raise BenchError(f"the roster's dry run found errors: {report['errors'][:3]}")
    return {
        "rows": rows,
        "file_bytes": len(content),
        "seconds": seconds,
        "checked": len(report.get("items", [])),
    }
