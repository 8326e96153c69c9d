"""CSV and XLSX exports of the progress reports, in the layout of an official report.

Layout, top to bottom (CSV: one row per line, the preamble in the first cell; XLSX: the same rows,
the motto on the right, titles merged across the table):

    BỘ NỘI VỤ | SỞ NỘI VỤ <TỈNH …>                CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
                                                    Độc lập - Tự do - Hạnh phúc
                                                    Ngày dd tháng mm năm yyyy
    BÁO CÁO KẾT QUẢ BỒI DƯỠNG CÁN BỘ, CÔNG CHỨC CẤP XÃ
    <what the report shows>
    Chương trình: <title> (<decision>), giai đoạn dd/mm/yyyy - dd/mm/yyyy
    Đơn vị báo cáo: <unit>; Phạm vi: <Toàn quốc | province>
    <filters>; Số liệu tính đến: HH:MM ngày dd/mm/yyyy
    (blank)
    [section title]                        (the province detail has several sections)
    STT | Đơn vị | Chỉ tiêu (lượt) | Đã thực hiện (lượt) | Tỷ lệ (%) | …
    1   | …
    (blank) | Tổng cộng | <totals>

Numbers stay numbers: in XLSX with number formats (#,##0 thousands separators, decimals per
column); in CSV plain (no separators, "." for decimals), the file UTF-8 with a BOM so that Excel
reads the Vietnamese text. Every cell is written through courses.core.files.spreadsheet: text that starts
with =, +, - or @ (or a tab or carriage return) is neutralised (in CSV prefixed with a single
quote, in XLSX stored as text, never a formula) and control characters are dropped, so that a
name stored with one still exports.

Headings, labels and the file's name are in the request's language (Vietnamese by default,
English under Accept-Language: en), like every answer of the API: the callers build the report
data, and these functions the report, under the request's language. The name is words of that
language, never an internal key: bao-cao-theo-tinh-<programme>-toan-quoc-<yyyymmdd>.csv, or
report-by-province-<programme>-nationwide-<yyyymmdd>.csv.

This module makes the report (OfficialReport) from a report's figures; export_writers writes it
as CSV rows or an XLSX workbook, through the renderers the export views use.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from courses.core.files.spreadsheet import attachment_name

REPORT_TITLE = gettext_lazy("BÁO CÁO KẾT QUẢ BỒI DƯỠNG CÁN BỘ, CÔNG CHỨC CẤP XÃ")
NATIONAL_MOTTO = gettext_lazy("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
NATIONAL_MOTTO_2 = gettext_lazy("Độc lập - Tự do - Hạnh phúc")

# Kinds of column: how a value is written (CSV) and formatted (XLSX).
TEXT, INT, DEC1, DEC2, DEC3 = "text", "int", "dec1", "dec2", "dec3"
XLSX_FORMATS = {INT: "#,##0", DEC1: "#,##0.0", DEC2: "#,##0.00", DEC3: "#,##0.000"}
DECIMAL_PLACES = {DEC1: 1, DEC2: 2, DEC3: 3}


@dataclass
class Column:
    heading: str
    field: str
    kind: str = INT
    width: int = 14


@dataclass
class Section:
    columns: list[Column]
    rows: list[dict]
    label_heading: str
    total: dict | None = None
    title: str = ""
    numbered: bool = True


@dataclass
class OfficialReport:
    subtitle: str
    unit: str
    info: list[str]
    sections: list[Section]
    name: str  # what the report is, in words of the reader's language (see report_name)
    date: datetime.date = field(default_factory=timezone.localdate)

    @property
    def width(self) -> int:
        """Columns of the widest table: STT and the label, then the section's own."""
        return 2 + max((len(s.columns) for s in self.sections), default=0)

    def filename(self, extension: str) -> str:
        return attachment_name(self.name, f"{self.date:%Y%m%d}", extension=extension)


# --- columns -----------------------------------------------------------------------------------


def _c(heading, field_name, kind=INT, width=14) -> Column:
    return Column(str(heading), field_name, kind, width)


def figure_columns(*, classes: bool = True) -> list[Column]:
    """The figures of a slice; without class counts and spending for learner dimensions."""
    columns = [
        _c(_("Chỉ tiêu (lượt)"), "target_luot"),
        _c(_("Đã thực hiện (lượt)"), "achieved_luot"),
        _c(_("Tỷ lệ (%)"), "rate_percent", DEC2, 10),
    ]
    if classes:
        columns += [
            _c(_("Số lớp kế hoạch"), "classes_planned", INT, 11),
            _c(_("Số lớp đã khai giảng"), "classes_started", INT, 11),
            _c(_("Số lớp đã kết thúc"), "classes_held", INT, 11),
        ]
    columns += [
        _c(_("Đã ghi danh (lượt)"), "enrolled"),
        _c(_("Đang học (lượt)"), "in_progress"),
        _c(_("Không hoàn thành (lượt)"), "not_completed"),
    ]
    if classes:
        columns += [
            _c(_("Kinh phí (triệu đồng)"), "spending_million_vnd", DEC1, 15),
            _c(_("Chi phí bình quân (triệu đồng/lượt)"), "cost_per_luot_million_vnd", DEC3, 15),
        ]
    columns += [
        _c(_("Dự kiến cuối kỳ (lượt)"), "projected_luot"),
        _c(_("Dự kiến tỷ lệ cuối kỳ (%)"), "projected_rate_percent", DEC2, 12),
    ]
    return columns


# --- preamble ----------------------------------------------------------------------------------


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _moment(value) -> str:
    if value is None:
        return _("chưa có số liệu")
    local = timezone.localtime(value)
    return _("%(time)s ngày %(date)s") % {"time": local.strftime("%H:%M"), "date": local.strftime("%d/%m/%Y")}


def programme_line(programme: dict) -> str:
    return _("Chương trình: %(title)s (%(decision)s), giai đoạn %(start)s - %(end)s") % {
        "title": programme["title"],
        "decision": programme["decision_number"],
        "start": _date(programme["period_start"]),
        "end": _date(programme["period_end"]),
    }


def scope_line(scope: dict) -> str:
    return _("Đơn vị báo cáo: %(unit)s; Phạm vi: %(scope)s") % {"unit": scope["unit"], "scope": scope["name"]}


def filters_line(data: dict, *, computed_at=None) -> str:
    parts = []
    if "level_label" in data:
        parts.append(_("Cấp thực hiện: %(level)s") % {"level": data["level_label"]})
    if "year" in data:
        year = data.get("year")
        parts.append(_("Năm: %(year)s") % {"year": year} if year else _("Năm: cả giai đoạn"))
    if data.get("curriculum"):
        parts.append(_("Bộ chương trình: %(title)s") % {"title": data["curriculum"]["title"]})
    parts.append(_("Số liệu tính đến: %(moment)s") % {"moment": _moment(computed_at)})
    return "; ".join(parts)


# What a breakdown is by, in a file's name: short words, one per dimension (the dimension's label
# is a heading, too long for a name). The context "file name" keeps them apart from the labels.
FILE_NAME_DIMENSIONS = {
    "province": pgettext_lazy("file name", "tỉnh tại thời điểm học"),
    "current_province": pgettext_lazy("file name", "tỉnh"),
    "region": pgettext_lazy("file name", "vùng"),
    "curriculum": pgettext_lazy("file name", "bộ chương trình"),
    "mode": pgettext_lazy("file name", "hình thức"),
    "position": pgettext_lazy("file name", "chức danh"),
    "gender": pgettext_lazy("file name", "giới tính"),
    "ethnic_minority": pgettext_lazy("file name", "dân tộc thiểu số"),
    "year": pgettext_lazy("file name", "năm"),
}


def report_name(what: str, data: dict) -> str:
    """The words a report's file is named by: what it is (already translated), the programme's
    code and the scope, in the request's language; OfficialReport.filename adds the date."""
    scope = data["scope"]
    if scope["province"] is None:
        where = pgettext("file name", "toàn quốc")
    else:
        where = pgettext("file name", "tỉnh %(code)s") % {"code": scope["province"]["code"]}
    return f"{what} {data['programme']['code']} {where}"


# --- the reports -------------------------------------------------------------------------------


def summary_report(data: dict) -> OfficialReport:
    section = Section(
        columns=figure_columns(),
        rows=data["levels"],
        total={**data["total"], "label": _("Tổng cộng")},
        label_heading=_("Cấp thực hiện"),
    )
    return OfficialReport(
        subtitle=_("Tiến độ thực hiện so với chỉ tiêu"),
        unit=data["scope"]["unit"],
        info=[
            programme_line(data["programme"]),
            scope_line(data["scope"]),
            filters_line(
                {"year": data["year"], "curriculum": data["curriculum"]}, computed_at=data["computed_at"]
            ),
        ],
        sections=[section],
        name=report_name(pgettext("file name", "báo cáo tiến độ"), data),
    )


def _label_heading(dimension: str, label: str) -> str:
    if dimension in ("province", "current_province"):
        return _("Đơn vị")
    return label


def breakdown_report(data: dict) -> OfficialReport:
    from reporting.models import LEARNER_DIMENSIONS

    section = Section(
        columns=figure_columns(classes=data["dimension"] not in LEARNER_DIMENSIONS),
        rows=data["rows"],
        total=data["total"],
        label_heading=_label_heading(data["dimension"], data["dimension_label"]),
    )
    return OfficialReport(
        subtitle=_("Kết quả theo %(dimension)s") % {"dimension": data["dimension_label"].lower()},
        unit=data["scope"]["unit"],
        info=[
            programme_line(data["programme"]),
            scope_line(data["scope"]),
            filters_line(data, computed_at=data["computed_at"]),
        ],
        sections=[section],
        name=report_name(
            pgettext("file name", "báo cáo theo %(dimension)s")
            % {"dimension": FILE_NAME_DIMENSIONS[data["dimension"]]},
            data,
        ),
    )


ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def province_report(data: dict) -> OfficialReport:
    from reporting.models import LEARNER_DIMENSIONS

    sections = [
        Section(
            columns=figure_columns(),
            rows=data["levels"],
            total={**data["total"], "label": _("Tổng cộng")},
            label_heading=_("Cấp thực hiện"),
            title=_("Theo cấp thực hiện"),
        ),
        Section(
            columns=figure_columns(),
            rows=data["by_year"],
            total=None,
            label_heading=_("Năm"),
            title=_("Theo năm (năm kết thúc lớp)"),
        ),
    ]
    for breakdown in data["breakdowns"]:
        sections.append(
            Section(
                columns=figure_columns(classes=breakdown["dimension"] not in LEARNER_DIMENSIONS),
                rows=breakdown["rows"],
                total=breakdown["total"],
                label_heading=_label_heading(breakdown["dimension"], breakdown["dimension_label"]),
                title=_("Theo %(dimension)s") % {"dimension": breakdown["dimension_label"].lower()},
            )
        )
    for number, section in enumerate(sections):
        section.title = f"{ROMAN[number]}. {section.title}"
    if data.get("by_year_total"):
        sections[1].total = {**data["by_year_total"], "label": _("Tổng cộng")}
    return OfficialReport(
        subtitle=_("Kết quả của %(province)s") % {"province": data["scope"]["name"]},
        unit=data["scope"]["unit"],
        info=[
            programme_line(data["programme"]),
            scope_line(data["scope"]),
            filters_line(data, computed_at=data["computed_at"]),
        ],
        sections=sections,
        name=report_name(pgettext("file name", "báo cáo chi tiết"), data),
    )


def history_report(data: dict) -> OfficialReport:
    rows = []
    for period in data["periods"]:
        programme = period["programme"]
        rows.append(
            {
                **period,
                "label": programme["decision_number"],
                "period": f"{programme['period_start'].year}-{programme['period_end'].year}",
                "source_label": _("Số liệu trực tuyến")
                if period["source"] == "live"
                else period["reference"],
            }
        )
    total = {
        "label": _("Tổng cộng"),
        "achieved_luot": sum(r["achieved_luot"] for r in rows),
        "spending_million_vnd": sum((r["spending_million_vnd"] or Decimal(0)) for r in rows),
    }
    columns = [
        _c(_("Giai đoạn"), "period", TEXT, 11),
        _c(_("Chỉ tiêu (lượt)"), "target_luot"),
        _c(_("Đã thực hiện (lượt)"), "achieved_luot"),
        _c(_("Tỷ lệ (%)"), "rate_percent", DEC2, 10),
        _c(_("Kinh phí (triệu đồng)"), "spending_million_vnd", DEC1, 15),
        _c(_("Chi phí bình quân (triệu đồng/lượt)"), "cost_per_luot_million_vnd", DEC3, 15),
        _c(_("Dự kiến cuối kỳ (lượt)"), "projected_luot"),
        _c(_("Số tỉnh báo cáo"), "provinces_reporting", INT, 10),
        _c(_("Nguồn số liệu"), "source_label", TEXT, 50),
    ]
    return OfficialReport(
        subtitle=_("Kết quả các giai đoạn trước và giai đoạn hiện nay"),
        unit=data["scope"]["unit"],
        info=[scope_line(data["scope"]), filters_line({}, computed_at=data["periods"][-1]["computed_at"])],
        sections=[Section(columns=columns, rows=rows, total=total, label_heading=_("Chương trình, đề án"))],
        name=report_name(pgettext("file name", "báo cáo các giai đoạn"), data),
    )


def gaps_report(data: dict) -> OfficialReport:
    rows = [
        {
            **gap,
            "label": gap["province"]["name"],
            "code": gap["province"]["code"],
            "status": "; ".join(gap["reason_labels"]),
        }
        for gap in data["provinces"]
    ]
    total = {"label": _("Tổng cộng (%(count)s tỉnh, thành phố)") % {"count": len(rows)}}
    for name in ("classes_planned", "classes_started", "enrolled", "attended_minutes", "achieved_luot"):
        total[name] = sum(r[name] for r in rows)
    columns = [
        _c(_("Mã"), "code", TEXT, 6),
        _c(_("Số lớp kế hoạch"), "classes_planned", INT, 11),
        _c(_("Số lớp đã khai giảng"), "classes_started", INT, 11),
        _c(_("Đã ghi danh (lượt)"), "enrolled"),
        _c(_("Số phút tham dự"), "attended_minutes"),
        _c(_("Đã thực hiện (lượt)"), "achieved_luot"),
        _c(_("Tình trạng"), "status", TEXT, 50),
    ]
    return OfficialReport(
        subtitle=_("Các tỉnh, thành phố chưa khai giảng lớp hoặc chưa báo cáo số liệu"),
        unit=data["scope"]["unit"],
        info=[
            programme_line(data["programme"]),
            scope_line(data["scope"]),
            _("Cấp thực hiện: %(level)s; %(gaps)s/%(all)s tỉnh, thành phố")
            % {
                "level": data["level_label"],
                "gaps": data["provinces_with_gaps"],
                "all": data["provinces_in_scope"],
            },
        ],
        sections=[Section(columns=columns, rows=rows, total=total, label_heading=_("Đơn vị"))],
        name=report_name(pgettext("file name", "báo cáo tỉnh chưa báo cáo"), data),
    )
