"""Reads of the files a trainer uploaded on the portal (enrollment.services.file_previews): the
previews a user may see, a preview's dry-run report, and whether its apply did what it showed."""

from __future__ import annotations

from django.db.models import QuerySet

from enrollment.models import FilePreview, UploadKind


def file_previews_of(user, training_class) -> QuerySet[FilePreview]:
    """The previews of a class the user uploaded: a preview is its uploader's alone (as an import
    job is), whoever else manages the class. The class is one the caller has already scoped."""
    return FilePreview.objects.filter(training_class=training_class, created_by=user)


def preview_fingerprint(kind: str, report: dict) -> list:
    """What a run does, per record: equal for a dry run and the real run when nothing changed between."""
    if kind == UploadKind.PLATFORM_REPORT:
        return [
            *(
                ["learner", item["enrollment"], item["status"], item["minutes"], item["action"]]
                for item in report.get("learners", [])
            ),
            *(["unmatched", item["row"], item["reason"]] for item in report.get("unmatched", [])),
        ]
    if kind == UploadKind.SCORES:
        return [
            [item["row"], item["enrollment"], item["score"], item["action"]]
            for item in report.get("items", [])
        ]
    return [
        [item["row"], item.get("national_id"), item.get("action"), item.get("learner")]
        for item in report.get("items", [])
    ]


def preview_report(preview: FilePreview) -> dict | None:
    """The dry run's report, or None while its job (a large enrolment list) has not finished."""
    if preview.dry_run_job_id is None:
        return preview.report
    job = preview.dry_run_job
    return job.report if job.is_finished else None


def preview_applied_as_shown(preview: FilePreview) -> bool | None:
    """Whether the real run did what the preview showed; None while a queued real run goes on."""
    if preview.applied_at is None:
        return None
    report = preview.applied_report
    if preview.applied_job_id is not None:
        job = preview.applied_job
        if not job.is_finished:
            return None
        report = job.report
    previewed = preview_report(preview) or {}
    return preview_fingerprint(preview.kind, report) == preview_fingerprint(preview.kind, previewed)
