"""Finding the table in a file (courses.core.files.tabular): headings below title blocks, on two rows, in the
right sheet; what is skipped and what is kept; a user's mapping; merged ranges, hostile ones too."""

import io
import zipfile

import openpyxl
import pytest

from courses.core.errors import DomainError
from courses.core.files.tabular import Column, read_table

COLUMNS = [
    Column("name", ("Họ và tên", "Full name"), required=True),
    Column("national_id", ("Số định danh cá nhân",), required=True),
    Column("score", ("Điểm",)),
]


def workbook_bytes(*sheets: tuple[str, list[list]], hidden: tuple[str, ...] = (), merges=()) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
        for sheet_title, cells in merges:
            if sheet_title == title:
                sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


LIST = [
    ["Họ và tên", "Số định danh cá nhân", "Điểm"],
    ["Lò Thị Mỷ", "019185000001", 8],
    ["Hà Văn Lực", "019085000002", 9],
]


def test_headings_are_found_below_a_title_block_and_rows_keep_their_sheet_numbers():
    rows = [["SỞ NỘI VỤ"], ["KẾT QUẢ ĐÁNH GIÁ"], [], *LIST]

    table = read_table(content=workbook_bytes(("Kết quả", rows)), filename="kq.xlsx", columns=COLUMNS)

    assert table.heading_rows == [4]
    assert [(r.number, r.values["name"]) for r in table.rows] == [(5, "Lò Thị Mỷ"), (6, "Hà Văn Lực")]


def test_headings_further_down_than_the_search_are_refused_naming_the_columns_needed():
    rows = [[f"Ghi chú {n}"] for n in range(1, 35)] + LIST

    with pytest.raises(DomainError) as caught:
        read_table(content=workbook_bytes(("Sheet1", rows)), filename="kq.xlsx", columns=COLUMNS)

    assert caught.value.errors[0].field == "file"
    assert "30" in caught.value.message and "Họ và tên" in caught.value.message


def test_a_first_data_row_of_small_numbers_is_data_not_column_numbers():
    columns = [
        Column("stt", ("STT",)),
        Column("class_id", ("Mã lớp",), required=True),
        Column("score", ("Điểm",)),
    ]
    rows = [["STT", "Mã lớp", "Điểm"], [1, 523, 8], [2, 524, 9]]

    table = read_table(content=workbook_bytes(("S", rows)), filename="a.xlsx", columns=columns)

    assert [r.number for r in table.rows] == [2, 3]
    assert table.skipped_rows == []


def test_a_hidden_sheet_is_passed_over_and_a_named_sheet_is_read():
    content = workbook_bytes(("Cũ", LIST), ("Mới", LIST[:2]), hidden=("Cũ",))

    chosen = read_table(content=content, filename="a.xlsx", columns=COLUMNS)
    named = read_table(content=content, filename="a.xlsx", columns=COLUMNS, sheet="cũ")
    by_number = read_table(content=content, filename="a.xlsx", columns=COLUMNS, sheet=1)

    assert (chosen.sheet, len(chosen.rows)) == ("Mới", 1)
    assert (named.sheet, len(named.rows)) == ("Cũ", 2)
    assert by_number.sheet == "Cũ"


def test_a_mapping_reads_a_layout_of_its_own_and_lists_what_it_left_out():
    rows = [["Người học", "Mã số", "Kết quả cuối khóa", "Đơn vị"], ["Lò Thị Mỷ", "019185000001", 7, "Xã A"]]
    content = workbook_bytes(("S", rows))

    with pytest.raises(DomainError):
        read_table(content=content, filename="a.xlsx", columns=COLUMNS)
    table = read_table(
        content=content,
        filename="a.xlsx",
        columns=COLUMNS,
        mapping={
            "NGƯỜI HỌC": "name",
            "Mã số": "national_id",
            "Kết quả cuối khóa": "score",
            "Đơn vị": "nowhere",
        },
    )

    assert table.rows[0].values == {"name": "Lò Thị Mỷ", "national_id": "019185000001", "score": 7}
    assert table.ignored_columns == ["Đơn vị"]
    assert table.describe()["columns"]["score"] == "Kết quả cuối khóa"


def with_merges(content: bytes, refs: list[str]) -> bytes:
    """The workbook with merged ranges written into its first sheet's XML as given (openpyxl would
    make a cell object for each cell of a range, which a hostile range makes endless)."""
    source, buffer = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs)
                data = data.replace(
                    b"</sheetData>",
                    f'</sheetData><mergeCells count="{len(refs)}">{cells}</mergeCells>'.encode(),
                )
            target.writestr(item, data)
    return buffer.getvalue()


def test_a_merged_range_down_the_whole_sheet_costs_only_the_rows_present():
    """C2:C1048576 merged: filling it cell by cell would be a million rows of work for two rows."""
    rows = [LIST[0], LIST[1], ["Hà Văn Lực", "019085000002"]]
    content = with_merges(workbook_bytes(("S", rows)), ["C2:C1048576", "D2:XFD1048576", "A1:A1"])

    table = read_table(content=content, filename="a.xlsx", columns=COLUMNS)

    assert [r.values["score"] for r in table.rows] == [8, 8]


def test_two_sheets_that_both_hold_a_list_are_refused_naming_them_until_one_is_chosen():
    content = workbook_bytes(("Lớp A", LIST), ("Lớp B", LIST[:2]))

    with pytest.raises(DomainError) as caught:
        read_table(content=content, filename="a.xlsx", columns=COLUMNS)
    chosen = read_table(content=content, filename="a.xlsx", columns=COLUMNS, sheet="Lớp B")

    assert caught.value.errors[0].field == "sheet"
    assert "Lớp A" in caught.value.message and "Lớp B" in caught.value.message
    assert (chosen.sheet, len(chosen.rows)) == ("Lớp B", 1)
