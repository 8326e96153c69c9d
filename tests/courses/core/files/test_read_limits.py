"""Uploaded files are read under limits counted as they are read (courses/core/files/read_limits.py,
courses/core/files/xlsx_reader.py): every hostile file is a prompt 400 on "file" through each endpoint that
takes a file, and what spreadsheets legitimately hold is still read as openpyxl reads it."""

from __future__ import annotations

import datetime
import functools
import io
import json
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from courses.core.errors import DomainError
from courses.core.files.read_limits import ReadBudget
from courses.core.files.tabular import Column, read_table
from courses.core.files.xlsx_reader import xlsx_rows
from courses.files.catalogue_file import COLUMNS as CATALOGUE_COLUMNS
from enrollment.files.attendance_report import COLUMNS as REPORT_COLUMNS
from enrollment.files.enrollment_file import COLUMNS as ENROLMENT_COLUMNS
from tests.api_helpers import assert_error
from tests.courses import hostile_files as hostile
from tests.factories import ClassSessionFactory, TrainingClassFactory

# Generous against a loaded CI machine; the old reader held a worker until gunicorn killed it at 30 s.
REFUSED_WITHIN_SECONDS = 5.0
ROOT = Path(__file__).resolve().parents[4]


def headings(columns) -> list[str]:
    return [c.heading for c in columns]


HOSTILE = {**hostile.XLSX_CORPUS, **hostile.CSV_CORPUS}


@functools.cache
def hostile_file(name: str, columns: tuple[Column, ...]) -> tuple[str, bytes]:
    """(file name, content) of a corpus file headed for `columns`, built once per run."""
    filename = "tep.csv" if name in hostile.CSV_CORPUS else "tep.xlsx"
    return filename, HOSTILE[name](headings(columns))


def refusal(content: bytes, filename: str, columns=ENROLMENT_COLUMNS) -> DomainError:
    with pytest.raises(DomainError) as caught:
        read_table(content=content, filename=filename, columns=columns)
    assert caught.value.status == 400
    assert [e.field for e in caught.value.errors] == ["file"]
    return caught.value


# --- each limit, as the reader counts it ------------------------------------------------------------


def test_the_limits_default_to_figures_no_real_file_reaches():
    assert django_settings.IMPORT_MAX_UNCOMPRESSED_BYTES == 100 * 1024 * 1024
    assert django_settings.IMPORT_MAX_PART_BYTES == 50 * 1024 * 1024
    assert django_settings.IMPORT_MAX_COMPRESSION_RATIO == 100
    assert django_settings.IMPORT_MAX_SHEET_ROWS == 50_000
    assert django_settings.IMPORT_MAX_COLUMNS == 200
    assert django_settings.IMPORT_MAX_CELLS == 1_000_000
    assert django_settings.IMPORT_MAX_CELL_CHARS == 32_767  # Excel's own limit for a cell
    assert django_settings.IMPORT_MAX_LINE_CHARS == 131_072
    assert django_settings.IMPORT_MAX_READ_SECONDS == 15


@pytest.mark.parametrize(
    ("build", "filename", "message"),
    [
        (hostile.million_empty_rows, "a.xlsx", "compressed abnormally (more than 100 to 1)"),
        (
            hostile.huge_shared_string,
            "a.xlsx",
            "“xl/sharedStrings.xml” of the file unpacks to more than 50 MB",
        ),
        # Its directory claims 1,000 bytes: what it inflates to is counted, and the string is cut off.
        (
            hostile.huge_shared_string_declared_small,
            "a.xlsx",
            "A cell of the file has more than 32767 characters",
        ),
        (hostile.compression_bomb, "a.xlsx", "compressed abnormally"),
        (hostile.compression_bomb_declared_small, "a.xlsx", "compressed abnormally"),
        (hostile.far_right_cell, "a.xlsx", "data in more than 200 columns"),
        (hostile.entity_expansion, "a.xlsx", "not a valid .xlsx"),
        (hostile.csv_huge_line, "a.csv", "A line of the CSV file is longer than 131072 characters"),
        (hostile.csv_huge_field, "a.csv", "A cell of the file has more than 32767 characters"),
        (hostile.csv_million_empty_lines, "a.csv", "more than 50000 rows, blank rows included"),
        (hostile.csv_many_columns, "a.csv", "data in more than 200 columns"),
    ],
)
def test_a_hostile_file_is_refused_naming_the_limit_it_passed(build, filename, message):
    content = build(headings(ENROLMENT_COLUMNS))
    started = time.monotonic()

    error = refusal(content, filename)

    assert time.monotonic() - started < REFUSED_WITHIN_SECONDS
    assert message in error.message
    assert error.code == "too_large" or "valid" in message


def test_empty_rows_are_counted_even_when_the_directory_hides_their_ratio():
    content = hostile.declare_small(hostile.million_empty_rows(["a"]), "xl/worksheets/sheet1.xml")

    assert "more than 50000 rows, blank rows included" in refusal(content, "a.xlsx").message


def test_cells_present_are_counted_blank_ones_included(settings):
    settings.IMPORT_MAX_CELLS = 1000
    row = b'<row r="2">' + b"<c/>" * 1001 + b"</row>"

    error = refusal(hostile.xlsx([hostile.inline_row(1, ["a"]), row]), "a.xlsx")

    assert "more than 1000 cells, blank cells included" in error.message


def test_csv_fields_are_counted_as_cells(settings):
    settings.IMPORT_MAX_CELLS = 1000

    error = refusal(b"a\n" + b",,,,,,,,,\n" * 200, "a.csv")

    assert "more than 1000 cells" in error.message


def test_the_bytes_inflated_are_counted_across_parts(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2000
    rows = [hostile.inline_row(n, [f"giá trị {n}"]) for n in range(1, 100)]

    assert "unpacks to more than 0 MB" in refusal(hostile.xlsx(rows), "a.xlsx").message


def test_the_bytes_one_part_inflates_to_are_counted(settings):
    settings.IMPORT_MAX_PART_BYTES = 2000
    content = hostile.declare_small(
        hostile.xlsx([hostile.inline_row(n, [f"giá trị {n}"]) for n in range(1, 100)]),
        "xl/worksheets/sheet1.xml",
    )

    assert (
        "“xl/worksheets/sheet1.xml” of the file unpacks to more than 0 MB"
        in refusal(content, "a.xlsx").message
    )


def test_a_read_past_its_time_is_refused(settings):
    settings.IMPORT_MAX_READ_SECONDS = 0

    assert "took more than 0 seconds" in refusal(hostile.xlsx(hostile.inline_row(1, ["a"])), "a.xlsx").message


def test_xml_elements_are_counted_wherever_they_are(settings):
    settings.IMPORT_MAX_CELLS = 10
    settings.IMPORT_MAX_SHEET_ROWS = 10  # 4 elements a cell and one a row: 50 elements at most
    content = hostile.xlsx(hostile.inline_row(1, ["a"]) + b"<x/>" * 60)

    assert "more than 50 XML elements" in refusal(content, "a.xlsx").message


def test_a_zip_directory_too_large_for_a_workbook_is_refused_before_it_is_read():
    """30,000 empty parts beside a good sheet: 1.8 MB of directory, an object each in zipfile."""
    buffer = io.BytesIO()
    sheet = io.BytesIO(hostile.xlsx(hostile.inline_row(1, ["a"])))
    with zipfile.ZipFile(sheet) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        for number in range(30_000):
            target.writestr(f"xl/media/padding-{number:05d}.bin", b"")

    assert "not a valid .xlsx" in refusal(buffer.getvalue(), "a.xlsx").message


def test_a_damaged_sheet_is_refused_without_exception_text():
    error = refusal(hostile.xlsx(b"<row><c><v>1</c></row>"), "a.xlsx")

    assert error.message == "The worksheet could not be read: the file is damaged."


# --- what spreadsheets legitimately hold is still read ----------------------------------------------

COLUMNS = (Column("name", ("Họ và tên",), required=True), Column("note", ("Ghi chú",)))


def test_the_declared_dimension_is_not_trusted_either_way():
    rows = [hostile.inline_row(1, ["Họ và tên", "Ghi chú"]), hostile.inline_row(5, ["An", "x"])]

    table = read_table(
        content=hostile.xlsx(rows, dimension="A1:XFD1048576"), filename="a.xlsx", columns=COLUMNS
    )

    assert [(r.number, r.values) for r in table.rows] == [(5, {"name": "An", "note": "x"})]


def test_rows_and_cells_without_references_shared_rich_and_phonetic_strings_and_1904_dates():
    strings = (
        b"<si><t>H\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan</t></si>"  # Họ và tên
        b"<si><t>Ghi ch\xc3\xba</t></si>"  # Ghi chú
        b"<si><r><rPr><b/></rPr><t>Nguy\xe1\xbb\x85n </t></r><r><t>An</t></r><rPh><t>PHONETIC</t></rPh></si>"
    )
    sheet = (
        b'<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>'
        b'<row><c t="s"><v>2</v></c><c s="1"><v>1</v></c></row>'
        b'<row><c t="str"><v>formula text</v></c><c t="b"><v>1</v></c></row>'
    )

    table = read_table(
        content=hostile.xlsx(sheet, strings=strings, date1904=True), filename="a.xlsx", columns=COLUMNS
    )

    assert [(r.number, r.values) for r in table.rows] == [
        (2, {"name": "Nguyễn An", "note": datetime.date(1904, 1, 2)}),
        (3, {"name": "formula text", "note": True}),
    ]


def test_a_workbook_saved_by_openpyxl_reads_as_openpyxl_reads_it():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["a", 1, 2.5, True, datetime.datetime(2026, 3, 15), datetime.time(7, 30), "=1+1", None, "x"])
    sheet.append([])
    sheet.append(
        [None, "Tiếng Việt  ", CellRichText(["thường ", TextBlock(InlineFont(b=True), "đậm")]), 1e20]
    )
    sheet["Z10"] = "xa"
    workbook.create_sheet("Trang hai").append(["không đọc"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    stored = io.BytesIO()  # the same parts not compressed, as some programs write them
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(stored, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info), zipfile.ZIP_STORED)

    reference = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    expected = {}
    for number, values in enumerate(reference.iter_rows(values_only=True), start=1):
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        if values:
            expected[number] = values

    assert {number: values for number, values in xlsx_rows(content, ReadBudget()) if values} == expected
    assert {
        number: values for number, values in xlsx_rows(stored.getvalue(), ReadBudget()) if values
    } == expected


# --- through the endpoints that take a file ---------------------------------------------------------


@pytest.fixture
def endpoints(db, trainer, central_admin, client_for):
    """name -> (client, url, columns) of every endpoint that reads an uploaded file."""
    session = ClassSessionFactory(training_class=TrainingClassFactory(trainers=[trainer]))
    return {
        "enrolment_import": (
            client_for(trainer),
            f"/api/v1/classes/{session.training_class_id}/enrollments/import",
            ENROLMENT_COLUMNS,
        ),
        "platform_report": (
            client_for(trainer),
            f"/api/v1/sessions/{session.pk}/attendance/platform-report",
            REPORT_COLUMNS,
        ),
        "catalogue_import": (client_for(central_admin), "/api/v1/curricula/import", CATALOGUE_COLUMNS),
    }


@pytest.mark.parametrize("endpoint", ["enrolment_import", "platform_report", "catalogue_import"])
@pytest.mark.parametrize("name", HOSTILE)
def test_each_hostile_file_is_a_prompt_400_on_file_through_each_endpoint(endpoints, endpoint, name):
    client, url, columns = endpoints[endpoint]
    filename, content = hostile_file(name, tuple(columns))
    started = time.monotonic()

    response = client.post(url, {"file": SimpleUploadedFile(filename, content)}, format="multipart")

    elapsed = time.monotonic() - started
    body = assert_error(response, 400)
    assert [e.get("field") for e in body["errors"]] == ["file"], body
    assert elapsed < REFUSED_WITHIN_SECONDS, f"{name} via {endpoint}: {elapsed:.1f} s"


# --- memory -----------------------------------------------------------------------------------------

_MEASURE = textwrap.dedent(
    """
    import json, resource, sys, tracemalloc
    import django
    django.setup()
    from courses.core.errors import DomainError
    from courses.core.files.tabular import read_table
    from enrollment.files.enrollment_file import COLUMNS
    content = open(sys.argv[1], "rb").read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        read_table(content=content, filename="a.xlsx", columns=COLUMNS)
        outcome = "read"
    except DomainError as error:
        outcome = error.message
    peak = tracemalloc.get_traced_memory()[1]
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"outcome": outcome, "python_peak_kb": peak // 1024, "rss_growth_kb": after - before}))
    """
)


@pytest.mark.parametrize("build", [hostile.huge_shared_string, hostile.huge_shared_string_declared_small])
def test_a_300_mb_shared_string_costs_the_worker_no_memory(build, tmp_path):
    """Measured in a process of its own: ru_maxrss is the process's peak."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(build(headings(ENROLMENT_COLUMNS)))

    run = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _MEASURE, str(path)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"{build.__name__} ({path.stat().st_size} bytes): {figures}")

    assert figures["outcome"] != "read"
    assert figures["python_peak_kb"] < 10 * 1024
    assert figures["rss_growth_kb"] < 20 * 1024


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"])
def test_csv_lines_end_as_any_program_ends_them(ending, settings):
    settings.IMPORT_MAX_LINE_CHARS = 20
    text = ending.join(
        ["Họ và tên;Ghi chú", "", "An;x", '"Bình' + ending + 'Thị";y', "Cường;z"]
    )  # no final ending

    table = read_table(content=text.encode(), filename="a.csv", columns=COLUMNS)

    assert [(r.number, r.values["name"], r.values["note"]) for r in table.rows] == [
        (3, "An", "x"),
        (4, f"Bình{ending}Thị", "y"),  # a quoted field keeps its line break
        (5, "Cường", "z"),
    ]
