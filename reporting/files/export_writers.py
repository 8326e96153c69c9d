"""An official report (reporting.files.exports) written as a file: CSV rows (report_rows) or an
XLSX workbook (report_workbook), and the DRF renderers that hand them out (ReportCSVRenderer,
ReportXLSXRenderer: reporting.api.views_exports). The layout is described in reporting.files.exports;
every cell goes through courses.core.files.spreadsheet."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from courses.core.files.spreadsheet import csv_value, xlsx_cell
from courses.core.renderers import CSVRenderer, XLSXRenderer
from reporting.files.exports import (
    DECIMAL_PLACES,
    INT,
    NATIONAL_MOTTO,
    NATIONAL_MOTTO_2,
    REPORT_TITLE,
    TEXT,
    XLSX_FORMATS,
    OfficialReport,
    Section,
)


def _csv_value(value, kind: str):
    """A number to its column's decimal places (as a Decimal: CSVRenderer writes numbers as they
    are); anything else as it is, made safe by the renderer."""
    places = DECIMAL_PLACES.get(kind)
    if places is None or not isinstance(value, (int, float, Decimal)) or isinstance(value, bool):
        return value
    return Decimal(csv_value(value, places=places))


def _preamble(report: OfficialReport) -> list[str]:
    date = _("Ngày %(day)02d tháng %(month)02d năm %(year)d") % {
        "day": report.date.day,
        "month": report.date.month,
        "year": report.date.year,
    }
    return [
        report.unit.upper(),
        str(NATIONAL_MOTTO),
        str(NATIONAL_MOTTO_2),
        date,
        "",
        str(REPORT_TITLE),
        report.subtitle,
        *report.info,
        "",
    ]


def _table_rows(section: Section) -> list[tuple[str, list]]:
    """(role, cells) of a section: heading, data rows, totals."""
    lines: list[tuple[str, list]] = [
        ("heading", [_("STT"), section.label_heading, *[c.heading for c in section.columns]])
    ]
    for number, row in enumerate(section.rows, start=1):
        lines.append(
            (
                "row",
                [
                    number if section.numbered else "",
                    row.get("label", ""),
                    *[row.get(c.field) for c in section.columns],
                ],
            )
        )
    if section.total is not None:
        lines.append(
            (
                "total",
                [
                    "",
                    section.total.get("label", _("Tổng cộng")),
                    *[section.total.get(c.field) for c in section.columns],
                ],
            )
        )
    return lines


def report_rows(report: OfficialReport) -> list[list]:
    """The CSV layout: one row per line, the preamble in the first cell."""
    rows: list[list] = [[line] if line else [] for line in _preamble(report)]
    for index, section in enumerate(report.sections):
        if index:
            rows.append([])
        if section.title:
            rows.append([section.title])
        kinds = [TEXT, TEXT, *[c.kind for c in section.columns]]
        for role, cells in _table_rows(section):
            if role == "heading":
                rows.append([str(c) for c in cells])
            else:
                rows.append([_csv_value(v, INT if i == 0 else kinds[i]) for i, v in enumerate(cells)])
    return rows


_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_ITALIC = Font(italic=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F3")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


def report_workbook(report: OfficialReport) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Báo cáo")
    width = max(report.width, 6)
    right = max(width - 5, 3)  # where the motto block starts

    def merged(row: int, start: int, end: int, value: str, font=None, align=_CENTER) -> None:
        cell = sheet.cell(row=row, column=start)
        xlsx_cell(cell, value)
        if font is not None:
            cell.font = font
        cell.alignment = align
        if end > start:
            sheet.merge_cells(start_row=row, start_column=start, end_row=row, end_column=end)

    preamble = _preamble(report)
    unit, motto, motto_2, date = preamble[:4]
    merged(1, 1, right - 1, unit, _BOLD)
    merged(1, right, width, motto, _BOLD)
    merged(2, right, width, motto_2, _BOLD)
    merged(3, right, width, date, _ITALIC)
    row = 5
    merged(row, 1, width, str(REPORT_TITLE), _TITLE)
    row += 1
    merged(row, 1, width, report.subtitle, _BOLD)
    for line in report.info:
        row += 1
        merged(row, 1, width, line, None, Alignment(horizontal="left", wrap_text=False))
    row += 1
    first_table_row = None
    for section in report.sections:
        row += 1
        if section.title:
            merged(row, 1, width, section.title, _BOLD, Alignment(horizontal="left"))
            row += 1
        kinds = [INT, TEXT, *[c.kind for c in section.columns]]
        for role, cells in _table_rows(section):
            for column, value in enumerate(cells, start=1):
                cell = sheet.cell(row=row, column=column)
                kind = kinds[column - 1]
                if role == "heading":
                    xlsx_cell(cell, str(value))
                    cell.font = _BOLD
                    cell.alignment = _CENTER
                    cell.fill = _HEAD_FILL
                elif kind == TEXT or isinstance(value, str):
                    xlsx_cell(cell, value or "")
                    cell.alignment = _WRAP
                else:
                    xlsx_cell(cell, value)
                    cell.number_format = XLSX_FORMATS.get(kind, "General")
                if role == "total":
                    cell.font = _BOLD
                    cell.fill = _TOTAL_FILL
                cell.border = _BOX
            if role == "heading":
                sheet.row_dimensions[row].height = 45
                if first_table_row is None:
                    first_table_row = row
            row += 1
    row += 1
    merged(row, 1, 3, _("NGƯỜI LẬP BIỂU"), _BOLD)
    merged(row, right, width, _("THỦ TRƯỞNG ĐƠN VỊ"), _BOLD)

    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 34
    widths: dict[int, int] = {}
    for section in report.sections:
        for index, column in enumerate(section.columns, start=3):
            widths[index] = max(widths.get(index, 0), column.width)
    for index, column_width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = column_width
    if first_table_row is not None and len(report.sections) == 1:
        sheet.freeze_panes = sheet.cell(row=first_table_row + 1, column=3)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return workbook


# --- renderers -----------------------------------------------------------------------------------


class ReportCSVRenderer(CSVRenderer):
    """An OfficialReport as CSV (report_rows)."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return super().render(report_rows(data), accepted_media_type, renderer_context)


class ReportXLSXRenderer(XLSXRenderer):
    """An OfficialReport as XLSX (report_workbook)."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return super().render(report_workbook(data), accepted_media_type, renderer_context)
