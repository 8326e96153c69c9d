"""CSV and XLSX exports in the layout of an official report: parsed back with the csv module and
openpyxl, their title, unit, headings and a totals row equal to the sum of the rows; formula
injection neutralised; headings, labels and the file's name in the request's language (Vietnamese
by default, English under Accept-Language: en)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from courses.core.text import has_control_characters
from courses.models import Curriculum, Position, Programme, Province
from reporting.selectors.reports_rows import BREAKDOWN_DIMENSIONS
from tests.reporting.conftest import province
from tests.reporting.report_world import rebuild_world, vietnamese_default

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reports"
TITLE = "BÁO CÁO KẾT QUẢ BỒI DƯỠNG CÁN BỘ, CÔNG CHỨC CẤP XÃ"


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


def fetch(client, path: str, world, language: str | None = None, **params):
    """The export as the client gets it; without `language` no Accept-Language (the default)."""
    params.setdefault("programme", world.programme.pk)
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.get(f"{BASE}/{path}", params, **headers)
    assert response.status_code == 200, response.content[:400]
    return response


def download(client, path: str, world, language: str | None = None, **params) -> bytes:
    return fetch(client, path, world, language, **params).content


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV for Excel starts with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def table(rows: list[list], start: int = 0) -> tuple[list, list[list], list]:
    """(headings, data rows, totals row) of the first table at or after `start`."""
    heading_at = next(i for i in range(start, len(rows)) if rows[i] and rows[i][0] in ("STT", "No."))
    body = []
    for row in rows[heading_at + 1 :]:
        if not row or all(v in (None, "") for v in row):
            break
        body.append(row)
    totals = body.pop() if body and str(body[-1][1]).startswith(("Tổng cộng", "Total")) else None
    return rows[heading_at], body, totals


def number(value) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def column(headings, name) -> int:
    return headings.index(name)


# --- CSV -----------------------------------------------------------------------------------------


def test_summary_csv(world, client_for, central_admin):
    rows = csv_rows(download(client_for(central_admin), "summary/export.csv", world))
    preamble = [row[0] for row in rows[:12] if row]
    assert preamble[0] == "BỘ NỘI VỤ"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in preamble and "Độc lập - Tự do - Hạnh phúc" in preamble
    assert any(line.startswith("Ngày ") and " tháng " in line for line in preamble)
    assert TITLE in preamble
    assert "Tiến độ thực hiện so với chỉ tiêu" in preamble
    assert any(
        line.startswith("Chương trình: " + world.programme.title_vi) and "01/01/2021 - 31/12/2025" in line
        for line in preamble
    )
    assert any(line.startswith("Đơn vị báo cáo: Bộ Nội vụ; Phạm vi: Toàn quốc") for line in preamble)
    assert any("Số liệu tính đến:" in line for line in preamble)

    headings, body, totals = table(rows)
    assert headings[:5] == ["STT", "Cấp thực hiện", "Chỉ tiêu (lượt)", "Đã thực hiện (lượt)", "Tỷ lệ (%)"]
    assert "Kinh phí (triệu đồng)" in headings and "Dự kiến cuối kỳ (lượt)" in headings
    assert [row[0] for row in body] == ["1", "2", "3"]
    assert [row[1] for row in body] == ["Cơ sở đào tạo trung ương", "Địa phương", "Bồi dưỡng trực tuyến"]
    assert totals[1] == "Tổng cộng"
    for name in ("Chỉ tiêu (lượt)", "Đã thực hiện (lượt)", "Số lớp kế hoạch", "Đang học (lượt)"):
        index = column(headings, name)
        assert number(totals[index]) == sum(number(row[index]) for row in body), name
    assert totals[column(headings, "Đã thực hiện (lượt)")] == "6"
    assert totals[column(headings, "Tỷ lệ (%)")] == "10.00"
    assert totals[column(headings, "Kinh phí (triệu đồng)")] == "50.0"
    assert totals[column(headings, "Chi phí bình quân (triệu đồng/lượt)")] == "8.333"


def test_breakdown_by_province_csv_has_every_province_and_sums(world, client_for, central_admin):
    rows = csv_rows(
        download(client_for(central_admin), "breakdown/export.csv", world, dimension="current_province")
    )
    assert "Kết quả theo tỉnh, thành phố (34 đơn vị hiện nay)" in [row[0] for row in rows if row]
    headings, body, totals = table(rows)
    assert headings[1] == "Đơn vị"
    assert len(body) == 34
    labels = {row[1]: row for row in body}
    achieved = column(headings, "Đã thực hiện (lượt)")
    assert labels["Thành phố Hà Nội"][achieved] == "3" and labels["Thái Nguyên"][achieved] == "3"
    assert number(totals[achieved]) == sum(number(row[achieved]) for row in body) == 6
    assert totals[column(headings, "Chỉ tiêu (lượt)")] == "60"


def test_a_provincial_admins_export_is_from_their_department(world, client_for, province_admin):
    rows = csv_rows(download(client_for(province_admin), "summary/export.csv", world))
    lines = [row[0] for row in rows if row]
    assert lines[0] == "SỞ NỘI VỤ TỈNH THÁI NGUYÊN"
    assert "Đơn vị báo cáo: Sở Nội vụ tỉnh Thái Nguyên; Phạm vi: Thái Nguyên" in lines
    headings, _, totals = table(rows)
    assert totals[column(headings, "Đã thực hiện (lượt)")] == "3"
    assert totals[column(headings, "Chỉ tiêu (lượt)")] == "12"


def test_learner_dimensions_have_no_class_columns(world, client_for, central_admin):
    rows = csv_rows(download(client_for(central_admin), "breakdown/export.csv", world, dimension="gender"))
    headings, body, totals = table(rows)
    assert "Số lớp kế hoạch" not in headings and "Kinh phí (triệu đồng)" not in headings
    assert [row[1] for row in body] == ["Nam", "Nữ"]
    achieved = column(headings, "Đã thực hiện (lượt)")
    assert number(totals[achieved]) == sum(number(row[achieved]) for row in body) == 6


def test_province_detail_csv_has_a_section_per_breakdown(world, client_for, central_admin):
    rows = csv_rows(
        download(client_for(central_admin), f"provinces/{world.thai_nguyen.pk}/export.csv", world)
    )
    titles = [
        row[0] for row in rows if row and row[0][:3] in ("I. ", "II.", "III", "IV.", "V. ", "VI.", "VII")
    ]
    assert titles[:3] == [
        "I. Theo cấp thực hiện",
        "II. Theo năm (năm kết thúc lớp)",
        "III. Theo tỉnh, thành phố (đơn vị tại thời điểm học)",
    ]
    assert len(titles) == 8
    start = 0
    for _ in titles:
        headings, body, totals = table(rows, start)
        achieved = column(headings, "Đã thực hiện (lượt)")
        assert totals is not None
        assert number(totals[achieved]) == sum(number(row[achieved]) for row in body) == 3
        start = rows.index(headings) + 1
    headings, body, _ = table(rows, next(i for i, r in enumerate(rows) if r and r[0].startswith("III.")))
    assert {row[1]: row[column(headings, "Đã thực hiện (lượt)")] for row in body} == {
        "Thái Nguyên": "2",
        "Tỉnh Bắc Kạn": "1",
    }


def test_history_and_gaps_csv(world, client_for, central_admin):
    client = client_for(central_admin)
    rows = csv_rows(download(client, "history/export.csv", world))
    headings, body, totals = table(rows)
    assert headings[:4] == ["STT", "Chương trình, đề án", "Giai đoạn", "Chỉ tiêu (lượt)"]
    first = body[0]
    assert (first[1], first[2], first[column(headings, "Đã thực hiện (lượt)")]) == (
        "1956/QĐ-TTg",
        "2010-2015",
        "403183",
    )
    assert first[column(headings, "Tỷ lệ (%)")] == "80.60"
    assert (
        body[-1][1] == world.programme.decision_number
        and body[-1][column(headings, "Nguồn số liệu")] == "Số liệu trực tuyến"
    )
    achieved = column(headings, "Đã thực hiện (lượt)")
    assert number(totals[achieved]) == 403183 + 14330 + 146691 + 6

    rows = csv_rows(download(client, "gaps/export.csv", world))
    headings, body, totals = table(rows)
    assert len(body) == 32
    assert totals[1] == "Tổng cộng (32 tỉnh, thành phố)"
    status = column(headings, "Tình trạng")
    assert {row[status] for row in body} == {
        "Chưa có lớp trong kế hoạch; Chưa khai giảng lớp nào; Chưa báo cáo học viên ghi danh"
    }


# --- XLSX ----------------------------------------------------------------------------------------


def test_breakdown_xlsx_layout_and_number_formats(world, client_for, central_admin):
    sheet, rows = xlsx_rows(
        download(client_for(central_admin), "breakdown/export.xlsx", world, dimension="current_province")
    )
    assert rows[0][0] == "BỘ NỘI VỤ"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in rows[0]
    assert rows[4][0] == TITLE
    assert sheet.cell(row=5, column=1).font.bold
    assert any(str(r[0]).startswith("Chương trình: ") for r in rows[:12])
    headings, body, totals = table(rows)
    assert headings[:5] == ["STT", "Đơn vị", "Chỉ tiêu (lượt)", "Đã thực hiện (lượt)", "Tỷ lệ (%)"]
    assert len(body) == 34 and [row[0] for row in body] == list(range(1, 35))
    achieved = column(headings, "Đã thực hiện (lượt)")
    assert totals[1] == "Tổng cộng"
    assert totals[achieved] == sum(row[achieved] for row in body) == 6
    assert isinstance(body[0][achieved], int)

    heading_row = next(i for i, r in enumerate(rows, start=1) if r[0] == "STT")
    total_row = heading_row + len(body) + 1
    assert sheet.cell(row=total_row, column=achieved + 1).number_format == "#,##0"
    assert sheet.cell(row=total_row, column=column(headings, "Tỷ lệ (%)") + 1).number_format == "#,##0.00"
    assert (
        sheet.cell(row=total_row, column=column(headings, "Kinh phí (triệu đồng)") + 1).number_format
        == "#,##0.0"
    )
    assert sheet.cell(row=total_row, column=2).font.bold
    assert "NGƯỜI LẬP BIỂU" in rows[-1] and "THỦ TRƯỞNG ĐƠN VỊ" in rows[-1]


def test_history_xlsx_thousands(world, client_for, central_admin):
    sheet, rows = xlsx_rows(download(client_for(central_admin), "history/export.xlsx", world))
    headings, body, totals = table(rows)
    achieved = column(headings, "Đã thực hiện (lượt)")
    assert body[0][achieved] == 403183
    heading_row = next(i for i, r in enumerate(rows, start=1) if r[0] == "STT")
    assert sheet.cell(row=heading_row + 1, column=achieved + 1).number_format == "#,##0"
    assert totals[achieved] == sum(row[achieved] for row in body)


def test_province_detail_xlsx(world, client_for, province_admin):
    _, rows = xlsx_rows(
        download(client_for(province_admin), f"provinces/{world.thai_nguyen.pk}/export.xlsx", world)
    )
    assert rows[0][0] == "SỞ NỘI VỤ TỈNH THÁI NGUYÊN"
    assert "Kết quả của Thái Nguyên" in [r[0] for r in rows]
    headings, body, totals = table(rows)
    assert totals[column(headings, "Đã thực hiện (lượt)")] == 3


# --- injection -----------------------------------------------------------------------------------


def test_formula_injection_is_neutralised(world, client_for, central_admin):
    evil_curriculum = world.classes[0].curriculum
    evil_curriculum.title_vi = '=HYPERLINK("http://evil.example/","Bấm vào")'
    evil_curriculum.save()
    Position.objects.filter(pk=world.chair.pk).update(name_vi="+Chủ tịch; @SUM(A1)")
    Province.objects.filter(pk=world.hanoi.pk).update(name="-Hà Nội")
    Province.objects.filter(pk=province("04").pk).update(name="@Cao Bằng")
    rebuild_world(world)
    client = client_for(central_admin)

    def labels(content):
        return [row[1] for row in table(csv_rows(content))[1]]

    curricula = labels(download(client, "breakdown/export.csv", world, dimension="curriculum"))
    assert '\'=HYPERLINK("http://evil.example/","Bấm vào")' in curricula
    assert not any(label.startswith(("=", "+", "-", "@")) for label in curricula)
    positions = labels(download(client, "breakdown/export.csv", world, dimension="position"))
    assert "'+Chủ tịch; @SUM(A1)" in positions
    provinces = labels(download(client, "breakdown/export.csv", world, dimension="current_province"))
    assert "'-Hà Nội" in provinces and "'@Cao Bằng" in provinces
    # The gaps report lists Cao Bằng too, by name.
    assert "'@Cao Bằng" in labels(download(client, "gaps/export.csv", world))

    sheet, rows = xlsx_rows(download(client, "breakdown/export.xlsx", world, dimension="curriculum"))
    cells = [
        cell
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("=")
    ]
    assert [cell.value for cell in cells] == ['=HYPERLINK("http://evil.example/","Bấm vào")']
    assert cells[0].data_type == "s"  # text, never a formula
    assert cells[0].quotePrefix


# Control characters stored before the API refused them (or by the Django admin) are dropped, not
# a 500: the programme's title is in every report's preamble.
EXPORTS = [
    ("summary/export", {}),
    ("breakdown/export", {"dimension": "position"}),
    ("breakdown/export", {"dimension": "curriculum"}),
    ("breakdown/export", {"dimension": "current_province"}),
    ("provinces/{thai_nguyen}/export", {}),
    ("history/export", {}),
    ("gaps/export", {}),
]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
@pytest.mark.parametrize(("path", "params"), EXPORTS)
def test_control_characters_in_stored_names_are_dropped(
    world, client_for, central_admin, path, params, file_format
):
    Programme.objects.filter(pk=world.programme.pk).update(
        title_vi="Bồi dưỡng\x0b cán bộ\x08 xã", decision_number="99/KH\x1f-TEST"
    )
    Position.objects.filter(pk=world.chair.pk).update(name_vi="Chủ tịch\x0b UBND\x7f")
    Curriculum.objects.filter(pk=world.curriculum_a.pk).update(title_vi="\x0c=Chủ tịch\x85")
    Province.objects.filter(pk=world.thai_nguyen.pk).update(name="Thái\x01 Nguyên")
    rebuild_world(world)
    path = path.format(thai_nguyen=world.thai_nguyen.pk)
    content = download(client_for(central_admin), f"{path}.{file_format}", world, **params)

    if file_format == "csv":
        cells = [cell for row in csv_rows(content) for cell in row]
    else:
        sheet, rows = xlsx_rows(content)
        cells = [cell for row in rows for cell in row if isinstance(cell, str)]
    assert not any(has_control_characters(cell.replace("\t", "")) for cell in cells)
    assert any("99/KH-TEST" in cell for cell in cells)  # the programme, in every report
    wanted = {
        "position": "Chủ tịch UBND",
        "curriculum": "'=Chủ tịch" if file_format == "csv" else "=Chủ tịch",
        "current_province": "Thái Nguyên",
    }.get(params.get("dimension"))
    if wanted:
        assert wanted in cells


# --- the reader's language -----------------------------------------------------------------------
# The file's name and its headings and labels follow Accept-Language: Vietnamese by default,
# English with `en`. The name is words of that language, never an internal key.

# (path, params, name by default, name in English), before the date and the extension.
FILE_NAMES = [
    (
        "summary/export",
        {},
        "bao-cao-tien-do-kh-thu-2021-2025-toan-quoc",
        "progress-report-kh-thu-2021-2025-nationwide",
    ),
    (
        "breakdown/export",
        {"dimension": "current_province"},
        "bao-cao-theo-tinh-kh-thu-2021-2025-toan-quoc",
        "report-by-province-kh-thu-2021-2025-nationwide",
    ),
    (
        "breakdown/export",
        {"dimension": "province"},
        "bao-cao-theo-tinh-tai-thoi-diem-hoc-kh-thu-2021-2025-toan-quoc",
        "report-by-province-at-the-time-kh-thu-2021-2025-nationwide",
    ),
    (
        "breakdown/export",
        {"dimension": "ethnic_minority"},
        "bao-cao-theo-dan-toc-thieu-so-kh-thu-2021-2025-toan-quoc",
        "report-by-ethnic-minority-kh-thu-2021-2025-nationwide",
    ),
    (
        "breakdown/export",
        {"dimension": "year"},
        "bao-cao-theo-nam-kh-thu-2021-2025-toan-quoc",
        "report-by-year-kh-thu-2021-2025-nationwide",
    ),
    (
        "provinces/{thai_nguyen}/export",
        {},
        "bao-cao-chi-tiet-kh-thu-2021-2025-tinh-19",
        "detailed-report-kh-thu-2021-2025-province-19",
    ),
    (
        "history/export",
        {},
        "bao-cao-cac-giai-doan-kh-thu-2021-2025-toan-quoc",
        "report-of-the-periods-kh-thu-2021-2025-nationwide",
    ),
    (
        "gaps/export",
        {},
        "bao-cao-tinh-chua-bao-cao-kh-thu-2021-2025-toan-quoc",
        "report-of-provinces-not-reporting-kh-thu-2021-2025-nationwide",
    ),
]
ENGLISH_WORDS = {"report", "by", "province", "current", "nationwide", "progress", "detailed", "of", "the"}


def attachment_filename(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.endswith('"'), disposition
    return disposition.removeprefix('attachment; filename="').removesuffix('"')


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(("path", "params", "vietnamese", "english"), FILE_NAMES)
def test_the_file_is_named_in_the_readers_language(
    world, client_for, central_admin, path, params, vietnamese, english, file_format
):
    client = client_for(central_admin)
    path = f"{path.format(thai_nguyen=world.thai_nguyen.pk)}.{file_format}"
    today = f"{timezone.localdate():%Y%m%d}"

    by_default = attachment_filename(fetch(client, path, world, **params))
    assert by_default == f"{vietnamese}-{today}.{file_format}"
    assert not set(by_default.split(".")[0].split("-")) & ENGLISH_WORDS, by_default
    assert attachment_filename(fetch(client, path, world, "vi", **params)) == by_default

    assert (
        attachment_filename(fetch(client, path, world, "en", **params)) == f"{english}-{today}.{file_format}"
    )


@pytest.mark.parametrize("dimension", BREAKDOWN_DIMENSIONS)
def test_no_breakdown_file_is_named_after_an_internal_key(world, client_for, central_admin, dimension):
    client = client_for(central_admin)
    by_default = attachment_filename(fetch(client, "breakdown/export.csv", world, dimension=dimension))
    in_english = attachment_filename(fetch(client, "breakdown/export.csv", world, "en", dimension=dimension))
    assert by_default.startswith("bao-cao-theo-") and in_english.startswith("report-by-")
    assert "_" not in by_default + in_english
    assert not set(by_default.split("-")) & ENGLISH_WORDS, by_default
    # "year" and "region" are English words of their own; the keys of two words never show.
    assert "current" not in by_default + in_english and "ethnic-minority" not in by_default
    assert by_default != in_english


def test_summary_csv_in_english(world, client_for, central_admin):
    rows = csv_rows(download(client_for(central_admin), "summary/export.csv", world, "en"))
    preamble = [row[0] for row in rows[:12] if row]
    assert preamble[0] == "MINISTRY OF HOME AFFAIRS"
    assert "SOCIALIST REPUBLIC OF VIETNAM" in preamble
    assert "REPORT ON THE TRAINING OF COMMUNE CADRES AND CIVIL SERVANTS" in preamble
    assert "Progress against the targets" in preamble
    headings, body, totals = table(rows)
    assert headings[:5] == ["No.", "Level", "Target (lượt)", "Achieved (lượt)", "Rate (%)"]
    assert "Spending (million VND)" in headings and "Cost per lượt (million VND)" in headings
    assert not any(word in headings for word in ("STT", "Cấp thực hiện", "Chỉ tiêu (lượt)", "Tỷ lệ (%)"))
    assert totals[1] == "Total"
    # The same figures as in Vietnamese.
    assert totals[column(headings, "Achieved (lượt)")] == "6"
    assert totals[column(headings, "Rate (%)")] == "10.00"


def test_gaps_and_history_csv_in_english(world, client_for, central_admin):
    client = client_for(central_admin)
    headings, body, totals = table(csv_rows(download(client, "history/export.csv", world, "en")))
    assert headings[:4] == ["No.", "Programme", "Period", "Target (lượt)"]
    assert body[-1][column(headings, "Source")] == "Live figures"
    headings, body, totals = table(csv_rows(download(client, "gaps/export.csv", world, "en")))
    assert headings[:3] == ["No.", "Unit", "Code"] and "Status" in headings
    assert totals[1] == "Total (32 provinces)"


def test_breakdown_xlsx_in_each_language(world, client_for, central_admin):
    client = client_for(central_admin)
    content = download(client, "breakdown/export.xlsx", world, dimension="current_province")
    sheet, rows = xlsx_rows(content)
    assert sheet.title == "Báo cáo"
    assert table(rows)[0][:5] == ["STT", "Đơn vị", "Chỉ tiêu (lượt)", "Đã thực hiện (lượt)", "Tỷ lệ (%)"]

    content = download(client, "breakdown/export.xlsx", world, "en", dimension="current_province")
    sheet, rows = xlsx_rows(content)
    assert sheet.title == "Report"
    assert rows[4][0] == "REPORT ON THE TRAINING OF COMMUNE CADRES AND CIVIL SERVANTS"
    headings, body, totals = table(rows)
    assert headings[:5] == ["No.", "Unit", "Target (lượt)", "Achieved (lượt)", "Rate (%)"]
    assert totals[1] == "Total" and len(body) == 34
    assert "PREPARED BY" in rows[-1] and "HEAD OF THE UNIT" in rows[-1]
