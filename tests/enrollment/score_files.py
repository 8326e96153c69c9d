"""Score sheets as trainers keep them (layout: enrollment/files/score_file.py), built from made-up people.

A sheet carries the title block of an official form above its headings (the unit, the title, the
class, a blank row), and a note column the importer doesn't read. Values are written as given: an
int id goes in as an Excel number (losing its leading zero, as in a General-formatted cell), a float
score as an Excel number, a string as typed ("8,5" as a clerk types it in a Vietnamese locale).
"""

from __future__ import annotations

import csv
import io

import openpyxl

HEADINGS = ["STT", "Họ và tên", "Số định danh cá nhân", "Điểm đánh giá", "Ghi chú"]

TITLE_BLOCK = [
    ["UBND TỈNH THÁI NGUYÊN"],
    ["TRƯỜNG CHÍNH TRỊ TỈNH"],
    [None, "BẢNG ĐIỂM ĐÁNH GIÁ CUỐI KHÓA"],
    [None, "Lớp: Bồi dưỡng cán bộ, công chức cấp xã (tn-online-1)"],
    [],
]


def line(number: int, name: str, national_id, score, note: str = "") -> list:
    return [number, name, national_id, score, note]


def xlsx_bytes(
    rows: list[list],
    *,
    headings=HEADINGS,
    title: bool = True,
    sheet_name: str = "Bảng điểm",
    extra_sheets: tuple[tuple[str, list[list]], ...] = (),
) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    for other_name, other_rows in extra_sheets:
        other = workbook.create_sheet(other_name, 0)
        for row in other_rows:
            other.append(row)
    for row in TITLE_BLOCK if title else []:
        sheet.append(row)
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    # Dated and signed below the list, on the right, as official forms are.
    sheet.append([])
    sheet.append([None, None, None, None, "Thái Nguyên, ngày 20 tháng 12 năm 2026"])
    sheet.append([None, None, None, None, "Người lập biểu"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], *, headings=HEADINGS, delimiter: str = ";") -> bytes:
    """A CSV as Excel in a Vietnamese locale saves it: ";" between cells, UTF-8 with a BOM, every
    row padded with empty cells to the width of the sheet (the title row too)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    width = len(headings)
    writer.writerow(["BẢNG ĐIỂM ĐÁNH GIÁ CUỐI KHÓA"] + [""] * (width - 1))
    writer.writerow([""] * width)
    writer.writerow(headings)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8-sig")
