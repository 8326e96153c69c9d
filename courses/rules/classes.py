"""The rules a training class and its sessions follow, checked by the services that write them
(courses.services.classes, courses.services.class_sessions) whoever writes (API, admin, demo data);
all broken rules of a request are reported at once, each naming its field:

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
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError, ErrorItem, permission_denied_error
from courses.core.permissions import is_central_admin, is_province_admin
from courses.models import (
    ClassMode,
    ClassSession,
    CurriculumStatus,
    InstitutionKind,
    Level,
    Role,
    Topic,
    TrainingClass,
    User,
)
from courses.selectors.classes import province_in_scope


def invalid_error(errors: list[ErrorItem]) -> DomainError:
    return DomainError(
        message=errors[0].message if len(errors) == 1 else _("Dữ liệu không hợp lệ."), errors=errors
    )


def class_closed_error(training_class: TrainingClass) -> DomainError:
    return DomainError(
        message=_("Lớp “%(code)s” đã khoá sổ: không thay đổi được nữa.") % {"code": training_class.code},
        code="class_closed",
        status=http.HTTP_409_CONFLICT,
    )


def _day(value: datetime.date) -> str:
    return date_format(value, "d/m/Y")


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


def class_errors(values: dict, *, creating: bool, changed: set[str], training_class=None) -> list[ErrorItem]:
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


def class_scope_check(actor, values: dict, changed: set[str], *, creating: bool) -> None:
    if actor is None or is_central_admin(actor):
        return
    if not is_province_admin(actor):
        # Trainers change a class they teach, never where it is held (see ADMIN_FIELDS).
        if creating:
            raise permission_denied_error()
        return
    for name in ("province", "organiser_province"):
        touched = creating or name in changed
        if touched and values.get(name) is not None and not province_in_scope(actor, values[name]):
            raise permission_denied_error(_("Bạn chỉ tổ chức lớp trong tỉnh của mình."), field=f"{name}_id")
    _provincial_organiser_check(actor, values, changed, creating=creating)


def _provincial_organiser_check(actor, values: dict, changed: set[str], *, creating: bool) -> None:
    """A provincial admin's class is the province's: it counts towards a provincial or e-learning
    target, never the central one, and is organised by their province, not a central institution."""
    if (creating or "level" in changed) and values.get("level") not in PROVINCIAL_LEVELS:
        raise permission_denied_error(
            _(
                "Lớp do tỉnh tổ chức tính vào cấp địa phương hoặc bồi dưỡng trực tuyến, không tính vào cấp trung ương."
            ),
            field="level",
        )
    if (creating or "organiser_province" in changed) and values.get("organiser_province") is None:
        raise permission_denied_error(
            _("Lớp do quản trị cấp tỉnh tạo phải do tỉnh tổ chức."), field="organiser_province_id"
        )
    institution = values.get("institution")
    if (creating or "institution" in changed) and institution is not None:
        foreign = institution.province_id is not None and not province_in_scope(actor, institution.province)
        if institution.kind == InstitutionKind.CENTRAL or foreign:
            raise permission_denied_error(
                _("Lớp do tỉnh tổ chức chỉ gắn với cơ sở đào tạo của tỉnh mình."), field="institution_id"
            )


def trainer_errors(trainers: Iterable[User]) -> list[ErrorItem]:
    return [
        ErrorItem(
            field=f"trainer_ids.{index}",
            code="not_trainer",
            message=_("%(user)s không phải là giảng viên.") % {"user": user},
        )
        for index, user in enumerate(trainers)
        if user.role != Role.TRAINER or not user.is_active
    ]


def session_errors(
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
