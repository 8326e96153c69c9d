"""A trainer's class page at /portal/trainer/classes/<id>/: the class's progress against its
completion rule, the scores, the exports, and the files a trainer sends (a session's platform
report, an enrolment list, a score sheet) through the dry run's preview before anything is applied.

Scoped exactly as the API's class management (classes_managed_by: the class's trainers and the
admins of its scope; learners get a 403 page, a class out of reach is 404). The progress is the
API's roster selector (enrollment_roster, the one completion rule); the uploads call the services
the API calls (enrollment.services.file_previews keeps the previewed file server-side, so the apply
runs on exactly the bytes previewed); a preview is seen only by whoever uploaded it.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods

from courses.core.errors import DomainError
from courses.core.files.importing import upload_size_check
from courses.core.permissions import is_admin
from courses.models import ClassStatus, ImportStatus
from courses.selectors.classes import classes_managed_by, sessions_of_class
from enrollment.models import AttendanceStatus, EnrollmentStatus, FilePreview, UploadKind
from enrollment.pages.access import trainer_page
from enrollment.rules.completion import completion_terms, percent_display
from enrollment.rules.personal_data import mask_national_id, reads_full_record
from enrollment.selectors.enrollments import enrollment_roster, learners_of_enrollments
from enrollment.selectors.file_previews import file_previews_of, preview_applied_as_shown, preview_report
from enrollment.services.data_access import learner_data_access_record
from enrollment.services.file_previews import file_preview_apply, file_preview_create

# What each record of a preview becomes, as the reports' `action` says it.
ACTIONS = {
    "created": gettext_lazy("Tạo mới"),
    "updated": gettext_lazy("Cập nhật"),
    "unchanged": gettext_lazy("Không đổi"),
    "enrolled": pgettext_lazy("outcome", "Ghi danh"),
    "waitlisted": gettext_lazy("Vào danh sách chờ"),
    "re_enrolled": gettext_lazy("Ghi danh lại"),
    "kept": gettext_lazy("Giữ điểm đã có"),
}
# The platform that wrote a report (enrollment.files.platform_reports), as people name it.
PLATFORMS = {
    "zoom": "Zoom",
    "teams": "Microsoft Teams",
    "meet": "Google Meet",
    "template": gettext_lazy("Mẫu của chương trình"),
}
DATE_ORDERS = {"dmy": gettext_lazy("Ngày/tháng/năm"), "mdy": gettext_lazy("Tháng/ngày/năm")}
# The previews listed on the class page, newest first.
PREVIEWS_SHOWN = 5
# The classes listed on /portal/trainer/classes/: the latest first, at most this many.
CLASSES_SHOWN = 50


def managed_class(request, pk: int):
    return get_object_or_404(
        classes_managed_by(request.user).select_related("curriculum", "programme"), pk=pk
    )


def asks_reason(request, training_class) -> bool:
    """A closed class is changed only by an admin giving a reason (the API's CLOSED_RULE)."""
    return training_class.status == ClassStatus.CLOSED and is_admin(request.user)


@require_http_methods(["GET"])
@trainer_page
def my_classes(request):
    """The latest classes the user manages (the API's classes_managed_by), running and open ones first."""
    classes = list(
        classes_managed_by(request.user)
        .exclude(status=ClassStatus.DRAFT)
        .order_by("-start_date", "code")[:CLASSES_SHOWN]
    )
    order = [ClassStatus.RUNNING, ClassStatus.OPEN, ClassStatus.FINISHED, ClassStatus.CLOSED]
    classes.sort(key=lambda c: order.index(c.status) if c.status in order else len(order))
    return render(
        request,
        "portal/trainer_classes.html",
        {"classes": classes, "limited": len(classes) == CLASSES_SHOWN},
    )


@require_http_methods(["GET"])
@trainer_page
def class_page(request, pk: int):
    training_class = managed_class(request, pk)
    return render(request, "portal/trainer_class.html", _class_context(request, training_class))


def _class_context(request, training_class) -> dict:
    enrollments = list(enrollment_roster(training_class, request.user))
    learner_data_access_record(
        request=request,
        learners=[enrollment.learner for enrollment in enrollments],
        training_class_id=training_class.pk,
    )
    terms = completion_terms(training_class.programme_id)
    rows = [
        {
            "enrollment": enrollment,
            "national_id": enrollment.learner.national_id
            if reads_full_record(request.user, enrollment.learner)
            else mask_national_id(enrollment.learner.national_id),
            "rate": percent_display(enrollment.attendance_rate * 100),
            "withdrawn": enrollment.status == EnrollmentStatus.WITHDRAWN,
        }
        for enrollment in enrollments
    ]
    sessions = list(sessions_of_class(training_class))
    previews = list(
        file_previews_of(request.user, training_class)
        .select_related("session")
        .defer("file_content", "report", "applied_report")
        .order_by("-created_at", "-pk")[:PREVIEWS_SHOWN]
    )
    return {
        "training_class": training_class,
        "rows": rows,
        "sessions": sessions,
        "required_percent": terms.min_attendance_percent,
        "has_final_assessment": training_class.curriculum.has_final_assessment,
        "min_final_score": terms.min_final_score,
        "date_orders": DATE_ORDERS,
        "asks_reason": asks_reason(request, training_class),
        "previews": previews,
        "kinds": UploadKind,
    }


@require_http_methods(["POST"])
@trainer_page
def upload(request, pk: int):
    """The dry run of an uploaded file: its preview page, or the service's refusal on a page (4xx)."""
    training_class = managed_class(request, pk)
    kind = request.POST.get("kind", "")
    upload_file = request.FILES.get("file")
    try:
        if kind not in UploadKind.values:
            raise DomainError(message=_("Loại tệp không hợp lệ."), field="kind")
        if upload_file is None:
            raise DomainError(message=_("Chọn tệp để tải lên."), field="file")
        # Refused before the body is read into memory.
        upload_size_check(upload_file.size)
        session = None
        if kind == UploadKind.PLATFORM_REPORT:
            session = sessions_of_class(training_class).filter(pk=_int(request.POST.get("session"))).first()
            if session is None:
                raise DomainError(message=_("Chọn buổi học của báo cáo."), field="session")
        date_order = request.POST.get("date_order", "")
        if date_order and date_order not in DATE_ORDERS:
            raise DomainError(message=_("Thứ tự ngày tháng không hợp lệ."), field="date_order")
        preview = file_preview_create(
            kind=kind,
            training_class=training_class,
            session=session,
            actor=request.user,
            file_name=upload_file.name,
            content=upload_file.read(),
            options={"date_order": date_order, "reason": request.POST.get("reason", "").strip()},
        )
    except DomainError as error:
        return _refusal(request, training_class, kind, getattr(upload_file, "name", ""), error)
    return redirect("portal:trainer_upload", pk=training_class.pk, upload=preview.pk)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _refusal(request, training_class, kind: str, file_name: str, error: DomainError):
    """The service's refusal as the API gives it (message, each error's row and field), on a page
    with the API's status, and the class page's forms to try again."""
    return render(
        request,
        "portal/trainer_upload.html",
        {
            "training_class": training_class,
            "kind_label": UploadKind(kind).label if kind in UploadKind.values else "",
            "file_name": file_name,
            "refusal": error.message,
            "errors": [item.as_dict() for item in error.errors]
            or ([{"field": error.field, "message": error.message}] if error.field else []),
        },
        status=error.status,
    )


def _preview(request, pk: int, upload: int) -> FilePreview:
    training_class = managed_class(request, pk)
    return get_object_or_404(
        file_previews_of(request.user, training_class).select_related(
            "session", "dry_run_job", "applied_job"
        ),
        pk=upload,
    )


@require_http_methods(["GET"])
@trainer_page
def upload_page(request, pk: int, upload: int):
    preview = _preview(request, pk, upload)
    report = preview_report(preview)
    context = {
        "training_class": preview.training_class,
        "preview": preview,
        "kind_label": preview.get_kind_display(),
        "file_name": preview.file_name,
        "job": preview.dry_run_job if report is None else None,
        "applied_job": preview.applied_job
        if preview.applied_job_id and not preview.applied_job.is_finished
        else None,
        "as_shown": preview_applied_as_shown(preview),
        "failed_job": preview.applied_job
        if preview.applied_job_id and preview.applied_job.status == ImportStatus.FAILED
        else None,
    }
    if report is not None:
        context.update(_report_context(preview.kind, report))
        # The preview names the class's learners: a read of their data, as the API's report is.
        enrollment_ids = [item["enrollment"] for item in context["matched"] if item.get("enrollment")]
        if enrollment_ids:
            learner_data_access_record(
                request=request,
                learners=learners_of_enrollments(enrollment_ids),
                training_class_id=preview.training_class_id,
            )
    return render(request, "portal/trainer_upload.html", context)


def _report_context(kind: str, report: dict) -> dict:
    """The report's counts and records as the preview lists them: matched, unmatched, warnings, errors."""
    statuses = dict(AttendanceStatus.choices)
    if kind == UploadKind.PLATFORM_REPORT:
        matched = [
            {
                "enrollment": item["enrollment"],
                "rows": ", ".join(str(row) for row in item["rows"]),
                "name": item["full_name"],
                "outcome": _("%(status)s · %(minutes)d phút")
                % {"status": statuses.get(item["status"], item["status"]), "minutes": item["minutes"]},
                "action": ACTIONS.get(item["action"], item["action"]),
            }
            for item in report.get("learners", [])
        ]
        unmatched = [
            {
                "row": item["row"],
                "name": item["name"] or item["email"] or item["national_id"],
                "message": item["message"],
            }
            for item in report.get("unmatched", [])
        ]
        counts = [
            (_("Số dòng"), report.get("total_rows", 0)),
            (_("Dòng khớp học viên"), report.get("matched_rows", 0)),
            (_("Dòng không khớp"), len(unmatched)),
            (_("Bản ghi mới"), report.get("created", 0)),
            (_("Bản ghi cập nhật"), report.get("updated", 0)),
            (_("Không đổi"), report.get("unchanged", 0)),
        ]
        return {
            "counts": counts,
            "matched": matched,
            "unmatched": unmatched,
            "warnings": [],
            "errors": [],
            "platform": PLATFORMS.get(report.get("platform"), report.get("platform")),
            "host": report.get("host", []),
        }
    if kind == UploadKind.SCORES:
        matched = [
            {
                "enrollment": item["enrollment"],
                "rows": ", ".join(str(row) for row in item["rows"]),
                "name": item["full_name"],
                "outcome": f"{item['previous_score'] or '—'} → {item['score'] or '—'}",
                "action": ACTIONS.get(item["action"], item["action"]),
            }
            for item in report.get("items", [])
        ]
        counts = [
            (_("Số dòng"), report.get("total_rows", 0)),
            (_("Điểm thay đổi"), report.get("updated", 0)),
            (_("Không đổi"), report.get("unchanged", 0)),
        ]
    else:
        matched = [
            {
                "rows": str(item["row"]),
                "name": item.get("full_name", ""),
                "outcome": item.get("national_id", ""),
                "action": ACTIONS.get(item.get("action"), item.get("action")),
                "new_learner": item.get("learner") == "created",
            }
            for item in report.get("items", [])
        ]
        details = report.get("details", {})
        counts = [
            (_("Số dòng"), report.get("total_rows", 0)),
            (pgettext("outcome", "Ghi danh"), report.get("created", 0)),
            (_("Ghi danh lại"), report.get("updated", 0)),
            (_("Đã có trong lớp"), report.get("unchanged", 0)),
            *([(_("Học viên mới"), details["learners_created"])] if "learners_created" in details else []),
        ]
    return {
        "counts": counts,
        "matched": matched,
        "unmatched": [],
        "warnings": report.get("warnings", []),
        "errors": report.get("errors", []),
    }


@require_http_methods(["POST"])
@trainer_page
def apply(request, pk: int, upload: int):
    """Apply exactly what was previewed. If the class changed since, nothing is applied and a new
    preview of the same stored file is made and shown."""
    preview = _preview(request, pk, upload)
    try:
        preview = file_preview_apply(preview=preview, actor=request.user)
    except DomainError as error:
        if error.code != "preview_outdated":
            return _refusal(request, preview.training_class, preview.kind, preview.file_name, error)
        messages.error(request, error.message)
        try:
            fresh = file_preview_create(
                kind=preview.kind,
                training_class=preview.training_class,
                session=preview.session,
                actor=request.user,
                file_name=preview.file_name,
                content=bytes(preview.file_content),
                options=preview.options,
            )
        except DomainError as again:
            return _refusal(request, preview.training_class, preview.kind, preview.file_name, again)
        return redirect("portal:trainer_upload", pk=pk, upload=fresh.pk)
    if preview.applied_job_id and not preview.applied_job.is_finished:
        messages.success(request, _("Tệp lớn: đang nhập, trang này cho biết tiến độ."))
    else:
        messages.success(request, _("Đã áp dụng đúng như bản xem trước."))
    return redirect(reverse("portal:trainer_upload", kwargs={"pk": pk, "upload": preview.pk}))
