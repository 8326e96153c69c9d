"""Writes of training institutions, classes and sessions.

Every rule a class must follow is checked here, whoever writes it (API, admin, demo data), and all
broken rules of a request are reported at once, each naming its field:

* the curriculum version must be active when a class is created (or moved to another curriculum);
* the province where the class is held is the unit in force on its start date: one of the 63
  legacy provinces for a class starting before 1 July 2025, one of the 34 current ones after;
* in-person and blended classes need a capacity (seats beyond it go to a waitlist); online classes
  have none (`planned_size`, usually 100 or more, is kept for reporting);
* a provincial admin creates and moves classes only within their province, and their classes are
  the province's: provincial or e-learning level (never central, which counts towards the central
  institutions' target), organised by their province, with no central institution;
* a class with a programme ends within the programme's period (it counts towards it only then);
* sessions lie within the class's dates, and their planned minutes fit in the session;
* a closed class (attendance final) no longer changes; status moves follow CLASS_STATUS_FLOW.

Other apps act on class changes through CLASS_CHANGE_HOOKS (registered from their AppConfig.ready),
because courses may not import them: enrollment promotes the waitlist when seats are added and
marks the class's progress stale when its sessions change.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError, ErrorItem
from courses.core.permissions import is_central_admin, is_province_admin
from courses.models import (
    CLASS_STATUS_FLOW,
    ClassMode,
    ClassSession,
    ClassStatus,
    Curriculum,
    CurriculumStatus,
    InstitutionKind,
    Level,
    Role,
    Topic,
    TrainingClass,
    TrainingInstitution,
    User,
)
from courses.selectors.classes import province_in_scope

# Called as hook(training_class=..., actor=..., changes={"capacity", "mode", "sessions", "status", ...})
# inside the transaction of the change.
CLASS_CHANGE_HOOKS: list[Callable[..., None]] = []

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


def _forbidden(message: str | None = None, field: str | None = None) -> DomainError:
    return DomainError(
        message=message or _("Bạn không có quyền thực hiện thao tác này."),
        code="permission_denied",
        status=http.HTTP_403_FORBIDDEN,
        field=field,
    )


def _invalid(errors: list[ErrorItem]) -> DomainError:
    return DomainError(
        message=errors[0].message if len(errors) == 1 else _("Dữ liệu không hợp lệ."), errors=errors
    )


def _closed_error(training_class: TrainingClass) -> DomainError:
    return DomainError(
        message=_("Lớp “%(code)s” đã khoá sổ: không thay đổi được nữa.") % {"code": training_class.code},
        code="class_closed",
        status=http.HTTP_409_CONFLICT,
    )


def _notify(training_class: TrainingClass, actor, changes: set[str]) -> None:
    if not changes:
        return
    for hook in CLASS_CHANGE_HOOKS:
        hook(training_class=training_class, actor=actor, changes=set(changes))


def _day(value: datetime.date) -> str:
    return date_format(value, "d/m/Y")


# --- institutions --------------------------------------------------------------------------------


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


# --- classes -------------------------------------------------------------------------------------


def _province_period_error(province, start_date: datetime.date, field: str) -> ErrorItem | None:
    """The unit must be in force on the start date (legacy before 1 July 2025, current after)."""
    if province is None or start_date is None:
        return None
    if province.valid_from <= start_date and (
        province.valid_until is None or start_date <= province.valid_until
    ):
        return None
    if not province.is_current and province.successor is not None:
        hint = _("hãy chọn %(unit)s") % {"unit": province.successor}
    elif province.is_current:
        hint = _("hãy chọn tỉnh cũ (trước 01/7/2025) nơi tổ chức lớp")
    else:
        hint = _("hãy chọn đơn vị hành chính khác")
    return ErrorItem(
        field=field,
        code="province_not_in_force",
        message=_(
            "%(unit)s không phải là đơn vị hành chính có hiệu lực vào ngày khai giảng %(day)s: %(hint)s."
        )
        % {"unit": province, "day": _day(start_date), "hint": hint},
    )


def programme_period_error(programme, end_date: datetime.date | None) -> ErrorItem | None:
    """A class counts towards a programme only if it ends within the programme's period: a class
    ending in 2026 is not a lượt of the 2021-2025 plan, nor one ending in 2018. A class may have no
    programme (one whose period has no programme yet)."""
    if programme is None or end_date is None:
        return None
    if end_date > programme.period_end:
        message = _(
            "Lớp bế giảng ngày %(end)s, sau khi %(programme)s kết thúc (%(bound)s): lớp không tính "
            "vào chương trình này; hãy chọn chương trình của giai đoạn có ngày bế giảng hoặc để trống."
        )
        bound = programme.period_end
    elif end_date < programme.period_start:
        message = _(
            "Lớp bế giảng ngày %(end)s, trước khi %(programme)s bắt đầu (%(bound)s): lớp không tính "
            "vào chương trình này; hãy chọn chương trình của giai đoạn có ngày bế giảng hoặc để trống."
        )
        bound = programme.period_start
    else:
        return None
    return ErrorItem(
        field="end_date",
        code="outside_programme_period",
        message=message % {"end": _day(end_date), "programme": programme, "bound": _day(bound)},
    )


def _class_errors(values: dict, *, creating: bool, changed: set[str], training_class=None) -> list[ErrorItem]:
    errors: list[ErrorItem] = []
    curriculum = values.get("curriculum")
    retired = curriculum is not None and curriculum.status != CurriculumStatus.ACTIVE
    if (creating or "curriculum" in changed) and retired:
        errors.append(
            ErrorItem(
                field="curriculum_id",
                code="curriculum_retired",
                message=_("Bộ chương trình %(curriculum)s đã ngừng áp dụng: hãy chọn phiên bản đang áp dụng.")
                % {"curriculum": curriculum},
            )
        )
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        errors.append(
            ErrorItem(field="end_date", message=_("Ngày bế giảng không được trước ngày khai giảng."))
        )
    opens, closes = values.get("enrolment_opens"), values.get("enrolment_closes")
    if opens and closes and closes < opens:
        errors.append(
            ErrorItem(field="enrolment_closes", message=_("Ngày đóng đăng ký không được trước ngày mở."))
        )
    if closes and end and closes > end:
        errors.append(
            ErrorItem(field="enrolment_closes", message=_("Ngày đóng đăng ký không được sau ngày bế giảng."))
        )
    if creating or {"province", "start_date"} & changed:
        error = _province_period_error(values.get("province"), start, "province_id")
        if error:
            errors.append(error)
    if values.get("organiser_province") is not None and (
        creating or {"organiser_province", "start_date"} & changed
    ):
        error = _province_period_error(values["organiser_province"], start, "organiser_province_id")
        if error:
            errors.append(error)
    if values.get("institution") is None and values.get("organiser_province") is None:
        errors.append(
            ErrorItem(
                field="institution_id",
                code="required",
                message=_("Cần cơ sở đào tạo hoặc tỉnh tổ chức lớp."),
            )
        )
    mode, capacity = values.get("mode"), values.get("capacity")
    if mode == ClassMode.ONLINE and capacity is not None:
        errors.append(
            ErrorItem(
                field="capacity",
                message=_("Lớp trực tuyến không giới hạn sĩ số: để trống sĩ số tối đa, ghi sĩ số dự kiến."),
            )
        )
    if mode in (ClassMode.IN_PERSON, ClassMode.BLENDED) and not capacity:
        errors.append(
            ErrorItem(
                field="capacity",
                code="required",
                message=_("Lớp trực tiếp hoặc kết hợp cần sĩ số tối đa (lớn hơn 0)."),
            )
        )
    programme, level = values.get("programme"), values.get("level")
    if creating or {"programme", "end_date"} & changed:
        error = programme_period_error(programme, end)
        if error:
            errors.append(error)
    if programme is not None and level and programme.levels and level not in programme.levels:
        errors.append(
            ErrorItem(
                field="level",
                message=_("Chương trình %(programme)s không có cấp thực hiện này.")
                % {"programme": programme},
            )
        )
    code = values.get("code")
    if code and (creating or "code" in changed):
        taken = TrainingClass.objects.filter(code=code)
        if training_class is not None:
            taken = taken.exclude(pk=training_class.pk)
        if taken.exists():
            errors.append(ErrorItem(field="code", code="unique", message=_("Đã có lớp mã này.")))
    if training_class is not None and {"start_date", "end_date"} & changed and start and end:
        outside = training_class.sessions.all()
        tz = timezone.get_current_timezone()
        first_start = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
        last_end = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        if (
            outside.filter(starts_at__lt=first_start).exists()
            or outside.filter(ends_at__gt=last_end).exists()
        ):
            errors.append(
                ErrorItem(
                    field="start_date" if "start_date" in changed else "end_date",
                    code="sessions_outside",
                    message=_("Có buổi học nằm ngoài thời gian lớp mới: hãy dời các buổi học trước."),
                )
            )
    return errors


# The levels a provincial admin's classes count towards: the province's own, or its online class.
PROVINCIAL_LEVELS = frozenset({Level.PROVINCIAL, Level.ELEARNING})


def _check_scope(actor, values: dict, changed: set[str], *, creating: bool) -> None:
    if actor is None or is_central_admin(actor):
        return
    if not is_province_admin(actor):
        # Trainers change a class they teach, never where it is held (see ADMIN_FIELDS).
        if creating:
            raise _forbidden()
        return
    for name in ("province", "organiser_province"):
        touched = creating or name in changed
        if touched and values.get(name) is not None and not province_in_scope(actor, values[name]):
            raise _forbidden(_("Bạn chỉ tổ chức lớp trong tỉnh của mình."), field=f"{name}_id")
    _check_provincial_organiser(actor, values, changed, creating=creating)


def _check_provincial_organiser(actor, values: dict, changed: set[str], *, creating: bool) -> None:
    """A provincial admin's class is the province's: it counts towards a provincial or e-learning
    target, never the central one, and is organised by their province, not a central institution."""
    if (creating or "level" in changed) and values.get("level") not in PROVINCIAL_LEVELS:
        raise _forbidden(
            _(
                "Lớp do tỉnh tổ chức tính vào cấp địa phương hoặc bồi dưỡng trực tuyến, không tính vào cấp trung ương."
            ),
            field="level",
        )
    if (creating or "organiser_province" in changed) and values.get("organiser_province") is None:
        raise _forbidden(
            _("Lớp do quản trị cấp tỉnh tạo phải do tỉnh tổ chức."), field="organiser_province_id"
        )
    institution = values.get("institution")
    if (creating or "institution" in changed) and institution is not None:
        foreign = institution.province_id is not None and not province_in_scope(actor, institution.province)
        if institution.kind == InstitutionKind.CENTRAL or foreign:
            raise _forbidden(
                _("Lớp do tỉnh tổ chức chỉ gắn với cơ sở đào tạo của tỉnh mình."), field="institution_id"
            )


def _trainer_errors(trainers: Iterable[User]) -> list[ErrorItem]:
    return [
        ErrorItem(
            field=f"trainer_ids.{index}",
            code="not_trainer",
            message=_("%(user)s không phải là giảng viên.") % {"user": user},
        )
        for index, user in enumerate(trainers)
        if user.role != Role.TRAINER or not user.is_active
    ]


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
    _check_scope(actor, values, set(values), creating=True)
    trainers = list(dict.fromkeys(trainers))
    errors = _class_errors(values, creating=True, changed=set(values)) + _trainer_errors(trainers)
    if errors:
        raise _invalid(errors)
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

    Switching a class to online clears its capacity; adding seats promotes the waitlist (hook).
    """
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if training_class.is_closed:
        raise _closed_error(training_class)
    data = {k: v for k, v in data.items() if k in CLASS_FIELDS}
    changed = {name for name, value in data.items() if getattr(training_class, name) != value}
    admin_only = sorted(set(ADMIN_FIELDS) & changed)
    if admin_only and actor is not None and not is_central_admin(actor) and not is_province_admin(actor):
        raise _forbidden(_("Chỉ quản trị mới thay đổi được trường này."), field=ADMIN_FIELDS[admin_only[0]])
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
    _check_scope(actor, values, changed, creating=False)
    errors = _class_errors(values, creating=False, changed=changed, training_class=training_class)
    if errors:
        raise _invalid(errors)
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
    _notify(training_class, actor, notify)
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
    _notify(training_class, actor, {"status"})
    return training_class


@transaction.atomic
def training_class_trainers_set(
    *, training_class: TrainingClass, trainers: Iterable[User], actor
) -> TrainingClass:
    if training_class.is_closed:
        raise _closed_error(training_class)
    trainers = list(dict.fromkeys(trainers))
    errors = _trainer_errors(trainers)
    if errors:
        raise _invalid(errors)
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


# --- sessions ------------------------------------------------------------------------------------


SESSION_FIELDS = ("topic", "title", "starts_at", "ends_at", "planned_minutes", "join_url", "location")


def _session_errors(
    training_class: TrainingClass, values: dict, session: ClassSession | None
) -> list[ErrorItem]:
    errors: list[ErrorItem] = []
    starts, ends, minutes = values.get("starts_at"), values.get("ends_at"), values.get("planned_minutes")
    if starts and ends:
        if ends <= starts:
            errors.append(ErrorItem(field="ends_at", message=_("Giờ kết thúc phải sau giờ bắt đầu.")))
        else:
            length = int((ends - starts).total_seconds() // 60)
            if minutes is not None and minutes > length:
                errors.append(
                    ErrorItem(
                        field="planned_minutes",
                        message=_("Số phút dự kiến (%(minutes)d) vượt thời lượng buổi học (%(length)d phút).")
                        % {"minutes": minutes, "length": length},
                    )
                )
            if session is not None:
                recorded = session.attendance.aggregate(most=Max("minutes"))["most"] or 0
                if recorded > length:
                    errors.append(
                        ErrorItem(
                            field="ends_at",
                            code="attendance_longer",
                            message=_(
                                "Đã ghi nhận %(minutes)d phút tham dự, dài hơn buổi học mới (%(length)d phút)."
                            )
                            % {"minutes": recorded, "length": length},
                        )
                    )
        if timezone.localtime(starts).date() < training_class.start_date:
            errors.append(
                ErrorItem(
                    field="starts_at",
                    message=_("Buổi học phải từ ngày khai giảng %(day)s.")
                    % {"day": _day(training_class.start_date)},
                )
            )
        if timezone.localtime(ends).date() > training_class.end_date:
            errors.append(
                ErrorItem(
                    field="ends_at",
                    message=_("Buổi học phải kết thúc trước hết ngày bế giảng %(day)s.")
                    % {"day": _day(training_class.end_date)},
                )
            )
    if minutes is not None and minutes <= 0:
        errors.append(ErrorItem(field="planned_minutes", message=_("Số phút dự kiến phải lớn hơn 0.")))
    topic: Topic | None = values.get("topic")
    if topic is not None and topic.curriculum_id != training_class.curriculum_id:
        errors.append(
            ErrorItem(field="topic_id", message=_("Chuyên đề không thuộc bộ chương trình của lớp."))
        )
    return errors


@transaction.atomic
def class_session_create(
    *,
    training_class: TrainingClass,
    actor,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    planned_minutes: int | None = None,
    topic: Topic | None = None,
    title: str = "",
    join_url: str = "",
    location: str = "",
) -> ClassSession:
    """Add a session; planned minutes default to the session's whole length."""
    if training_class.is_closed:
        raise _closed_error(training_class)
    if planned_minutes is None and starts_at and ends_at and ends_at > starts_at:
        planned_minutes = int((ends_at - starts_at).total_seconds() // 60)
    values = {
        "topic": topic,
        "title": title or "",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "planned_minutes": planned_minutes,
        "join_url": join_url or "",
        "location": location or "",
    }
    errors = _session_errors(training_class, values, None)
    if errors:
        raise _invalid(errors)
    session = ClassSession.objects.create(training_class=training_class, **values)
    _notify(training_class, actor, {"sessions"})
    return session


@transaction.atomic
def class_session_update(*, session: ClassSession, actor, data: Mapping[str, Any]) -> ClassSession:
    training_class = session.training_class
    if training_class.is_closed:
        raise _closed_error(training_class)
    values = {name: data.get(name, getattr(session, name)) for name in SESSION_FIELDS}
    errors = _session_errors(training_class, values, session)
    if errors:
        raise _invalid(errors)
    for name, value in values.items():
        setattr(session, name, value)
    session.save()
    _notify(training_class, actor, {"sessions"})
    return session


@transaction.atomic
def class_session_delete(*, session: ClassSession, actor) -> None:
    training_class = session.training_class
    if training_class.is_closed:
        raise _closed_error(training_class)
    if session.attendance.exists() or session.presence_intervals.exists():
        raise DomainError(
            message=_("Buổi học đã có điểm danh: không xoá được."),
            code="conflict",
            status=http.HTTP_409_CONFLICT,
        )
    session.delete()
    _notify(training_class, actor, {"sessions"})
