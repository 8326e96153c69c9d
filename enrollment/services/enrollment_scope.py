"""Who may be enrolled in a class, and by whom.

Who may be enrolled (`enrolment_refusals`, applied by `enrollments_bulk_create`, which every
path goes through: one learner, many, the file import): enrolling gives the class's trainers and
admins a view of the learner, so it must follow a relationship someone legitimately has with the
learner. Central admins enrol anyone. Trainers and provincial admins enrol the learners of the
class's province (its province and organiser, legacy units rolled up into their successor; a
provincial admin only within their own province) and learners who applied to the class
themselves. A learner already in the class is left alone whoever asks. Anyone else is refused
with 403 naming the learner ids at fault, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError, ErrorItem
from courses.core.permissions import is_central_admin, is_province_admin
from courses.models import Province, Role, TrainingClass
from enrollment.models import Enrollment, EnrollmentSource, EnrollmentStatus, Learner


def enrolable_provinces(actor, training_class: TrainingClass) -> set[int] | None:
    """Current provinces whose learners the actor may enrol in the class; None: every province.

    The class's province and organiser province, each rolled up into its current unit (a class of
    a legacy province enrols the learners of the province it became part of); a provincial admin
    only their own province among them. A learner enrols only themselves (empty set).
    """
    if actor is None or is_central_admin(actor):  # None: the system itself (demo data, commands)
        return None
    if not actor.is_authenticated or actor.role not in (Role.TRAINER, Role.PROVINCE_ADMIN):
        return set()
    held = [pk for pk in (training_class.province_id, training_class.organiser_province_id) if pk]
    provinces = {
        successor or pk
        for pk, successor in Province.objects.filter(pk__in=held).values_list("pk", "successor_id")
    }
    if is_province_admin(actor):
        provinces &= {actor.province_id}
    return provinces


def enrolable_learners_q(actor, training_class: TrainingClass) -> Q | None:
    """Learners the actor may enrol in the class (see the module docstring); None: anyone."""
    provinces = enrolable_provinces(actor, training_class)
    if provinces is None:
        return None
    # Applied themselves (any status since), or already in the class (enrolling them is a no-op).
    related = Enrollment.objects.filter(training_class_id=training_class.pk).filter(
        Q(source=EnrollmentSource.SELF) | ~Q(status=EnrollmentStatus.WITHDRAWN)
    )
    own = Q(user_id=actor.pk) if getattr(actor, "role", None) == Role.LEARNER else Q(pk__in=[])
    return (
        Q(province_id__in=provinces)
        | Q(province__successor_id__in=provinces)
        | Q(pk__in=related.values("learner_id"))
        | own
    )


def enrolment_refusals(*, actor, training_class: TrainingClass, learner_ids: Sequence[int]) -> list[int]:
    """The learner ids, in the given order, that the actor may not enrol in the class (one query)."""
    condition = enrolable_learners_q(actor, training_class)
    if condition is None or not learner_ids:
        return []
    allowed = set(Learner.objects.filter(pk__in=learner_ids).filter(condition).values_list("pk", flat=True))
    return [learner_id for learner_id in dict.fromkeys(learner_ids) if learner_id not in allowed]


def out_of_scope_message(learner_id) -> str:
    # The learner's name is not given: it is what the refusal protects.
    return _(
        "Không ghi danh được học viên mã %(id)s: học viên không thuộc tỉnh của lớp và không tự đăng ký "
        "vào lớp."
    ) % {"id": learner_id}


def ensure_may_enrol(
    *, actor, training_class: TrainingClass, learner_ids: Sequence[int], field: str | None = None
) -> None:
    """403 naming every learner the actor may not enrol: `learner_ids.<index>`, or `field`."""
    refused = set(enrolment_refusals(actor=actor, training_class=training_class, learner_ids=learner_ids))
    if not refused:
        return
    errors = [
        ErrorItem(
            field=field or f"learner_ids.{index}",
            code="learner_out_of_scope",
            message=out_of_scope_message(learner_id),
        )
        for index, learner_id in enumerate(learner_ids)
        if learner_id in refused
    ]
    raise DomainError(
        message=errors[0].message,
        code="learner_out_of_scope",
        status=http.HTTP_403_FORBIDDEN,
        errors=errors,
    )


def ensure_learners_exist(*, learner_ids: Sequence[int], field: str | None = None) -> None:
    """400 `does_not_exist` naming every learner id with no learner: `learner_ids.<index>`, or `field`."""
    found = set(Learner.objects.filter(pk__in=learner_ids).values_list("pk", flat=True))
    missing = [
        ErrorItem(
            field=field or f"learner_ids.{index}",
            code="does_not_exist",
            message=_("Không có học viên mã %(id)s.") % {"id": learner_id},
        )
        for index, learner_id in enumerate(learner_ids)
        if learner_id not in found
    ]
    if missing:
        raise DomainError(message=missing[0].message, errors=missing)
