"""The one way a value goes into a spreadsheet cell: text that a spreadsheet would run as a formula
is neutralised, control characters are dropped, numbers stay numbers. Written into real XLSX
files (a normal and a write-only workbook) and read back with openpyxl."""

import datetime
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from courses.core.files.spreadsheet import cell_text, csv_value, xlsx_cell, xlsx_row

FORMULAS = ['=HYPERLINK("http://x","y")', "+84 912", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
# Stored text may hold any control character but NUL (PostgreSQL refuses it) and lone surrogates
# (UTF-8 cannot encode them); an imported file may hold those too.
DIRTY = "Xã\x0bĐồng\x00 Hỷ\x1f\x7f\x85\ud800\ufffe"


def test_text_a_spreadsheet_would_run_is_neutralised_in_csv():
    for text in FORMULAS:
        assert csv_value(text) == f"'{text}"
    assert csv_value("Hà Nội = thủ đô") == "Hà Nội = thủ đô"
    assert csv_value("") == ""
    assert csv_value(None) == ""


def test_numbers_stay_numbers():
    # Negative figures are ours, never neutralised: only text is.
    assert csv_value(-5) == -5
    assert csv_value(Decimal("-1.5"), places=2) == "-1.50"
    assert csv_value(2.25, places=1) == "2.2"
    assert csv_value(True) == "True"


def test_control_characters_are_dropped():
    assert cell_text(DIRTY) == ("XãĐồng Hỷ", False)
    # Tab, line feed and carriage return are text; a leading one is neutralised.
    assert cell_text("Dòng 1\nDòng 2\tx\r") == ("Dòng 1\nDòng 2\tx\r", False)
    # A control character in front of a formula does not hide it.
    assert cell_text("\x0b=1+2") == ("=1+2", True)
    assert csv_value("\x01@SUM(A1)") == "'@SUM(A1)"


def _read(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue())).active


VALUES = [*FORMULAS, DIRTY, -5, Decimal("-2.5"), 3.25, None, datetime.date(2026, 9, 1)]


def _check(row):
    formulas, (dirty, minus, decimal, fraction, empty, date) = row[: len(FORMULAS)], row[len(FORMULAS) :]
    for cell, text in zip(formulas, FORMULAS, strict=True):
        assert cell.data_type == "s", text  # text, never a formula
        assert cell.quotePrefix, text
        assert cell.value == text.replace("\r", "\n")  # XML reads a carriage return as a line feed
    assert dirty.value == "XãĐồng Hỷ"
    assert (minus.value, minus.data_type) == (-5, "n")
    assert decimal.value == -2.5 and fraction.value == 3.25
    assert date.value == datetime.datetime(2026, 9, 1)
    assert empty.value is None
    assert not any(cell.data_type == "f" for cell in row)


def test_xlsx_cells_of_a_normal_workbook():
    workbook = Workbook()
    for column, value in enumerate(VALUES, start=1):
        xlsx_cell(workbook.active.cell(row=1, column=column), value)
    _check(next(_read(workbook).iter_rows()))


def test_xlsx_rows_of_a_write_only_workbook():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Trang")
    sheet.append(xlsx_row(sheet, VALUES))
    _check(next(_read(workbook).iter_rows()))
