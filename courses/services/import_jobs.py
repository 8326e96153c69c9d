"""Import jobs: how every importer's file is stored, read, run now or queued, and reported.

An upload becomes an ImportJob whatever its kind (the catalogue, an enrolment list): small files
are imported within the request, larger ones by a Celery worker, with progress a client polls. The
importers themselves are named in settings.IMPORTERS (see importer_for).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from courses.core.errors import DomainError, ErrorItem, permission_denied_error
from courses.core.files.importing import ImportReport, JobProgress, upload_size_check
from courses.core.files.tabular import Column, read_table
from courses.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Importer:
    """What an import kind reads, who may run it, and the service that runs it."""

    columns: Sequence[Column]
    may_run: Callable[[Any], bool]
    run: Callable[..., ImportReport]
    # The values of `action` its report items take (each item says what the import did to a record).
    actions: Sequence[str] = ()
    # The values of `learner` its report items take, if they name one (the enrolment import: whether
    # the learner was created by the import or already known).
    learners: Sequence[str] = ()
    # Checks the job's parameters (e.g. the class an enrolment list is for) and the user's right to
    # them, raising DomainError; run() then receives them as keyword arguments.
    check_params: Callable[..., None] | None = None


def importer_for(kind: str) -> Importer:
    """The importer of a kind. settings.IMPORTERS names each part by dotted path, resolved here:
    the enrolment importer is the enrollment app's, which courses may not import."""
    return Importer(**{part: import_string(path) for part, path in settings.IMPORTERS[kind].items()})


def _import_item_values(part: str) -> list[str]:
    """Every importer's values of a report item's field (`part` of Importer), each once, in the
    order settings.IMPORTERS gives them."""
    return list(
        dict.fromkeys(value for kind in settings.IMPORTERS for value in getattr(importer_for(kind), part))
    )


def import_item_actions() -> list[str]:
    """Every importer's report item actions."""
    return _import_item_values("actions")


def import_item_learners() -> list[str]:
    """Every importer's values of a report item's `learner` (the enrolment import's)."""
    return _import_item_values("learners")


# The key of ImportJob.params holding how the file is read, kept apart from what the importer's run()
# receives: {"sheet": name or number or None, "mapping": {heading: field} or None, "mapping_id": the
# saved mapping it came from or None}. The mapping itself is kept, not only its id, so that a queued
# job reads the file as the dry run did even if the saved mapping changes meanwhile.
READER_PARAM = "reader"


def _job_params(params: dict | None) -> tuple[dict, dict]:
    """(read_table's options, the importer's parameters) of a job's params."""
    params = dict(params or {})
    reader = params.pop(READER_PARAM, None) or {}
    return {"sheet": reader.get("sheet"), "mapping": reader.get("mapping")}, params


def import_job_submit(
    *,
    kind: str,
    file_name: str,
    content: bytes,
    dry_run: bool,
    user,
    params: dict | None = None,
    reader: dict | None = None,
) -> ImportJob:
    """Store an uploaded file as an import job; run it now when small, otherwise queue it.

    The file is read here so that an unreadable one is refused at once (DomainError on "file")
    and the job knows its row count for progress. `reader` (see reader_options) says which sheet
    to read and how its headings map to fields (courses.services.column_mappings.upload_reader); the job keeps it, and the importer never sees it.
    The returned job is finished when it ran now and pending when queued.
    """
    importer = importer_for(kind)
    params = dict(params or {})
    if not importer.may_run(user):
        raise permission_denied_error()
    if importer.check_params is not None:
        importer.check_params(user=user, **params)
    upload_size_check(len(content))
    # Kept only when it says something: a job read the default way has the params it always had.
    reader = {name: value for name, value in (reader or {}).items() if value is not None}
    if reader:
        params[READER_PARAM] = reader
    options, _importer_params = _job_params(params)
    table = read_table(content=content, filename=file_name, columns=importer.columns, **options)
    job = ImportJob.objects.create(
        kind=kind,
        dry_run=dry_run,
        file_name=Path(file_name).name[:255],
        file_content=content,
        created_by=user,
        total_rows=len(table.rows),
        params=params,
    )
    if job.total_rows <= settings.IMPORT_SYNC_MAX_ROWS:
        return import_job_run(job_id=job.pk)
    import_job_enqueue(job=job)
    return job


def import_job_enqueue(*, job: ImportJob) -> None:
    """Queue the job for a worker once the transaction that created it has committed.

    The job is stored by then, and the upload answers 202 with it whatever the broker does: a job
    whose task could not be queued (Redis down) stays pending, and import_jobs_requeue_lost queues
    it again, as it does a task a restarted Redis lost."""
    from courses.core.queue import enqueue_on_commit
    from courses.tasks import IMPORT_JOB_RUN_TASK

    enqueue_on_commit(IMPORT_JOB_RUN_TASK, job.pk)


def _is_abandoned(job: ImportJob) -> bool:
    """A running job older than the task hard time limit lost its worker: Celery kills a task
    that runs longer, and the import's transaction rolled back with it, so running it again is safe."""
    limit = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return job.started_at is not None and job.started_at < timezone.now() - limit


def import_jobs_requeue_lost(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue again the jobs whose task is gone: pending for longer than the broker's visibility
    timeout (a task Redis still held would have been delivered by then; one it lost in a restart
    never will be), or abandoned while running (_is_abandoned). A duplicate costs nothing:
    import_job_run leaves alone a job finished or running elsewhere."""
    from courses.core.queue import enqueue_committed
    from courses.tasks import IMPORT_JOB_RUN_TASK

    now = now or timezone.now()
    pending_since = now - datetime.timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT)
    running_since = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    lost = list(
        ImportJob.objects.filter(
            Q(status=ImportStatus.PENDING, created_at__lt=pending_since)
            | Q(status=ImportStatus.RUNNING, started_at__lt=running_since)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for job_id in lost:
        enqueue_committed(IMPORT_JOB_RUN_TASK, job_id)
    if lost:
        logger.warning("import jobs %s had lost their task: queued again", lost)
    return lost


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a pending import job once and store its report.

    Safe under redelivery of the task: a job that has finished, or is running elsewhere, is
    left alone. Row errors, an unreadable file or a crash end the job as failed with a report;
    nothing is imported then.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished or (job.status == ImportStatus.RUNNING and not _is_abandoned(job)):
            return job
        job.status = ImportStatus.RUNNING
        job.started_at = timezone.now()
        job.processed_rows = 0
        job.save(update_fields=["status", "started_at", "processed_rows"])

    importer = importer_for(job.kind)
    user = job.created_by
    report = ImportReport(kind=job.kind, dry_run=job.dry_run, total_rows=job.total_rows)
    processed = 0
    table = None
    try:
        options, params = _job_params(job.params)
        table = read_table(
            content=bytes(job.file_content), filename=job.file_name, columns=importer.columns, **options
        )
        # Checked again: the role may have changed while the job waited.
        if user is not None and not importer.may_run(user):
            raise permission_denied_error()
        if user is not None and importer.check_params is not None:
            importer.check_params(user=user, **params)
        with JobProgress(job.pk, table=ImportJob._meta.db_table) as progress:
            report = importer.run(
                rows=table.rows, dry_run=job.dry_run, user=user, progress=progress, **params
            )
        report.file = table.describe()
        processed = len(table.rows)
    except DomainError as exc:
        report.errors = exc.errors or [ErrorItem(message=exc.message, code=exc.code)]
        report.error_status = exc.status
        if table is not None:
            report.file = table.describe()
    except Exception:
        # The import's transaction rolled back; the job must still end, not stay "running".
        logger.exception("import job %s failed", job.pk)
        report.errors = [
            ErrorItem(
                message=_("Lỗi ngoài dự kiến khi nhập; chưa có dữ liệu nào được nhập."), code="server_error"
            )
        ]
        report.error_status = 500

    job.status = ImportStatus.SUCCEEDED if report.ok else ImportStatus.FAILED
    job.finished_at = timezone.now()
    job.report = report.as_dict()
    job.total_rows = max(job.total_rows, processed)
    job.processed_rows = processed
    job.save(update_fields=["status", "finished_at", "report", "total_rows", "processed_rows"])
    return job
