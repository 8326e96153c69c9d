"""Writes of training institutions and classes (their sessions: courses.services.class_sessions).

The rules a class follows are courses.rules.classes', checked here for every writer. Other apps
react to a class change through settings.CLASS_CHANGE_HOOKS (class_changed_notify), because courses
may not import them: enrollment promotes the waitlist when seats are added and marks the class's
progress stale when its sessions change.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError, permission_denied_error
from courses.core.permissions import is_central_admin, is_province_admin
from courses.models import (
    CLASS_STATUS_FLOW,
    ClassMode,
    ClassStatus,
    Curriculum,
    CurriculumStatus,
    TrainingClass,
    TrainingInstitution,
    User,
)
from courses.rules.classes import (
    class_closed_error,
    class_errors,
    class_scope_check,
    invalid_error,
    trainer_errors,
)

# Fields only admins change: where and by whom a class is organised and what it counts towards,
# with the name the API gives each.
ADMIN_FIELDS = {
    "code": "code",
    "curriculum": "curriculum_id",
    "institution": "institution_id",
    "organiser_province": "organiser_province_id",
    "province": "province_id",
    "programme": "programme_id",
    "level": "level",
}
CLASS_FIELDS = (
    "code",
    "title",
    "curriculum",
    "institution",
    "organiser_province",
    "province",
    "mode",
    "programme",
    "level",
    "enrolment_opens",
    "enrolment_closes",
    "start_date",
    "end_date",
    "capacity",
    "planned_size",
    "spending_million_vnd",
    "description",
)


def class_changed_notify(training_class: TrainingClass, actor, changes: set[str]) -> None:
    """Tell the other apps what changed in a class, inside the transaction of the change."""
    if not changes:
        return
    # settings.CLASS_CHANGE_HOOKS: enrollment.services.enrollments.on_class_changed promotes the
    # waitlist ("capacity", "mode") and marks the class's progress stale ("sessions", "status").
    for path in settings.CLASS_CHANGE_HOOKS:
        import_string(path)(training_class=training_class, actor=actor, changes=set(changes))


# --- institutions -------------------------------------------------------------------------------


@transaction.atomic
def institution_create(*, data: Mapping[str, Any]) -> TrainingInstitution:
    if TrainingInstitution.objects.filter(code=data["code"]).exists():
        raise DomainError(message=_("Đã có cơ sở đào tạo mã này."), field="code", code="unique")
    return TrainingInstitution.objects.create(**data)


@transaction.atomic
def institution_update(*, institution: TrainingInstitution, data: Mapping[str, Any]) -> TrainingInstitution:
    code = data.get("code", institution.code)
    if TrainingInstitution.objects.filter(code=code).exclude(pk=institution.pk).exists():
        raise DomainError(message=_("Đã có cơ sở đào tạo mã này."), field="code", code="unique")
    for name, value in data.items():
        setattr(institution, name, value)
    institution.save()
    return institution


@transaction.atomic
def institution_delete(*, institution: TrainingInstitution) -> None:
    if institution.classes.exists():
        raise DomainError(
            message=_("Cơ sở đào tạo đã tổ chức lớp: không xoá được."),
            code="conflict",
            status=http.HTTP_409_CONFLICT,
        )
    institution.delete()


# --- classes ------------------------------------------------------------------------------------


def _curriculum_locked(curriculum):
    """The curriculum version a class is about to use, read again under a row lock: an import or
    edit changing its content (courses.services.catalogue.curriculum_upsert, which locks it too) either
    committed before, and the class runs the changed version, or waits and then finds it in use."""
    if curriculum is None:
        return None
    return Curriculum.objects.select_for_update().get(pk=curriculum.pk)


@transaction.atomic
def training_class_create(
    *,
    actor,
    code: str,
    title: str,
    curriculum,
    province,
    mode: str,
    level: str,
    start_date: datetime.date,
    end_date: datetime.date,
    institution=None,
    organiser_province=None,
    programme=None,
    trainers: Iterable[User] = (),
    enrolment_opens: datetime.date | None = None,
    enrolment_closes: datetime.date | None = None,
    capacity: int | None = None,
    planned_size: int | None = None,
    spending_million_vnd=None,
    description: str = "",
) -> TrainingClass:
    """Create a class as a draft. A class given no organiser, or created by a provincial admin, is
    organised by its province."""
    if organiser_province is None and (institution is None or is_province_admin(actor)):
        organiser_province = province
    curriculum = _curriculum_locked(curriculum)
    values = {
        "code": code,
        "title": title,
        "curriculum": curriculum,
        "province": province,
        "mode": mode,
        "level": level,
        "start_date": start_date,
        "end_date": end_date,
        "institution": institution,
        "organiser_province": organiser_province,
        "programme": programme,
        "enrolment_opens": enrolment_opens,
        "enrolment_closes": enrolment_closes,
        "capacity": capacity,
        "planned_size": planned_size,
        "spending_million_vnd": spending_million_vnd,
        "description": description or "",
    }
    class_scope_check(actor, values, set(values), creating=True)
    trainers = list(dict.fromkeys(trainers))
    errors = class_errors(values, creating=True, changed=set(values)) + trainer_errors(trainers)
    if errors:
        raise invalid_error(errors)
    training_class = TrainingClass.objects.create(
        **values, status=ClassStatus.DRAFT, created_by=actor if actor and actor.is_authenticated else None
    )
    if trainers:
        training_class.trainers.set(trainers)
    return training_class


@transaction.atomic
def training_class_update(*, training_class: TrainingClass, actor, data: Mapping[str, Any]) -> TrainingClass:
    """Change some fields of a class. Trainers of the class change its delivery (title, dates,
    enrolment window, capacity, mode, …); the fields of ADMIN_FIELDS are for admins of its scope.

    Switching a class to online clears its capacity; adding seats promotes the waitlist (through
    class_changed_notify: enrollment's hook in settings.CLASS_CHANGE_HOOKS).
    """
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if training_class.is_closed:
        raise class_closed_error(training_class)
    data = {k: v for k, v in data.items() if k in CLASS_FIELDS}
    changed = {name for name, value in data.items() if getattr(training_class, name) != value}
    admin_only = sorted(set(ADMIN_FIELDS) & changed)
    if admin_only and actor is not None and not is_central_admin(actor) and not is_province_admin(actor):
        raise permission_denied_error(
            _("Chỉ quản trị mới thay đổi được trường này."), field=ADMIN_FIELDS[admin_only[0]]
        )
    if data.get("mode") == ClassMode.ONLINE and "capacity" not in data:
        data["capacity"] = None
        if training_class.capacity is not None:
            changed.add("capacity")
    if "curriculum" in changed:
        data["curriculum"] = _curriculum_locked(data["curriculum"])
    values = {name: data.get(name, getattr(training_class, name)) for name in CLASS_FIELDS}
    if "curriculum" in changed and training_class.status not in (ClassStatus.DRAFT, ClassStatus.OPEN):
        raise DomainError(
            message=_("Chỉ đổi được bộ chương trình trước khi lớp bắt đầu học."), field="curriculum_id"
        )
    class_scope_check(actor, values, changed, creating=False)
    errors = class_errors(values, creating=False, changed=changed, training_class=training_class)
    if errors:
        raise invalid_error(errors)
    old_capacity, old_mode = training_class.capacity, training_class.mode
    for name in changed:
        setattr(training_class, name, values[name])
    if changed:
        training_class.save()
    notify = set()
    if (
        training_class.has_capacity_limit
        and old_capacity is not None
        and training_class.capacity > old_capacity
    ):
        notify.add("capacity")
    if old_mode != ClassMode.ONLINE and training_class.mode == ClassMode.ONLINE:
        notify.add("mode")
    class_changed_notify(training_class, actor, notify)
    return training_class


@transaction.atomic
def training_class_status_change(*, training_class: TrainingClass, status: str, actor) -> TrainingClass:
    """Move a class along CLASS_STATUS_FLOW (draft -> open -> running -> finished -> closed; open may go
    back to draft, finished back to running). Closed is final: its attendance is then final too."""
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    current = ClassStatus(training_class.status)
    target = ClassStatus(status)
    if target == current:
        return training_class
    allowed = CLASS_STATUS_FLOW[current]
    if target not in allowed:
        names = ", ".join(f"“{s.label}” ({s.value})" for s in sorted(allowed)) or _("không có")
        raise DomainError(
            field="status",
            code="invalid_transition",
            message=_("Lớp đang “%(current)s” không chuyển được sang “%(target)s” (được phép: %(allowed)s).")
            % {"current": current.label, "target": target.label, "allowed": names},
        )
    # Re-checked: the curriculum may have been retired since the draft was made.
    if current == ClassStatus.DRAFT and training_class.curriculum.status != CurriculumStatus.ACTIVE:
        raise DomainError(
            field="status",
            code="curriculum_retired",
            message=_("Bộ chương trình của lớp đã ngừng áp dụng: không mở đăng ký được."),
        )
    training_class.status = target
    training_class.save(update_fields=["status", "updated_at"])
    class_changed_notify(training_class, actor, {"status"})
    return training_class


@transaction.atomic
def training_class_trainers_set(
    *, training_class: TrainingClass, trainers: Iterable[User], actor
) -> TrainingClass:
    if training_class.is_closed:
        raise class_closed_error(training_class)
    trainers = list(dict.fromkeys(trainers))
    errors = trainer_errors(trainers)
    if errors:
        raise invalid_error(errors)
    training_class.trainers.set(trainers)
    return training_class


@transaction.atomic
def training_class_delete(*, training_class: TrainingClass, actor) -> None:
    """Only a draft nobody is enrolled in can be deleted; others are closed instead."""
    if training_class.status != ClassStatus.DRAFT or training_class.enrollments.exists():
        raise DomainError(
            message=_("Chỉ xoá được lớp nháp chưa có học viên."),
            code="conflict",
            status=http.HTTP_409_CONFLICT,
        )
    training_class.sessions.all().delete()
    training_class.delete()
