"""Reading uploaded files (courses.core.files.tabular): the cell parsers every importer shares, and the
encodings files really come in."""

import codecs
import unicodedata

import pytest

from courses.core.errors import DomainError
from courses.core.files.cells import as_int
from courses.core.files.tabular import read_table
from tests.courses.encoded_files import (
    COLUMNS,
    HEADINGS,
    PEOPLE,
    font_bytes,
    roster_lines,
    typed_for_tcvn3,
    typed_for_vni,
    windows_1258_bytes,
    xlsx_of,
)


@pytest.mark.parametrize("value", ["Infinity", "-inf", "NaN", "sNaN", float("inf")])
def test_a_number_that_is_no_whole_number_is_refused_with_a_message(value):
    """Decimal reads these; int() of them raised OverflowError or InvalidOperation, which no importer
    catches: the import ended as a server error."""
    with pytest.raises(ValueError, match="không phải là số nguyên|is not a whole number|integer"):
        as_int(value, minimum=1)


# --- Encodings: what read_table stores from the files people really send -------------------------


def stored(table) -> list[tuple]:
    return [(row.get("full_name"), row.get("ethnicity"), row.get("position")) for row in table.rows]


EXPECTED = [tuple(unicodedata.normalize("NFC", value) for value in person) for person in PEOPLE]


@pytest.mark.parametrize(
    ("filename", "content", "encoding"),
    [
        ("ds.csv", roster_lines(delimiter=",").encode("utf-8"), "utf-8"),
        ("ds.csv", codecs.BOM_UTF8 + roster_lines().encode("utf-8"), "utf-8"),
        # As Microsoft Teams writes its reports: UTF-16 LE with BOM, tab-separated.
        ("ds.csv", codecs.BOM_UTF16_LE + roster_lines(delimiter="\t").encode("utf-16-le"), "utf-16-le"),
        ("ds.csv", codecs.BOM_UTF16_BE + roster_lines().encode("utf-16-be"), "utf-16-be"),
        ("ds.csv", roster_lines(delimiter="\t").encode("utf-16-le"), "utf-16-le"),
        ("ds.csv", windows_1258_bytes(roster_lines()), "windows-1258"),
        ("ds.csv", font_bytes(typed_for_tcvn3(roster_lines())), "tcvn3"),
        ("ds.csv", font_bytes(typed_for_vni(roster_lines(delimiter=","))), "vni"),
        ("ds.xlsx", xlsx_of([HEADINGS, *PEOPLE]), "xlsx"),
        ("ds.xlsx", xlsx_of([[typed_for_tcvn3(v) for v in row] for row in (HEADINGS, *PEOPLE)]), "tcvn3"),
        ("ds.xlsx", xlsx_of([[typed_for_vni(v) for v in row] for row in (HEADINGS, *PEOPLE)]), "vni"),
    ],
    ids=["utf-8-comma", "utf-8-bom", "teams-utf-16-le-tabs", "utf-16-be", "utf-16-le-no-bom", "cp1258",
         "tcvn3-csv", "vni-csv", "xlsx", "tcvn3-xlsx", "vni-xlsx"],
)  # fmt: skip
def test_a_roster_is_stored_as_the_same_nfc_text_whatever_its_encoding(filename, content, encoding):
    table = read_table(content=content, filename=filename, columns=COLUMNS)

    assert stored(table) == EXPECTED
    assert table.encoding == encoding
    assert table.headings == dict(zip(("full_name", "ethnicity", "position"), HEADINGS, strict=True))


def test_unicode_headings_typed_above_tcvn3_data_stay_as_typed():
    rows = [HEADINGS, *[[typed_for_tcvn3(value) for value in person] for person in PEOPLE]]

    table = read_table(content=xlsx_of(rows), filename="ds.xlsx", columns=COLUMNS)

    assert stored(table) == EXPECTED
    assert table.encoding == "tcvn3"


def test_western_and_ascii_names_are_stored_unchanged():
    text = "Ho va ten;Dan toc;Chuc vu\r\nAnna Müller;Kinh;Chuyên viên\r\nJohn Smith;Kinh;Guest\r\n"

    table = read_table(content=text.encode("cp1252"), filename="ds.csv", columns=COLUMNS)

    assert stored(table) == [("Anna Müller", "Kinh", "Chuyên viên"), ("John Smith", "Kinh", "Guest")]
    assert table.encoding == "windows-1252"


@pytest.mark.parametrize(
    ("filename", "typed", "named"), [("ds.xlsx", typed_for_tcvn3, "TCVN3"), ("ds.xlsx", typed_for_vni, "VNI")]
)
def test_a_sheet_half_unicode_half_legacy_font_is_refused_naming_the_font(filename, typed, named):
    rows = [HEADINGS, *PEOPLE[:3], *[[typed(value) for value in person] for person in PEOPLE[3:]]]

    with pytest.raises(DomainError) as caught:
        read_table(content=xlsx_of(rows), filename=filename, columns=COLUMNS)

    assert caught.value.status == 400
    assert caught.value.errors[0].field == "file"
    assert named in caught.value.message


def test_a_teams_like_report_is_split_on_tabs_although_its_dates_hold_commas():
    text = (
        "Họ và tên\tDân tộc\tChức vụ\r\n"
        "Nguyễn Thị Hồng Nhung\tKinh\t3/5/25, 9:00:00 AM\r\n"
        "Đặng Văn Ước\tTày\t3/5/25, 9:02:10 AM\r\n"
    )

    table = read_table(
        content=codecs.BOM_UTF16_LE + text.encode("utf-16-le"), filename="r.csv", columns=COLUMNS
    )

    assert stored(table) == [
        ("Nguyễn Thị Hồng Nhung", "Kinh", "3/5/25, 9:00:00 AM"),
        ("Đặng Văn Ước", "Tày", "3/5/25, 9:02:10 AM"),
    ]


def test_a_comma_csv_with_lists_in_a_cell_is_split_on_commas():
    text = "Họ và tên,Dân tộc,Chức vụ\r\nLò Thị Mỷ,Thái,Công chức; Tư pháp; Hộ tịch\r\nHoàng Văn Nam,Nùng,Bí thư\r\n"

    table = read_table(content=text.encode(), filename="r.csv", columns=COLUMNS)

    assert stored(table) == [
        ("Lò Thị Mỷ", "Thái", "Công chức; Tư pháp; Hộ tịch"),
        ("Hoàng Văn Nam", "Nùng", "Bí thư"),
    ]
