"""The ministry's allocation sheet (bảng phân bổ chỉ tiêu) as the ministry sends it: the ministry
and the motto above, the title and the decision, headings merged over two rows (STT and the
province merged down, "Chỉ tiêu giao" or each year merged across its figures), a row of column
numbers, a row per province named as official documents write it, the central institutions' row,
the total row and the signature below. As .xlsx and as a CSV saved by Excel (UTF-8 with a BOM).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import openpyxl

MINISTRY = "BỘ NỘI VỤ"
MOTTO = "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TITLE = "BẢNG PHÂN BỔ CHỈ TIÊU BỒI DƯỠNG CÁN BỘ, CÔNG CHỨC CẤP XÃ GIAI ĐOẠN 2021-2025"
DECISION = "(Kèm theo Quyết định số 123/QĐ-BNV ngày 15 tháng 3 năm 2021 của Bộ trưởng Bộ Nội vụ)"
FIGURES = ("Chỉ tiêu giao (lượt)", "Số lớp", "Số học viên", "Kinh phí (triệu đồng)")


@dataclass(frozen=True)
class Line:
    """One row of the sheet: the name as written, and its figures (a value per column: text as
    typed, so a test can put anything there)."""

    name: object
    luot: object
    classes: object = None
    learners: object = None
    budget: object = None

    @property
    def figures(self) -> list:
        return [self.luot, self.classes, self.learners, self.budget]


# Names as official documents write them; the codes are the current provinces' (2025).
SAMPLE = (
    Line("Thái Nguyên", 4200, 84, 3900, "1.260,5"),
    Line("TP. Hồ Chí Minh", 9800, 196, 9100, 2940),
    Line("Thành phố Hà Nội", 9100, 182, 8500, "2730"),
    Line("Tỉnh Lào Cai", 3500, 70, 3200, 1050),
    Line("Các cơ sở đào tạo trung ương", 100000, 2000, 90000, 30000),
)
SAMPLE_CODES = {"Thái Nguyên": "19", "TP. Hồ Chí Minh": "79", "Thành phố Hà Nội": "01", "Tỉnh Lào Cai": "15"}


def _save(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _title_block(sheet, width: int) -> int:
    """Ministry and motto side by side, the title and the decision merged across; the next free row."""
    half = width // 2
    sheet.cell(1, 1, MINISTRY)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=half)
    sheet.cell(1, half + 1, MOTTO)
    sheet.merge_cells(start_row=1, start_column=half + 1, end_row=1, end_column=width)
    sheet.cell(3, 1, TITLE)
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=width)
    sheet.cell(4, 1, DECISION)
    sheet.merge_cells(start_row=4, start_column=1, end_row=4, end_column=width)
    return 6


def _total(lines: Sequence[Line]) -> list:
    def add(values):
        numbers = [v for v in values if isinstance(v, int)]
        return sum(numbers) if numbers else None

    return [add(line.figures[i] for line in lines) for i in range(4)]


def _footer(sheet, row: int, width: int) -> None:
    sheet.cell(row + 2, width - 1, "KT. BỘ TRƯỞNG")
    sheet.cell(row + 3, width - 1, "THỨ TRƯỞNG")
    sheet.cell(row + 6, width - 1, "Nguyễn Văn A")


def period_xlsx(lines: Sequence[Line] = SAMPLE) -> bytes:
    """Whole-period figures: "Chỉ tiêu giao" merged across its four figures, over them."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Phân bổ"
    width = 7
    top = _title_block(sheet, width)
    sheet.cell(top, 1, "STT")
    sheet.cell(top, 2, "Tỉnh, thành phố")
    sheet.cell(top, 3, "Chỉ tiêu giao")
    sheet.cell(top, 7, "Ghi chú")
    for column in (1, 2, 7):
        sheet.merge_cells(start_row=top, start_column=column, end_row=top + 1, end_column=column)
    sheet.merge_cells(start_row=top, start_column=3, end_row=top, end_column=6)
    for offset, heading in enumerate(("Lượt", "Số lớp", "Số học viên", "Kinh phí (triệu đồng)")):
        sheet.cell(top + 1, 3 + offset, heading)
    for column in range(1, width + 1):
        sheet.cell(top + 2, column, f"({column})")
    row = top + 3
    for number, line in enumerate(lines, start=1):
        for column, value in enumerate([number, line.name, *line.figures], start=1):
            sheet.cell(row, column, value)
        row += 1
    sheet.cell(row, 2, "Tổng cộng")
    for column, value in enumerate(_total(lines), start=3):
        sheet.cell(row, column, value)
    _footer(sheet, row, width)
    return _save(workbook)


def yearly_xlsx(years: Sequence[int], lines: Sequence[Line] = SAMPLE) -> bytes:
    """A column group per year: "Năm 2021" merged across its four figures; each year's figures
    are the line's divided by the number of years (the first year takes the remainder)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    width = 2 + 4 * len(years)
    top = _title_block(sheet, width)
    sheet.cell(top, 1, "STT")
    sheet.cell(top, 2, "Tỉnh, thành phố")
    for column in (1, 2):
        sheet.merge_cells(start_row=top, start_column=column, end_row=top + 1, end_column=column)
    for index, year in enumerate(years):
        first = 3 + 4 * index
        sheet.cell(top, first, f"Năm {year}")
        sheet.merge_cells(start_row=top, start_column=first, end_row=top, end_column=first + 3)
        for offset, heading in enumerate(FIGURES):
            sheet.cell(top + 1, first + offset, heading)
    row = top + 2
    for number, line in enumerate(lines, start=1):
        sheet.cell(row, 1, number)
        sheet.cell(row, 2, line.name)
        for index in range(len(years)):
            for offset, value in enumerate(line.figures):
                sheet.cell(row, 3 + 4 * index + offset, yearly_share(value, len(years), index))
        row += 1
    _footer(sheet, row, width)
    return _save(workbook)


def yearly_share(value, years: int, index: int):
    if not isinstance(value, int):
        return value
    share = value // years
    return share + (value - share * years if index == 0 else 0)


def period_csv(lines: Sequence[Line] = SAMPLE) -> bytes:
    """The sheet saved by Excel as "CSV UTF-8": a BOM, ';' as Vietnamese Windows lists separate, the
    title lines above, one heading row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([MINISTRY, "", "", MOTTO])
    writer.writerow([TITLE])
    writer.writerow([DECISION])
    writer.writerow([])
    writer.writerow(["STT", "Tỉnh, thành phố", *FIGURES, "Ghi chú"])
    for number, line in enumerate(lines, start=1):
        writer.writerow([number, line.name, *["" if v is None else v for v in line.figures], ""])
    writer.writerow(["", "Tổng cộng", *["" if v is None else v for v in _total(lines)], ""])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
