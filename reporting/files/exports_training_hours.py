"""The annual training hours report as an official report (reporting.files.exports describes the
layout; export_writers writes it as CSV or XLSX): I. the learners and how many fall short, per
province; II. each learner listed by the report, in the same order and with the same figures as
the JSON answer."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from reporting.files.exports import DEC1, DEC2, INT, TEXT, OfficialReport, Section, _c, scope_line


def training_hours_report(data: dict) -> OfficialReport:
    provinces = Section(
        columns=[
            _c(_("Mã"), "code", TEXT, 6),
            _c(_("Số học viên"), "learners"),
            _c(_("Đạt mức tối thiểu"), "meeting"),
            _c(_("Chưa đạt"), "short"),
        ],
        rows=[
            {**row, "label": row["province"]["name"], "code": row["province"]["code"]}
            for row in data["provinces"]
        ],
        total={**data["totals"], "label": _("Tổng cộng")},
        label_heading=_("Đơn vị"),
        title=_("I. Theo tỉnh, thành phố"),
    )
    learners = Section(
        columns=[
            _c(pgettext("export", "Số định danh cá nhân"), "national_id", TEXT, 16),
            _c(_("Tỉnh, thành phố"), "province", TEXT, 20),
            _c(_("Xã, phường"), "commune", TEXT, 20),
            _c(_("Chức danh"), "position", TEXT, 24),
            _c(_("Số lớp hoàn thành"), "classes_completed", INT, 11),
            _c(_("Số tiết"), "periods", DEC1, 10),
            _c(_("Số giờ"), "hours", DEC2, 10),
            _c(_("Số tiết còn thiếu"), "short_by_periods", DEC1, 11),
            _c(_("Kết quả"), "result", TEXT, 12),
        ],
        rows=[
            {
                **row,
                **row["learner"],
                "label": row["learner"]["full_name"],
                "province": row["learner"]["province"]["name"],
                "result": _("Đạt") if row["meets_minimum"] else _("Chưa đạt"),
            }
            for row in data["results"]
        ],
        label_heading=_("Họ và tên"),
        title=_("II. Danh sách học viên chưa đạt") if data["short_only"] else _("II. Danh sách học viên"),
    )
    minimum = _("Năm: %(year)s; mức tối thiểu: %(periods)s tiết (%(hours)s giờ) mỗi năm") % {
        "year": data["year"],
        "periods": data["minimum_periods"],
        "hours": data["minimum_hours"],
    }
    scope = data["scope"]
    if scope["province"] is None:
        where = pgettext("file name", "toàn quốc")
    else:
        where = pgettext("file name", "tỉnh %(code)s") % {"code": scope["province"]["code"]}
    return OfficialReport(
        subtitle=_("Số giờ bồi dưỡng hằng năm của cán bộ, công chức"),
        unit=scope["unit"],
        info=[scope_line(scope), minimum],
        sections=[provinces, learners],
        name=f"{pgettext('file name', 'báo cáo số giờ bồi dưỡng')} {data['year']} {where}",
    )
