"""Bulk enrolment of a class from the file a province sends (layout: enrollment.files.enrollment_file).

Named as the enrolment importer in settings.IMPORTERS (courses.services.import_jobs.importer_for), so
that it runs through the same ImportJob machinery as the catalogue: within the request for small
files, by a Celery worker for large ones, with progress a client polls.

Every row is checked first; if any is wrong nothing is written and the report lists every error by
row and field. A dry run reports what the import would do. A real run creates the missing learners,
stores the CMNDs the file gives for known learners who have none, then enrols everyone in file order (waitlisting beyond the capacity), all in one transaction.
The work is set-based: the reference data, the known learners, their accounts and the class's
enrolments are each read in one query, and learners, accounts, enrolments and audit entries are
each written with bulk_create, so 5,000 rows take a few dozen queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError, ErrorItem
from courses.core.files.importing import ImportReport
from courses.core.files.tabular import TableRow
from courses.core.permissions import is_admin, is_trainer
from courses.core.text import fold
from courses.models import ImportKind, Role, TrainingClass, User
from courses.selectors.classes import classes_visible_to, may_manage_class
from courses.selectors.vocabularies import Vocabulary
from enrollment.files.enrollment_file import LearnerDraft, draft_defaults, given_number
from enrollment.files.enrollment_rows import enrolment_rows_check
from enrollment.models import SEAT_STATUSES, Enrollment, EnrollmentSource, EnrollmentStatus, Learner
from enrollment.rules.personal_data import mask_national_id
from enrollment.services.enrollment_scope import enrolable_provinces, enrolment_refusals, out_of_scope_message
from enrollment.services.enrollments import ENROLLING_CLASS_STATUSES, enrollments_bulk_create

CHUNK = 1000

# What the import does to each row's learner, the `action` of its report items (settings.IMPORTERS
# gives them to courses' API schema): enrolled, waitlisted (class full), re_enrolled (had withdrawn)
# or unchanged (already in the class).
ENROLMENT_IMPORT_ACTIONS = ("enrolled", "waitlisted", "re_enrolled", "unchanged")


class ImportedLearner:
    """Whether an item's learner was created by the import or already known, the `learner` of its
    report items (settings.IMPORTERS gives these too to courses' API schema)."""

    CREATED = "created"
    EXISTING = "existing"


ENROLMENT_IMPORT_LEARNERS = (ImportedLearner.CREATED, ImportedLearner.EXISTING)


def enrolment_import_may_run(user) -> bool:
    """Trainers and admins; which class they may import into is checked by the parameters."""
    return is_admin(user) or is_trainer(user)


def enrolment_import_check_params(*, user, class_id: int | None = None, **_unused) -> None:
    """The class must exist and be one the user manages: 404 outside their scope, 403 if only seen."""
    training_class = classes_visible_to(user).filter(pk=class_id).first() if class_id else None
    if training_class is None:
        raise DomainError(message=_("Không tìm thấy lớp."), code="not_found", status=http.HTTP_404_NOT_FOUND)
    if not may_manage_class(user, training_class):
        raise DomainError(
            message=_("Bạn không có quyền thực hiện thao tác này."),
            code="permission_denied",
            status=http.HTTP_403_FORBIDDEN,
        )
    if training_class.status not in ENROLLING_CLASS_STATUSES:
        raise DomainError(
            message=_("Lớp “%(code)s” đang ở trạng thái “%(status)s”: không ghi danh thêm được.")
            % {"code": training_class.code, "status": training_class.get_status_display()},
            code="class_not_enrolling",
            status=http.HTTP_409_CONFLICT,
        )


def _known(drafts: Sequence[LearnerDraft]) -> tuple[dict[str, Learner], set[str]]:
    """Stored learners by id, and ids already used as the username of an account without a learner."""
    ids = [d.national_id for d in drafts]
    learners: dict[str, Learner] = {}
    taken: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        learners.update(
            (learner.national_id, learner)
            for learner in Learner.objects.filter(national_id__in=chunk).only(
                "id", "national_id", "legacy_id_number", "full_name", "user_id"
            )
        )
        taken.update(
            User.objects.filter(username__in=chunk, learner__isnull=True).values_list("username", flat=True)
        )
    return learners, taken


def _cmnd_owners(cmnds: set[str]) -> dict[str, str]:
    """The 12-digit ids of the stored learners holding these CMNDs, by CMND."""
    owners: dict[str, str] = {}
    ordered = sorted(cmnds)
    for start in range(0, len(ordered), CHUNK):
        owners.update(
            Learner.objects.filter(legacy_id_number__in=ordered[start : start + CHUNK]).values_list(
                "legacy_id_number", "national_id"
            )
        )
    return owners


def _create_learners(drafts: Sequence[LearnerDraft]) -> dict[str, Learner]:
    """Learners and their accounts (role learner, username = id, no usable password), in bulk."""
    users = []
    for draft in drafts:
        values = draft_defaults(draft)
        users.append(
            User(
                username=draft.national_id,
                full_name=values["full_name"],
                email=values["email"],
                role=Role.LEARNER,
                province=values["province"],
                password=make_password(None),
                # No password yet: whoever sets one next is an admin, or the learner through the
                # emailed reset link (which clears this).
                password_change_required=True,
            )
        )
    User.objects.bulk_create(users, batch_size=CHUNK)
    learners = []
    for draft, user in zip(drafts, users, strict=True):
        learner = Learner(user=user, national_id=draft.national_id, **draft_defaults(draft))
        learner.derive_fields()
        learners.append(learner)
    Learner.objects.bulk_create(learners, batch_size=CHUNK)
    return {learner.national_id: learner for learner in learners}


@transaction.atomic
def enrolment_import(
    *,
    rows: Sequence[TableRow],
    dry_run: bool,
    user,
    class_id: int,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Enrol the learners of a file into a class (see the module docstring)."""
    report = ImportReport(kind=ImportKind.ENROLMENT, dry_run=dry_run, total_rows=len(rows))
    training_class = TrainingClass.objects.select_related("province__successor").filter(pk=class_id).first()
    if training_class is None:
        raise DomainError(message=_("Không tìm thấy lớp."), code="not_found", status=http.HTTP_404_NOT_FOUND)
    default_province = training_class.province.current_unit
    maps = Vocabulary.load()
    drafts, report.errors, report.warnings = enrolment_rows_check(
        rows, maps=maps, default_province=default_province, progress=progress, cmnd_owners=_cmnd_owners
    )

    known, taken = _known(drafts)
    # The enrolment rule (enrollment.services.enrollments) checked here too, to name the rows at
    # fault; enrollments_bulk_create applies it again to what is written.
    refused = set(
        enrolment_refusals(
            actor=user, training_class=training_class, learner_ids=[x.pk for x in known.values()]
        )
    )
    provinces = enrolable_provinces(user, training_class)
    new_drafts: list[LearnerDraft] = []
    # Known learners without a CMND given one by the file, with it.
    legacy_added: list[tuple[Learner, str]] = []
    for draft in drafts:
        learner = known.get(draft.national_id)
        if learner is not None and learner.pk in refused:
            # Neither the stored name nor anything else of the learner is reported.
            report.errors.append(
                ErrorItem(
                    row=draft.row,
                    field="national_id",
                    code="learner_out_of_scope",
                    message=out_of_scope_message(draft.given_id or draft.national_id),
                )
            )
            continue
        if learner is None and provinces is not None and draft.values["province"].pk not in provinces:
            report.errors.append(
                ErrorItem(
                    row=draft.row,
                    field="province",
                    code="learner_out_of_scope",
                    message=_("Học viên mới thuộc %(province)s, ngoài tỉnh của lớp: không ghi danh được.")
                    % {"province": draft.values["province"].name},
                )
            )
            continue
        if learner is not None:
            if fold(learner.full_name) != fold(draft.values["full_name"]):
                report.warnings.append(
                    ErrorItem(
                        row=draft.row,
                        field="full_name",
                        code="name_differs",
                        message=_("Học viên mang %(who)s đã có với tên “%(stored)s”: giữ thông tin đã lưu.")
                        % {"who": given_number(draft), "stored": learner.full_name},
                    )
                )
            cmnd = draft.values.get("legacy_id_number")
            if cmnd and not learner.legacy_id_number:
                legacy_added.append((learner, cmnd))
            elif cmnd and cmnd != learner.legacy_id_number:
                # The stored number is not shown: the uploader may read the roster fields only.
                report.warnings.append(
                    ErrorItem(
                        row=draft.row,
                        field="legacy_id_number",
                        code="legacy_id_differs",
                        message=_(
                            "Học viên mang %(who)s đã được lưu với một số CMND khác %(cmnd)s: giữ số đã "
                            "lưu, không thay đổi."
                        )
                        % {"who": given_number(draft), "cmnd": cmnd},
                    )
                )
            continue
        if draft.national_id in taken:
            report.errors.append(
                ErrorItem(
                    row=draft.row,
                    field="national_id",
                    code="unique",
                    message=_("Số định danh %(id)s đã là tên đăng nhập của một tài khoản khác.")
                    % {"id": draft.national_id},
                )
            )
            continue
        if not draft.values.get("gender"):
            report.errors.append(
                ErrorItem(
                    row=draft.row,
                    field="gender",
                    code="required",
                    message=_("Học viên mới cần giới tính (Nam/Nữ)."),
                )
            )
            continue
        new_drafts.append(draft)
    if report.errors:
        report.errors.sort(key=lambda e: (e.row or 0, e.field or ""))
        report.error_status = http.HTTP_400_BAD_REQUEST
        return report

    # Seats and who is already in the class: locked for the rest of the transaction.
    if training_class.has_capacity_limit:
        training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if training_class.status not in ENROLLING_CLASS_STATUSES:
        raise DomainError(
            message=_("Lớp “%(code)s” đang ở trạng thái “%(status)s”: không ghi danh thêm được.")
            % {"code": training_class.code, "status": training_class.get_status_display()},
            code="class_not_enrolling",
            status=http.HTTP_409_CONFLICT,
        )
    known_ids = [learner.pk for learner in known.values()]
    current = dict(
        Enrollment.objects.filter(training_class=training_class, learner_id__in=known_ids).values_list(
            "learner_id", "status"
        )
    )
    taken_seats = Enrollment.objects.filter(training_class=training_class, status__in=SEAT_STATUSES).count()

    counts = {
        "learners_created": len(new_drafts),
        "enrolled": 0,
        "waitlisted": 0,
        "re_enrolled": 0,
        "unchanged": 0,
        "legacy_ids_added": len(legacy_added),
    }
    actions: dict[str, str] = {}
    for draft in drafts:
        learner = known.get(draft.national_id)
        status = current.get(learner.pk) if learner is not None else None
        if status is not None and status != EnrollmentStatus.WITHDRAWN:
            action = "unchanged"
        else:
            full = training_class.has_capacity_limit and taken_seats >= training_class.capacity
            action = "waitlisted" if full else "enrolled"
            if not full:
                taken_seats += 1
            if status == EnrollmentStatus.WITHDRAWN:
                counts["re_enrolled"] += 1
        counts[action] += 1
        actions[draft.national_id] = action
        item = {
            "row": draft.row,
            # A row that gave only a CMND is told the last digits of the id it was matched to.
            "national_id": mask_national_id(draft.national_id)
            if draft.matched_by_cmnd
            else draft.national_id,
            "legacy_id_number": draft.values.get("legacy_id_number", ""),
            "full_name": learner.full_name if learner is not None else draft.values["full_name"],
            "learner": ImportedLearner.EXISTING if learner is not None else ImportedLearner.CREATED,
            "action": "re_enrolled"
            if status == EnrollmentStatus.WITHDRAWN and action == "enrolled"
            else action,
        }
        report.items.append(item)
    report.created = counts["enrolled"] + counts["waitlisted"] - counts["re_enrolled"]
    report.updated = counts["re_enrolled"]
    report.unchanged = counts["unchanged"]
    report.details = counts

    if dry_run:
        return report
    created = _create_learners(new_drafts) if new_drafts else {}
    if legacy_added:
        now = timezone.now()
        for learner, cmnd in legacy_added:
            learner.legacy_id_number, learner.updated_at = cmnd, now
        Learner.objects.bulk_update(
            [learner for learner, _cmnd in legacy_added], ["legacy_id_number", "updated_at"], batch_size=CHUNK
        )
    learner_ids = [(known.get(d.national_id) or created[d.national_id]).pk for d in drafts]
    enrollments_bulk_create(
        training_class=training_class,
        learner_ids=learner_ids,
        actor=user,
        source=EnrollmentSource.IMPORT,
    )
    if progress is not None:
        progress(len(rows))
    return report
