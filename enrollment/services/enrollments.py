"""Enrolment of learners in classes: one or many, self-enrolment, withdrawal and the waitlist.

Capacity is race-safe. For a class with a capacity (in person, blended) every write that takes or
frees a seat first locks the class row (SELECT … FOR UPDATE), then counts the seats taken
(enrolled, completed, not completed): two requests for the last seat run one after the other, and
the second finds the class full and is waitlisted. Online classes have no upper limit and need no
lock; the unique (learner, class) constraint keeps a learner from being enrolled twice.

When a seat frees (a withdrawal, more seats, a switch to online), the waitlist is promoted in the
order learners joined it (created_at, then id).

Every change is written to the audit history (who, when, before, after, source) and marks the
class's progress stale.

Who may be enrolled is `enrollment.services.enrollment_scope` (`ensure_may_enrol`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError
from courses.core.permissions import is_central_admin
from courses.models import ClassStatus, Role, TrainingClass
from courses.selectors.classes import curricula_serving_q, may_manage_class, province_scope_q
from enrollment.models import SEAT_STATUSES, Enrollment, EnrollmentSource, EnrollmentStatus, Learner
from enrollment.services.audit import audit_entries_create, audit_entry, enrollment_state
from enrollment.services.enrollment_scope import ensure_may_enrol
from enrollment.services.notifications_enrolment import enrolment_emails_request
from enrollment.services.progress import class_progress_mark_stale

# Trainers and admins enrol while a class is being prepared, open or running.
ENROLLING_CLASS_STATUSES = (ClassStatus.DRAFT, ClassStatus.OPEN, ClassStatus.RUNNING)
# Withdrawal is possible until the class has finished.
WITHDRAWING_CLASS_STATUSES = (ClassStatus.DRAFT, ClassStatus.OPEN, ClassStatus.RUNNING)

ENTITY = "enrollment"


def source_for(actor) -> str:
    """The enrolment source a user's role stands for."""
    if actor is None or not actor.is_authenticated:
        return EnrollmentSource.ADMIN
    if actor.role == Role.LEARNER:
        return EnrollmentSource.SELF
    if actor.role == Role.TRAINER:
        return EnrollmentSource.TRAINER
    return EnrollmentSource.ADMIN


def _conflict(message: str, code: str = "conflict", field: str | None = None) -> DomainError:
    return DomainError(message=message, code=code, status=http.HTTP_409_CONFLICT, field=field)


def _lock_class(training_class: TrainingClass | int) -> TrainingClass:
    pk = training_class if isinstance(training_class, int) else training_class.pk
    return TrainingClass.objects.select_for_update().get(pk=pk)


def seats_taken(training_class: TrainingClass) -> int:
    return Enrollment.objects.filter(training_class=training_class, status__in=SEAT_STATUSES).count()


def _check_class_enrolling(training_class: TrainingClass) -> None:
    if training_class.status not in ENROLLING_CLASS_STATUSES:
        raise _conflict(
            _("Lớp “%(code)s” đang ở trạng thái “%(status)s”: không ghi danh thêm được.")
            % {"code": training_class.code, "status": training_class.get_status_display()},
            code="class_not_enrolling",
        )


def _audit(enrollment: Enrollment, *, action: str, actor, before: dict | None, source: str, reason: str = ""):
    return audit_entry(
        entity=ENTITY,
        entity_id=enrollment.pk,
        training_class_id=enrollment.training_class_id,
        action=action,
        actor=actor,
        before=before,
        after=enrollment_state(enrollment),
        source=source,
        reason=reason,
    )


def _actor_or_none(actor):
    return actor if actor is not None and actor.is_authenticated else None


@dataclass
class BulkEnrolResult:
    """What a bulk enrolment did, per learner id."""

    enrolled: list[int] = field(default_factory=list)
    waitlisted: list[int] = field(default_factory=list)
    # Already enrolled or waitlisted: left as they were.
    unchanged: list[int] = field(default_factory=list)
    enrollments: dict[int, Enrollment] = field(default_factory=dict)


def _status_for_next(training_class: TrainingClass, taken: int) -> str:
    if training_class.has_capacity_limit and taken >= training_class.capacity:
        return EnrollmentStatus.WAITLISTED
    return EnrollmentStatus.ENROLLED


@transaction.atomic
def enrollments_bulk_create(
    *,
    training_class: TrainingClass,
    learner_ids: Sequence[int],
    actor,
    source: str,
    check_status: bool = True,
) -> BulkEnrolResult:
    """Enrol learners in the given order: while seats last they are enrolled, then waitlisted.

    A learner already enrolled or waitlisted is left alone; one who had withdrawn is enrolled (or
    waitlisted) again. A handful of queries whatever the number of learners. Refused (403, nothing
    stored) if any of them is not the actor's to enrol (`ensure_may_enrol`).
    """
    learner_ids = [int(i) for i in learner_ids]
    if training_class.has_capacity_limit:
        training_class = _lock_class(training_class)
    if check_status:
        _check_class_enrolling(training_class)
    ensure_may_enrol(actor=actor, training_class=training_class, learner_ids=learner_ids)
    learner_ids = list(dict.fromkeys(learner_ids))
    result = BulkEnrolResult()
    if not learner_ids:
        return result
    existing = {
        e.learner_id: e
        for e in Enrollment.objects.select_for_update().filter(
            training_class=training_class, learner_id__in=learner_ids
        )
    }
    taken = seats_taken(training_class) if training_class.has_capacity_limit else 0
    now = timezone.now()
    actor_user = _actor_or_none(actor)
    to_create: list[Enrollment] = []
    to_update: list[tuple[Enrollment, dict]] = []
    for learner_id in learner_ids:
        current = existing.get(learner_id)
        if current is not None and current.status != EnrollmentStatus.WITHDRAWN:
            result.unchanged.append(learner_id)
            result.enrollments[learner_id] = current
            continue
        status = _status_for_next(training_class, taken)
        if status == EnrollmentStatus.ENROLLED:
            taken += 1
            result.enrolled.append(learner_id)
        else:
            result.waitlisted.append(learner_id)
        if current is None:
            enrollment = Enrollment(
                learner_id=learner_id,
                training_class=training_class,
                status=status,
                source=source,
                enrolled_by=actor_user,
            )
            to_create.append(enrollment)
        else:
            before = enrollment_state(current)
            current.status, current.source, current.enrolled_by = status, source, actor_user
            current.status_changed_at = now
            # Back in the queue behind those already waiting.
            current.created_at = now
            to_update.append((current, before))
            enrollment = current
        result.enrollments[learner_id] = enrollment

    created = Enrollment.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        Enrollment.objects.bulk_update(
            [e for e, _ in to_update],
            ["status", "source", "enrolled_by", "status_changed_at", "created_at"],
            batch_size=1000,
        )
    entries = [_audit(e, action="create", actor=actor, before=None, source=source) for e in created]
    entries += [_audit(e, action="re_enrol", actor=actor, before=b, source=source) for e, b in to_update]
    audit_entries_create(entries)
    if created or to_update:
        class_progress_mark_stale(class_ids=[training_class.pk])
    # Every enrolment (self-join, trainer, admin, import) passes here: those given a seat are sent
    # the class's schedule once this commits; the waitlisted are sent it when promoted (_promote).
    enrolment_emails_request(
        [e.pk for e in created if e.status == EnrollmentStatus.ENROLLED]
        + [e.pk for e, _ in to_update if e.status == EnrollmentStatus.ENROLLED]
    )
    return result


@transaction.atomic
def enrollment_create(
    *, learner: Learner, training_class: TrainingClass, actor, source: str | None = None
) -> Enrollment:
    """Enrol one learner, or waitlist them when the class is full; 409 if already enrolled."""
    source = source or source_for(actor)
    ensure_may_enrol(actor=actor, training_class=training_class, learner_ids=[learner.pk], field="learner_id")
    existing = Enrollment.objects.filter(learner=learner, training_class=training_class).first()
    if existing is not None and existing.status != EnrollmentStatus.WITHDRAWN:
        raise _conflict(
            _("Học viên %(learner)s đã có trong lớp (%(status)s).")
            % {"learner": learner.full_name, "status": existing.get_status_display()},
            code="already_enrolled",
            field="learner_id",
        )
    try:
        with transaction.atomic():
            result = enrollments_bulk_create(
                training_class=training_class, learner_ids=[learner.pk], actor=actor, source=source
            )
    except IntegrityError:
        # The same learner enrolled by a concurrent request (online class: no lock is taken).
        raise _conflict(
            _("Học viên %(learner)s đã có trong lớp.") % {"learner": learner.full_name},
            code="already_enrolled",
            field="learner_id",
        ) from None
    if learner.pk in result.unchanged:
        raise _conflict(
            _("Học viên %(learner)s đã có trong lớp.") % {"learner": learner.full_name},
            code="already_enrolled",
            field="learner_id",
        )
    return result.enrollments[learner.pk]


def _window_error(training_class: TrainingClass, today) -> str | None:
    opens, closes = training_class.enrolment_opens, training_class.enrolment_closes
    if opens and today < opens:
        return _("Lớp mở đăng ký từ ngày %(day)s.") % {"day": date_format(opens, "d/m/Y")}
    if closes and today > closes:
        return _("Lớp đã hết hạn đăng ký ngày %(day)s.") % {"day": date_format(closes, "d/m/Y")}
    return None


@transaction.atomic
def enrollment_self_join(*, user, training_class: TrainingClass) -> Enrollment:
    """A learner joins an OPEN class within its enrolment window, held in their province (its current
    unit or a legacy unit merged into it), whose curriculum serves their position."""
    learner = getattr(user, "learner", None) if user is not None and user.is_authenticated else None
    if learner is None or user.role != Role.LEARNER:
        raise DomainError(
            message=_("Chỉ học viên mới tự đăng ký vào lớp."),
            code="permission_denied",
            status=http.HTTP_403_FORBIDDEN,
        )
    if training_class.status != ClassStatus.OPEN:
        raise _conflict(
            _("Lớp “%(code)s” không mở đăng ký (đang “%(status)s”).")
            % {"code": training_class.code, "status": training_class.get_status_display()},
            code="class_not_open",
        )
    window = _window_error(training_class, timezone.localdate())
    if window:
        raise _conflict(window, code="enrolment_closed")
    classes = TrainingClass.objects.filter(pk=training_class.pk)
    if not classes.filter(province_scope_q(learner.province_id, "province")).exists():
        raise DomainError(
            message=_("Lớp không tổ chức tại tỉnh của bạn."),
            code="other_province",
            status=http.HTTP_403_FORBIDDEN,
        )
    if not classes.filter(curricula_serving_q(learner.position_id)).exists():
        raise DomainError(
            message=_("Bộ chương trình của lớp không dành cho chức danh của bạn."),
            code="position_not_served",
            status=http.HTTP_403_FORBIDDEN,
        )
    return enrollment_create(
        learner=learner, training_class=training_class, actor=user, source=EnrollmentSource.SELF
    )


def _promote(training_class: TrainingClass, *, actor, free: int | None) -> list[Enrollment]:
    """Promote up to `free` waitlisted learners (all for None), first come first served."""
    waiting = (
        Enrollment.objects.select_for_update()
        .filter(training_class=training_class, status=EnrollmentStatus.WAITLISTED)
        .order_by("created_at", "id")
    )
    if free is not None:
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting)
    if not promoted:
        return []
    now = timezone.now()
    befores = []
    for enrollment in promoted:
        befores.append(enrollment_state(enrollment))
        enrollment.status = EnrollmentStatus.ENROLLED
        enrollment.status_changed_at = now
    Enrollment.objects.bulk_update(promoted, ["status", "status_changed_at"])
    audit_entries_create(
        _audit(e, action="promote", actor=actor, before=b, source="waitlist")
        for e, b in zip(promoted, befores, strict=True)
    )
    enrolment_emails_request([e.pk for e in promoted])
    return promoted


@transaction.atomic
def enrollment_waitlist_promote(*, training_class: TrainingClass, actor=None) -> list[Enrollment]:
    """Fill the free seats from the waitlist (all of it for an online class)."""
    training_class = _lock_class(training_class)
    if training_class.status not in ENROLLING_CLASS_STATUSES:
        return []
    free = (
        training_class.capacity - seats_taken(training_class) if training_class.has_capacity_limit else None
    )
    promoted = _promote(training_class, actor=actor, free=free)
    if promoted:
        class_progress_mark_stale(class_ids=[training_class.pk])
    return promoted


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, actor, reason: str = "") -> Enrollment:
    """Withdraw an enrolled or waitlisted learner; a freed seat goes to the first on the waitlist."""
    training_class = _lock_class(enrollment.training_class_id)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status not in (EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED):
        raise _conflict(
            _("Không rút được: ghi danh đang ở trạng thái “%(status)s”.")
            % {"status": enrollment.get_status_display()},
            code="not_withdrawable",
        )
    if training_class.status not in WITHDRAWING_CLASS_STATUSES:
        raise _conflict(
            _("Lớp “%(code)s” đã kết thúc: không rút khỏi lớp được.") % {"code": training_class.code},
            code="class_finished",
        )
    before = enrollment_state(enrollment)
    held_seat = enrollment.status == EnrollmentStatus.ENROLLED
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.status_changed_at = timezone.now()
    enrollment.save(update_fields=["status", "status_changed_at"])
    audit_entries_create(
        [
            _audit(
                enrollment,
                action="withdraw",
                actor=actor,
                before=before,
                source=source_for(actor),
                reason=reason,
            )
        ]
    )
    if held_seat and training_class.has_capacity_limit:
        _promote(training_class, actor=actor, free=training_class.capacity - seats_taken(training_class))
    class_progress_mark_stale(class_ids=[training_class.pk])
    return enrollment


def may_withdraw(user, enrollment: Enrollment) -> bool:
    """The learner themselves, the class's trainers and the admins of its scope."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == Role.LEARNER and not is_central_admin(user):
        return enrollment.learner.user_id == user.pk
    return may_manage_class(user, enrollment.training_class)


def on_class_changed(*, training_class: TrainingClass, actor, changes: Iterable[str]) -> None:
    """Named in settings.CLASS_CHANGE_HOOKS: courses.services.classes.class_changed_notify calls it."""
    changes = set(changes)
    if changes & {"capacity", "mode"}:
        enrollment_waitlist_promote(training_class=training_class, actor=actor)
    if changes & {"sessions", "status"}:
        class_progress_mark_stale(class_ids=[training_class.pk])
