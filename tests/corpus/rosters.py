"""Province rosters (danh sách học viên) in the layouts provinces really send.

The official layout (the annex of a Sở Nội vụ dispatch) is taken as such lists are drawn up: the
two-column heading of the unit and the national motto, the title in capitals, the dispatch it goes
with, headings over two merged rows with the date of birth split into "Nam" and "Nữ" columns (the
date is written in the column of the person's sex), a row of column numbers, and the total and the
signatures below. Other files here move that layout around: a CSV saved from it, columns in another
order with extra ones, English headings, a cover sheet before the list, the headings repeated on
every printed page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import openpyxl

from tests.corpus.people import Person, people

UNIT = ("ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
DEPARTMENT = ("SỞ NỘI VỤ", "Độc lập - Tự do - Hạnh phúc")
TITLE = "DANH SÁCH HỌC VIÊN THAM GIA LỚP BỒI DƯỠNG TRỰC TUYẾN"
SUBTITLE = "(Kèm theo Công văn số 123/SNV-CCVC ngày 05 tháng 3 năm 2026 của Sở Nội vụ)"
POSITION = "Bí thư Đảng ủy"
COMMUNE = "Xã Bằng Thành"
PROVINCE = "Thái Nguyên"


@dataclass
class RosterFile:
    name: str
    content: bytes
    # What the import must do with it: the learners' ids it enrols, in file order, with the row each
    # came from; the headings it lists as ignored; the sheet it reads.
    rows: dict[int, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    sheet: str | None = None
    note: str = ""
    # What must be stored of a learner, by id ({"full_name": …, "commune__name": …}), where the
    # file says it in a special way.
    learners: dict[str, dict] = field(default_factory=dict)


def _save(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _title_block(sheet, width: int) -> int:
    """The unit, the motto, the title and the dispatch; returns the next free row."""
    half = width // 2
    for row, (left, right) in enumerate((UNIT, DEPARTMENT), start=1):
        sheet.cell(row, 1, left)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=half)
        sheet.cell(row, half + 1, right)
        sheet.merge_cells(start_row=row, start_column=half + 1, end_row=row, end_column=width)
    sheet.cell(4, 1, TITLE)
    sheet.merge_cells(start_row=4, start_column=1, end_row=4, end_column=width)
    sheet.cell(5, 1, SUBTITLE)
    sheet.merge_cells(start_row=5, start_column=1, end_row=5, end_column=width)
    return 7


def official_xlsx(persons: Sequence[Person], *, cover_sheet: bool = False) -> RosterFile:
    """The official layout; with `cover_sheet`, a sheet of instructions comes first."""
    workbook = openpyxl.Workbook()
    if cover_sheet:
        cover = workbook.active
        cover.title = "Hướng dẫn"
        cover["A1"] = "Hướng dẫn lập danh sách"
        cover["A2"] = "Ghi họ và tên có dấu; ngày sinh ghi vào cột Nam hoặc Nữ."
        sheet = workbook.create_sheet("DS học viên")
    else:
        sheet = workbook.active
        sheet.title = "DS học viên"
    width = 11
    top = _title_block(sheet, width)
    upper = ["STT", "Họ và tên", "Ngày, tháng, năm sinh", None, "Số định danh cá nhân", "Dân tộc", "Chức danh",
             "Đơn vị công tác", None, "Số điện thoại", "Ghi chú"]  # fmt: skip
    lower = [None, None, "Nam", "Nữ", None, None, None, "Xã/phường", "Tỉnh", None, None]
    for column, (up, low) in enumerate(zip(upper, lower, strict=True), start=1):
        if up is not None:
            sheet.cell(top, column, up)
        if low is not None:
            sheet.cell(top + 1, column, low)
    for column in (1, 2, 5, 6, 7, 10, 11):
        sheet.merge_cells(start_row=top, start_column=column, end_row=top + 1, end_column=column)
    sheet.merge_cells(start_row=top, start_column=3, end_row=top, end_column=4)
    sheet.merge_cells(start_row=top, start_column=8, end_row=top, end_column=9)
    for column in range(1, width + 1):
        sheet.cell(top + 2, column, f"({column})")
    expected = {}
    row = top + 3
    for number, p in enumerate(persons, start=1):
        values = [
            number,
            p.full_name,
            None,
            None,
            p.national_id,
            "Kinh",
            POSITION,
            COMMUNE,
            PROVINCE,
            "0912345678",
            "",
        ]
        values[2 if p.gender == "Nam" else 3] = p.born.strftime("%d/%m/%Y")
        for column, value in enumerate(values, start=1):
            if value not in (None, ""):
                sheet.cell(row, column, value)
        expected[row] = p.national_id
        row += 1
    sheet.cell(row, 1, f"Danh sách có {len(persons)} người.")
    sheet.cell(row + 2, 2, "NGƯỜI LẬP BIỂU")
    sheet.cell(row + 2, 8, "KT. GIÁM ĐỐC")
    sheet.cell(row + 3, 8, "PHÓ GIÁM ĐỐC")
    sheet.cell(row + 6, 8, "Nguyễn Văn Ký")
    return RosterFile(
        name="danh-sach-hoc-vien-thai-nguyen.xlsx",
        content=_save(workbook),
        rows=expected,
        ignored_columns=["Ghi chú"],
        sheet="DS học viên",
        note="the official layout: title block, headings on two merged rows, birth dates under Nam/Nữ"
        + (", after a sheet of instructions" if cover_sheet else ""),
    )


def _flat_rows(persons: Sequence[Person], headings: Sequence[str]) -> list[list]:
    rows = []
    for number, p in enumerate(persons, start=1):
        by_heading = {
            "STT": number,
            "Họ và tên": p.full_name,
            "Full name": p.full_name,
            "Số định danh cá nhân": p.national_id,
            "ID number": p.national_id,
            "Ngày sinh": p.born.strftime("%d/%m/%Y"),
            "Date of birth": p.born.isoformat(),
            "Giới tính": p.gender,
            "Gender": "Female" if p.gender == "Nữ" else "Male",
            "Chức danh": POSITION,
            "Position": POSITION,
            "Xã/phường": COMMUNE,
            "Commune": COMMUNE,
            "Tỉnh": PROVINCE,
            "Province": PROVINCE,
            "Trình độ chuyên môn": "Đại học",
            "Ghi chú": "",
        }
        rows.append([by_heading[h] for h in headings])
    return rows


def title_block_csv(persons: Sequence[Person]) -> RosterFile:
    """The official list saved as CSV by Excel in a Vietnamese locale: ";" and a title block."""
    headings = [
        "STT",
        "Họ và tên",
        "Số định danh cá nhân",
        "Ngày sinh",
        "Giới tính",
        "Chức danh",
        "Xã/phường",
        "Tỉnh",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([UNIT[0], "", "", "", UNIT[1]])
    writer.writerow([DEPARTMENT[0], "", "", "", DEPARTMENT[1]])
    writer.writerow([])
    writer.writerow([TITLE])
    writer.writerow([])
    writer.writerow(headings)
    writer.writerows(_flat_rows(persons, headings))
    writer.writerow([])
    writer.writerow(["", "Người lập biểu", "", "", "", "Giám đốc"])
    return RosterFile(
        name="danh-sach.csv",
        content=("\ufeff" + buffer.getvalue()).encode("utf-8"),
        rows={7 + i: p.national_id for i, p in enumerate(persons)},
        note="CSV with a title block above the headings and signatures below",
    )


def reordered_with_extras_xlsx(persons: Sequence[Person]) -> RosterFile:
    """Columns in another order, with columns the import doesn't read."""
    headings = ["Họ và tên", "Trình độ chuyên môn", "Giới tính", "Số định danh cá nhân", "Chức danh", "Ghi chú",
                "Ngày sinh", "Tỉnh", "Xã/phường"]  # fmt: skip
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(headings)
    for values in _flat_rows(persons, headings):
        sheet.append(values)
    return RosterFile(
        name="ds-lop.xlsx",
        content=_save(workbook),
        rows={2 + i: p.national_id for i, p in enumerate(persons)},
        ignored_columns=["Trình độ chuyên môn", "Ghi chú"],
        sheet="Sheet1",
        note="columns in another order, extra columns",
    )


def english_headings_xlsx(persons: Sequence[Person]) -> RosterFile:
    headings = ["Full name", "ID number", "Date of birth", "Gender", "Position", "Commune", "Province"]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Learners"
    sheet.append(headings)
    for values in _flat_rows(persons, headings):
        sheet.append(values)
    return RosterFile(
        name="learners.xlsx",
        content=_save(workbook),
        rows={2 + i: p.national_id for i, p in enumerate(persons)},
        sheet="Learners",
        note="English headings",
    )


def printed_pages_xlsx(persons: Sequence[Person], *, page: int = 3) -> RosterFile:
    """A list laid out for printing: the headings repeated at the top of every page."""
    headings = [
        "STT",
        "Họ và tên",
        "Số định danh cá nhân",
        "Ngày sinh",
        "Giới tính",
        "Chức danh",
        "Xã/phường",
    ]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "In"
    expected = {}
    for start in range(0, len(persons), page):
        sheet.append(headings)
        for values, p in zip(
            _flat_rows(persons[start : start + page], headings), persons[start : start + page], strict=True
        ):
            sheet.append(values)
            expected[sheet.max_row] = p.national_id
    return RosterFile(
        name="ds-in.xlsx",
        content=_save(workbook),
        rows=expected,
        sheet="In",
        note="headings repeated per page",
    )


def grouped_by_commune_xlsx(persons: Sequence[Person]) -> RosterFile:
    """People listed by commune, the commune's cell merged down over its people's rows, and the
    name split into "Họ đệm" and "Tên" cells under one "Họ và tên" merged across both (so the list
    sorts by given name in Excel)."""
    communes = ["Xã Tân Cương", "Phường Linh Sơn"]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Theo xã"
    sheet.append(
        ["STT", "Họ và tên", None, "Số định danh cá nhân", "Ngày sinh", "Giới tính", "Chức danh", "Xã/phường"]
    )
    sheet.merge_cells("B1:C1")
    expected, stored = {}, {}
    half = (len(persons) + 1) // 2
    for group, members in enumerate((persons[:half], persons[half:])):
        first_row = sheet.max_row + 1
        for p in members:
            family, given = p.full_name.rsplit(" ", 1)
            row = sheet.max_row + 1
            values = [row - 1, family, given, p.national_id, p.born.strftime("%d/%m/%Y"), p.gender, POSITION]
            for column, value in enumerate(values, start=1):
                sheet.cell(row, column, value)
            expected[row] = p.national_id
            stored[p.national_id] = {"full_name": p.full_name, "commune__name": communes[group]}
        sheet.cell(first_row, 8, communes[group])
        if len(members) > 1:
            sheet.merge_cells(start_row=first_row, start_column=8, end_row=sheet.max_row, end_column=8)
    roster = RosterFile(
        name="ds-theo-xa.xlsx",
        content=_save(workbook),
        rows=expected,
        sheet="Theo xã",
        note="the commune merged down over its people's rows; the name in two cells under one heading",
    )
    roster.learners = stored
    return roster


def all_rosters() -> list[RosterFile]:
    """Every roster of the corpus, each with its own made-up people."""
    return [
        official_xlsx(people(5, seed=1)),
        official_xlsx(people(4, seed=2), cover_sheet=True),
        title_block_csv(people(4, seed=3)),
        reordered_with_extras_xlsx(people(3, seed=4)),
        english_headings_xlsx(people(3, seed=5)),
        printed_pages_xlsx(people(7, seed=6)),
        grouped_by_commune_xlsx(people(5, seed=10)),
    ]


def messy_rosters() -> list[MessyRoster]:
    crowd = people(40, seed=9)
    woman = next(p for p in crowd[5:] if p.gender == "Nữ")
    return [messy_xlsx([*crowd[:5], woman])]


@dataclass
class MessyRoster:
    """A list as a clerk keeps it: ids typed as numbers or grouped, people listed twice, an old CMND."""

    name: str
    content: bytes
    note: str
    # (row, field, code) of the errors and warnings the dry run must report, and nothing else.
    errors: list[tuple[int, str, str]]
    warnings: list[tuple[int, str, str]]
    # The 12-digit ids the file enrols once its errors are fixed (the rows without error).
    enrolled: set[str]


def messy_xlsx(persons: Sequence[Person]) -> MessyRoster:
    a, b, c, d, e, f = persons[:6]
    headings = ["STT", "Họ và tên", "Số định danh cá nhân", "Ngày sinh", "Giới tính", "Dân tộc", "Chức danh"]
    female_as_male = (
        f.national_id[:3] + str(int(f.national_id[3]) - 1) + f.national_id[4:] if f.gender == "Nữ" else None
    )

    def row(n, p, national_id=None, **over):
        values = {
            "STT": n,
            "Họ và tên": p.full_name,
            "Số định danh cá nhân": national_id if national_id is not None else p.national_id,
            "Ngày sinh": p.born.strftime("%d/%m/%Y"),
            "Giới tính": p.gender,
            "Dân tộc": "Kinh",
            "Chức danh": POSITION,
        }
        values.update(over)
        return [values[h] for h in headings]

    grouped = f"{b.national_id[:3]} {b.national_id[3:6]} {b.national_id[6:]}"  # "019 085 012345"
    dotted = ".".join(c.national_id[i : i + 3] for i in range(0, 12, 3))  # "019.085.012.345"
    rows = [
        row(1, a, int(a.national_id)),  # an Excel number: the leading zeros are lost
        row(2, b, grouped),
        row(3, c, dotted),
        row(4, a, int(a.national_id)),  # row 2 again, word for word: merged without a word
        row(5, b, grouped, **{"Dân tộc": "Kinh ", "Chức danh": "Văn phòng - Thống kê"}),
        row(6, d, "123456789"),  # an old CMND nobody has stored
        row(7, e, e.national_id, **{"Ngày sinh": "01/01/1950"}),  # the id says another birth year
    ]
    enrolled = {a.national_id, b.national_id, c.national_id, e.national_id}
    warnings = [
        (2, "national_id", "padded"),
        (5, "national_id", "padded"),
        (6, "national_id", "duplicate_merged"),
        (8, "national_id", "national_id_mismatch"),
    ]
    rows.append(row(8, f, female_as_male))  # a man's digit on a woman's row
    warnings.append((9, "national_id", "national_id_mismatch"))
    enrolled.add(female_as_male)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    sheet.append(headings)
    for values in rows:
        sheet.append(values)
    return MessyRoster(
        name="ds-chua-chuan.xlsx",
        content=_save(workbook),
        note="ids as numbers, grouped and dotted; a person listed twice word for word and once with "
        "another position; an old CMND; ids that disagree with the birth year and the sex",
        errors=[(7, "national_id", "cmnd_not_national_id")],
        warnings=warnings,
        enrolled=enrolled,
    )
