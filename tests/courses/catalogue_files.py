"""Example catalogue files in the documented layout (courses/files/catalogue_file.py), as XLSX or CSV."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl

HEADINGS = [
    "Mã bộ",
    "Phiên bản",
    "Tên bộ chương trình",
    "Tên tiếng Anh",
    "Chức danh",
    "Loại địa bàn",
    "Ngày ban hành",
    "Văn bản ban hành",
    "Trạng thái",
    "Kiểm tra cuối khoá",
    "STT chuyên đề",
    "Tên chuyên đề",
    "Số tiết",
    "Tài liệu",
    "Đường dẫn",
]


def curriculum_rows(
    code: str,
    *,
    version=1,
    title="Bồi dưỡng chuyên sâu công chức Tư pháp - hộ tịch (vùng đồng bằng)",
    title_en="In-depth training for justice and civil status officers (plains)",
    positions="tu-phap-ho-tich",
    area="đồng bằng",
    issued_on="15/03/2026",
    issued_by="123/QĐ-BNV",
    status="đang áp dụng",
    final_assessment="có",
    topics=((1, "Những vấn đề chung về công tác tư pháp", 4), (2, "Kỹ năng đăng ký hộ tịch", 8)),
    materials=(),
    repeat=False,
) -> list[dict]:
    """Rows of one curriculum version, one per topic.

    With repeat=False the curriculum columns are filled on the first row only, as a sheet with
    merged cells reads; materials go on the topic rows in turn, or on extra rows.
    """
    curriculum = {
        "Mã bộ": code,
        "Phiên bản": version,
        "Tên bộ chương trình": title,
        "Tên tiếng Anh": title_en,
        "Chức danh": positions,
        "Loại địa bàn": area,
        "Ngày ban hành": issued_on,
        "Văn bản ban hành": issued_by,
        "Trạng thái": status,
        "Kiểm tra cuối khoá": final_assessment,
    }
    rows = []
    for index, (order, topic_title, hours) in enumerate(topics):
        row = dict(curriculum) if index == 0 or repeat else {}
        row.update({"STT chuyên đề": order, "Tên chuyên đề": topic_title, "Số tiết": hours})
        rows.append(row)
    for index, (material_title, url) in enumerate(materials):
        if index < len(rows):
            rows[index].update({"Tài liệu": material_title, "Đường dẫn": url})
        else:
            rows.append({"Tài liệu": material_title, "Đường dẫn": url})
    return rows


def good_catalogue() -> list[dict]:
    """Two curricula: five topics, positions by code and by Vietnamese name, a material, a link."""
    return [
        *curriculum_rows(
            "tu-phap-dong-bang",
            topics=(
                (1, "Những vấn đề chung về công tác tư pháp", 4),
                (2, "Kỹ năng đăng ký hộ tịch", 8),
                (3, "Hòa giải ở cơ sở", 2.5),
            ),
            materials=(
                ("Sổ tay nghiệp vụ hộ tịch", ""),
                ("Bài giảng điện tử", "https://example.gov.vn/bai-giang"),
            ),
        ),
        *curriculum_rows(
            "ubnd-mien-nui",
            title="Bồi dưỡng Chủ tịch, Phó Chủ tịch UBND xã (miền núi)",
            title_en="",
            positions="Chủ tịch Ủy ban nhân dân; pho-chu-tich-ubnd",
            area="miền núi",
            issued_on="2026-04-01",
            final_assessment="không",
            topics=((1, "Quản lý nhà nước ở xã miền núi", 6), (2, "Chính sách dân tộc", 4)),
            repeat=True,
        ),
    ]


def xlsx_bytes(
    rows: list[dict], headings=HEADINGS, *, blank_rows_before: dict[int, int] | None = None
) -> bytes:
    """An .xlsx with the heading row first; `blank_rows_before` {index: n} inserts n empty rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh mục"
    sheet.append(headings)
    for index, row in enumerate(rows):
        for _ in range((blank_rows_before or {}).get(index, 0)):
            sheet.append([])
        sheet.append([_excel_value(row.get(h)) for h in headings])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _excel_value(value):
    # Dates go in as real Excel dates, numbers as numbers, as an admin's sheet has them.
    if isinstance(value, str):
        try:
            return datetime.datetime.strptime(value, "%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, int):
        return float(value)
    return value


def csv_bytes(rows: list[dict], headings=HEADINGS, *, delimiter=";", bom=True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headings)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headings])
    text = buffer.getvalue()
    return ("\ufeff" + text if bom else text).encode("utf-8")


def large_catalogue(curricula: int, topics: int = 10) -> list[dict]:
    rows = []
    for n in range(1, curricula + 1):
        rows += curriculum_rows(
            f"bulk-{n:03d}",
            title=f"Bộ chương trình thử nghiệm số {n}",
            positions="van-phong-thong-ke",
            topics=[(t, f"Chuyên đề {t} của bộ {n}", 4) for t in range(1, topics + 1)],
        )
    return rows
