"""Enrolment lists in the shape provinces send them (see enrollment/files/enrollment_file.py), as XLSX or CSV.

Values are written as given: an int goes in as an Excel number (so an id loses its leading zeros,
as it does when a clerk types it into a General-formatted cell), a date as an Excel date.
"""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl

HEADINGS = [
    "STT",
    "Họ và tên",
    "Số định danh cá nhân/CCCD",
    "Ngày sinh (dd/mm/yyyy)",
    "Giới tính (Nam/Nữ)",
    "Dân tộc",
    "Chức danh",
    "Xã/phường",
    "Tỉnh",
    "Điện thoại",
    "Email",
]
# With the optional column of the old 9-digit identity card number (CMND).
HEADINGS_WITH_CMND = [*HEADINGS[:3], "Số CMND (cũ)", *HEADINGS[3:]]


def person(
    number: int,
    name: str,
    national_id,
    *,
    born="17/05/1985",
    gender="Nam",
    ethnicity="Kinh",
    position="Bí thư Đảng ủy",
    commune="Xã Bằng Thành",
    province="Thái Nguyên",
    phone="0912345678",
    email="",
    cmnd=None,
) -> dict:
    return {
        "STT": number,
        "Họ và tên": name,
        "Số định danh cá nhân/CCCD": national_id,
        "Ngày sinh (dd/mm/yyyy)": born,
        "Giới tính (Nam/Nữ)": gender,
        "Dân tộc": ethnicity,
        "Chức danh": position,
        "Xã/phường": commune,
        "Tỉnh": province,
        "Điện thoại": phone,
        "Email": email,
        "Số CMND (cũ)": cmnd,
    }


def xlsx_bytes(rows: list[dict | None], headings=HEADINGS, *, title_rows: int = 0) -> bytes:
    """An .xlsx; None in `rows` is a blank row; `title_rows` blank rows go above the headings."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    for _ in range(title_rows):
        sheet.append([])
    sheet.append(headings)
    for row in rows:
        sheet.append([] if row is None else [_excel_value(row.get(h)) for h in headings])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _excel_value(value):
    if isinstance(value, str):
        try:
            return datetime.datetime.strptime(value, "%d/%m/%Y")
        except ValueError:
            return value
    return value


def csv_bytes(rows: list[dict | None], headings=HEADINGS, *, delimiter=";") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headings)
    for row in rows:
        writer.writerow([] if row is None else ["" if row.get(h) is None else row.get(h) for h in headings])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def many_people(count: int, *, start: int = 1) -> list[dict]:
    """`count` distinct learners of Thái Nguyên born in 1985, ids stored as numbers (leading zeros
    lost); each id's sex digit agrees with the gender (0 a man, 1 a woman born in the 1900s)."""
    return [
        person(
            n,
            f"Học Viên Thứ {n}",
            (19_185_000_000 if n % 2 else 19_085_000_000) + n,  # "019185…": Excel keeps 11 digits
            gender="Nữ" if n % 2 else "Nam",
            ethnicity="Tày" if n % 5 == 0 else "Kinh",
        )
        for n in range(start, start + count)
    ]
