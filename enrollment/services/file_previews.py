"""Files a trainer uploads on the portal (a platform report, an enrolment list, a score sheet): the
dry run kept with the file, then applied on exactly the bytes previewed.

The API's services do the work (attendance_platform_report_import, the enrolment import job,
enrollment_scores_import); what is added is the file kept server-side between the preview and the
apply, and the check that the real run does what the preview showed: if the class changed meanwhile
(a learner enrolled, a record marked), the apply stores nothing and says so (409 preview_outdated).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import status as http

from courses.core.errors import DomainError, ErrorItem, permission_denied_error
from courses.core.files.importing import upload_size_check
from courses.models import ClassSession, ImportJob, ImportKind, ImportStatus, TrainingClass
from courses.services.import_jobs import import_job_submit
from enrollment.models import FilePreview, UploadKind
from enrollment.selectors.file_previews import preview_fingerprint, preview_report
from enrollment.services.attendance_platform import PlatformReportOutcome, attendance_platform_report_import
from enrollment.services.score_import import enrollment_scores_import


def platform_outcome_report(outcome: PlatformReportOutcome) -> dict:
    """What the portal shows of a platform report's outcome (the API's fields it needs), as JSON."""
    return {
        "dry_run": outcome.dry_run,
        "platform": outcome.platform,
        "total_rows": outcome.total_rows,
        "matched_rows": outcome.matched_rows,
        "created": outcome.attendance.created,
        "updated": outcome.attendance.updated,
        "unchanged": outcome.attendance.unchanged,
        "learners": [
            {
                "enrollment": reported.enrollment.pk,
                "full_name": reported.enrollment.learner.full_name,
                "rows": list(reported.rows),
                "status": reported.attendance.status,
                "minutes": reported.attendance.minutes,
                "action": str(reported.action),
            }
            for reported in outcome.learners
        ],
        "unmatched": [row.as_dict() for row in outcome.unmatched],
        "host": list(outcome.host),
    }


def _job_errors(job: ImportJob) -> DomainError:
    """A failed import job as the API answers it (courses.api.views_imports.import_job_response)."""
    report = job.report or {}
    errors = [ErrorItem(**item) for item in report.get("errors", [])]
    return DomainError(
        code="invalid",
        message=ngettext(
            "Có %(count)d lỗi: chưa có dữ liệu nào được nhập.",
            "Có %(count)d lỗi: chưa có dữ liệu nào được nhập.",
            len(errors),
        )
        % {"count": len(errors)},
        status=report.get("error_status") or http.HTTP_400_BAD_REQUEST,
        errors=errors,
    )


def _run(
    *,
    kind: str,
    training_class: TrainingClass,
    session: ClassSession | None,
    actor,
    file_name: str,
    content: bytes,
    options: dict,
    dry_run: bool,
) -> tuple[dict, ImportJob | None]:
    """The API's service of `kind` on the file: (its report as the portal keeps it, the import job)."""
    if kind == UploadKind.PLATFORM_REPORT:
        outcome = attendance_platform_report_import(
            session=session,
            content=content,
            filename=file_name,
            actor=actor,
            dry_run=dry_run,
            reason=options.get("reason", ""),
            time_zone=options.get("time_zone") or None,
            date_order=options.get("date_order") or None,
        )
        return platform_outcome_report(outcome), None
    if kind == UploadKind.SCORES:
        report = enrollment_scores_import(
            training_class=training_class,
            content=content,
            filename=file_name,
            actor=actor,
            dry_run=dry_run,
            reason=options.get("reason", ""),
        )
        return report.as_dict(), None
    job = import_job_submit(
        kind=ImportKind.ENROLMENT,
        file_name=file_name,
        content=content,
        dry_run=dry_run,
        user=actor,
        params={"class_id": training_class.pk},
    )
    if job.status == ImportStatus.FAILED:
        raise _job_errors(job)
    return (job.report if job.is_finished else {}), job


@transaction.atomic
def file_preview_create(
    *,
    kind: str,
    training_class: TrainingClass,
    session: ClassSession | None,
    actor,
    file_name: str,
    content: bytes,
    options: dict,
) -> FilePreview:
    """The dry run of an uploaded file, kept with the file. A file the service refuses (unreadable,
    rows in error, a closed class) raises its DomainError and nothing is kept. A large enrolment list
    becomes a queued dry-run job: the preview is its report once it has run."""
    if kind not in UploadKind.values:
        raise DomainError(message=_("Loại tệp không hợp lệ."), field="kind")
    if kind == UploadKind.PLATFORM_REPORT and (
        session is None or session.training_class_id != training_class.pk
    ):
        raise DomainError(message=_("Chọn buổi học của báo cáo."), field="session")
    upload_size_check(len(content))
    report, job = _run(
        kind=kind,
        training_class=training_class,
        session=session if kind == UploadKind.PLATFORM_REPORT else None,
        actor=actor,
        file_name=file_name,
        content=content,
        options=options,
        dry_run=True,
    )
    return FilePreview.objects.create(
        kind=kind,
        training_class=training_class,
        session=session if kind == UploadKind.PLATFORM_REPORT else None,
        created_by=actor,
        file_name=Path(file_name).name[:255],
        file_content=content,
        options=options,
        report=report if job is None else {},
        dry_run_job=job,
    )


def preview_outdated_error() -> DomainError:
    return DomainError(
        message=_(
            "Dữ liệu của lớp đã thay đổi từ lúc xem trước: chưa áp dụng gì. Hãy xem lại bản xem trước mới."
        ),
        code="preview_outdated",
        status=http.HTTP_409_CONFLICT,
    )


@transaction.atomic
def file_preview_apply(*, preview: FilePreview, actor) -> FilePreview:
    """Apply the previewed file: the same service on the same bytes and options, no longer a dry run.

    Applied once (a second submit finds it applied and does nothing). If the real run does other
    than the preview showed, everything rolls back and DomainError preview_outdated (409) is raised.
    A large enrolment list is queued as a job; its report is then compared on the job's page.
    """
    preview = (
        FilePreview.objects.select_for_update(of=("self",)).select_related("dry_run_job").get(pk=preview.pk)
    )
    if preview.created_by_id != actor.pk:
        raise permission_denied_error()
    if preview.applied_at is not None:
        return preview
    previewed = preview_report(preview)
    if previewed is None:
        raise DomainError(
            message=_("Bản xem trước chưa chạy xong."), code="preview_pending", status=http.HTTP_409_CONFLICT
        )
    report, job = _run(
        kind=preview.kind,
        training_class=preview.training_class,
        session=preview.session,
        actor=actor,
        file_name=preview.file_name,
        content=bytes(preview.file_content),
        options=preview.options,
        dry_run=False,
    )
    finished = job is None or job.is_finished
    if finished and preview_fingerprint(preview.kind, report) != preview_fingerprint(preview.kind, previewed):
        raise preview_outdated_error()
    preview.applied_at = timezone.now()
    preview.applied_job = job
    preview.applied_report = report
    preview.save(update_fields=["applied_at", "applied_job", "applied_report"])
    return preview


@transaction.atomic
def file_previews_purge(*, now=None) -> int:
    """Beat, daily: previews never applied within FILE_PREVIEW_KEEP_DAYS are deleted, with the file
    bytes they hold (up to IMPORT_MAX_FILE_BYTES each); an applied preview keeps its record, which the
    class page lists, and gives up the bytes, which nothing reads once applied. Returns how many
    previews were deleted or emptied; a second run finds nothing left to do."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.FILE_PREVIEW_KEEP_DAYS)
    old = FilePreview.objects.filter(created_at__lt=cutoff)
    deleted, _per_model = old.filter(applied_at__isnull=True).delete()
    emptied = old.filter(applied_at__isnull=False).exclude(file_content=b"").update(file_content=b"")
    return deleted + emptied
