"""The catalogue import service, the tabular reader and the import_catalogue command."""

import datetime
import unicodedata
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from courses.core.errors import DomainError
from courses.core.files.tabular import read_table
from courses.files.catalogue_file import COLUMNS
from courses.models import Curriculum, CurriculumStatus, Material, Topic
from courses.services.catalogue import catalogue_import
from tests.courses.catalogue_files import HEADINGS, csv_bytes, curriculum_rows, good_catalogue, xlsx_bytes
from tests.factories import UserFactory


def run_import(content: bytes, filename: str = "danh-muc.xlsx", *, dry_run: bool = False):
    table = read_table(content=content, filename=filename, columns=COLUMNS)
    return catalogue_import(rows=table.rows, dry_run=dry_run, user=None)


def snapshot():
    return {
        "curricula": sorted(
            Curriculum.objects.values_list(
                "id", "code", "version", "title_vi", "status", "is_starter", "updated_at", "area_type"
            )
        ),
        "topics": sorted(Topic.objects.values_list("id", "curriculum_id", "order", "title_vi", "hours")),
        "materials": sorted(Material.objects.values_list("id", "curriculum_id", "order", "title", "url")),
        "positions": sorted(Curriculum.positions.through.objects.values_list("curriculum_id", "position_id")),
    }


def errors_of(report) -> set[tuple[int, str]]:
    return {(e.row, e.field) for e in report.errors}


def assert_good_catalogue_stored():
    tu_phap = Curriculum.objects.get(code="tu-phap-dong-bang", version=1)
    assert tu_phap.title_vi == "Bồi dưỡng chuyên sâu công chức Tư pháp - hộ tịch (vùng đồng bằng)"
    assert tu_phap.title_en.startswith("In-depth training")
    assert tu_phap.area_type == "plains"
    assert tu_phap.issued_on == datetime.date(2026, 3, 15)
    assert tu_phap.issued_by == "123/QĐ-BNV"
    assert tu_phap.status == CurriculumStatus.ACTIVE
    assert tu_phap.has_final_assessment is True
    assert tu_phap.is_starter is False
    assert list(tu_phap.positions.values_list("code", flat=True)) == ["tu-phap-ho-tich"]
    assert list(tu_phap.topics.values_list("order", "title_vi", "hours")) == [
        (1, "Những vấn đề chung về công tác tư pháp", Decimal("4.0")),
        (2, "Kỹ năng đăng ký hộ tịch", Decimal("8.0")),
        (3, "Hòa giải ở cơ sở", Decimal("2.5")),
    ]
    assert tu_phap.total_hours == Decimal("14.5")
    assert list(tu_phap.materials.values_list("kind", "title", "url")) == [
        ("document", "Sổ tay nghiệp vụ hộ tịch", ""),
        ("link", "Bài giảng điện tử", "https://example.gov.vn/bai-giang"),
    ]

    ubnd = Curriculum.objects.get(code="ubnd-mien-nui", version=1)
    assert ubnd.area_type == "mountain"
    assert ubnd.issued_on == datetime.date(2026, 4, 1)
    assert ubnd.has_final_assessment is False
    assert set(ubnd.positions.values_list("code", flat=True)) == {"chu-tich-ubnd", "pho-chu-tich-ubnd"}
    assert list(ubnd.topics.values_list("order", "hours")) == [(1, Decimal("6.0")), (2, Decimal("4.0"))]


def test_good_xlsx_file_imports_curricula_topics_positions_and_hours(db):
    report = run_import(xlsx_bytes(good_catalogue()))

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.total_rows == 5
    assert [(i["code"], i["row"], i["action"]) for i in report.items] == [
        ("tu-phap-dong-bang", 2, "created"),
        ("ubnd-mien-nui", 5, "created"),
    ]
    assert_good_catalogue_stored()


@pytest.mark.parametrize(("delimiter", "bom"), [(";", True), (",", False)])
def test_good_csv_file_imports(db, delimiter, bom):
    report = run_import(csv_bytes(good_catalogue(), delimiter=delimiter, bom=bom), "danh-muc.csv")

    assert report.errors == []
    assert report.created == 2
    assert_good_catalogue_stored()


def test_one_bad_row_imports_nothing_and_names_the_row_and_field(db):
    rows = good_catalogue()
    rows[3]["Số tiết"] = 0  # the first topic of the second curriculum: spreadsheet row 5
    before = snapshot()

    report = run_import(xlsx_bytes(rows))

    assert errors_of(report) == {(5, "hours")}
    assert report.errors[0].message.startswith("Số tiết:")
    assert report.created == 0
    assert snapshot() == before
    assert not Curriculum.objects.filter(code__in=["tu-phap-dong-bang", "ubnd-mien-nui"]).exists()


def test_every_error_of_every_row_is_reported(db):
    rows = [
        *curriculum_rows(
            "a-1",
            issued_on="31/02/2026",  # row 2: no such date
            positions="tu-phap-ho-tich; thủ quỹ",  # row 2: unknown position
            area="hải đảo",  # row 2: not an area type
            topics=((1, "Một", 4), (1, "Hai", 4), (3, "Ba", -2)),  # row 3 duplicate order, row 4 hours
        ),
        # Rows 5-6: the title differs between rows of the same code and version.
        *curriculum_rows("b-1", title="Tên thứ nhất", repeat=True, topics=((1, "Một", 4), (2, "Hai", 4))),
    ]
    rows[4]["Tên bộ chương trình"] = "Tên thứ hai"
    rows.append({"STT chuyên đề": "x", "Tên chuyên đề": "", "Số tiết": "bốn"})  # row 7
    rows.append({"Mã bộ": "c 1", "Trạng thái": "sắp áp dụng", "Kiểm tra cuối khoá": "có thể"})  # row 8
    rows.append(
        {"Mã bộ": "d-1", "Phiên bản": 0, "STT chuyên đề": 1, "Tên chuyên đề": "Một", "Số tiết": 1.25}
    )  # row 9

    report = run_import(xlsx_bytes(rows))

    assert errors_of(report) == {
        (2, "positions"),
        (2, "area_type"),
        (2, "issued_on"),
        (3, "topic_order"),
        (4, "hours"),
        (6, "title_vi"),
        (7, "topic_order"),
        (7, "topic_title"),
        (7, "hours"),
        (8, "code"),
        (8, "title_vi"),
        (8, "positions"),
        (8, "status"),
        (8, "has_final_assessment"),
        (8, "topic_order"),
        (8, "topic_title"),
        (8, "hours"),
        (9, "version"),
        (9, "hours"),
    }
    by_place = {(e.row, e.field): e for e in report.errors}
    assert "thủ quỹ" in by_place[2, "positions"].message
    assert by_place[3, "topic_order"].code == "duplicate"
    assert "row 2" in by_place[3, "topic_order"].message
    assert by_place[6, "title_vi"].code == "inconsistent"
    assert by_place[7, "topic_title"].code == "required"
    assert Curriculum.objects.filter(code__in=["a-1", "b-1"]).count() == 0


def test_a_curriculum_needs_a_title_positions_and_a_topic(db):
    rows = [{"Mã bộ": "khong-ten", "Tài liệu": "Sổ tay"}]

    report = run_import(xlsx_bytes(rows))

    assert errors_of(report) == {(2, "title_vi"), (2, "positions"), (2, "topic_title")}


def test_a_first_row_without_code_is_an_error(db):
    rows = curriculum_rows("x")
    rows[0]["Mã bộ"] = None

    report = run_import(xlsx_bytes(rows))

    assert errors_of(report) == {(2, "code")}


def test_rows_below_a_bad_version_are_not_added_to_the_curriculum_above(db):
    rows = [*curriculum_rows("a"), *curriculum_rows("b", version="hai")]

    report = run_import(xlsx_bytes(rows))

    # Row 5 continues "b"; added to "a" it would repeat topic 2.
    assert errors_of(report) == {(4, "version")}


def test_a_row_may_carry_only_a_material(db):
    rows = curriculum_rows(
        "a", topics=((1, "Một", 4),), materials=(("Giáo trình", ""), ("Video", "https://a.vn/v"))
    )

    report = run_import(xlsx_bytes(rows))

    assert report.errors == []
    assert list(Curriculum.objects.get(code="a").materials.values_list("kind", "title")) == [
        ("document", "Giáo trình"),
        ("link", "Video"),
    ]


def test_dry_run_reports_what_would_change_and_imports_nothing(db):
    before = snapshot()

    report = run_import(xlsx_bytes(good_catalogue()), dry_run=True)

    assert report.errors == []
    assert report.dry_run is True
    assert report.created == 2
    assert snapshot() == before


def test_decomposed_unicode_is_stored_composed(db):
    title = "Bồi dưỡng kỹ năng quản lý đất đai"
    topic = "Thống kê, kiểm kê đất đai"
    nfd = unicodedata.normalize("NFD", title)
    assert nfd != title
    rows = curriculum_rows(
        "dia-chinh",
        title=nfd,
        positions=unicodedata.normalize("NFD", "Tài chính - kế toán"),
        topics=((1, unicodedata.normalize("NFD", topic), 4),),
    )

    report = run_import(csv_bytes(rows), "nfd.csv")

    assert report.errors == []
    curriculum = Curriculum.objects.get(code="dia-chinh")
    assert curriculum.title_vi == title
    assert curriculum.topics.get().title_vi == topic
    assert list(curriculum.positions.values_list("code", flat=True)) == ["tai-chinh-ke-toan"]
    assert Curriculum.objects.search("quan ly dat dai").filter(code="dia-chinh").exists()


def test_importing_the_same_file_twice_changes_nothing(db):
    content = xlsx_bytes(good_catalogue())
    run_import(content)
    before = snapshot()

    report = run_import(content)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert report.retired == []
    assert snapshot() == before


def test_a_changed_topic_updates_the_version_in_place(db):
    run_import(xlsx_bytes(good_catalogue()))
    rows = good_catalogue()
    rows[0]["Số tiết"] = 6
    rows[2]["Tên chuyên đề"] = "Hòa giải và trợ giúp pháp lý ở cơ sở"

    report = run_import(xlsx_bytes(rows))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    curriculum = Curriculum.objects.get(code="tu-phap-dong-bang", version=1)
    assert list(curriculum.topics.values_list("order", "hours")) == [
        (1, Decimal("6.0")),
        (2, Decimal("8.0")),
        (3, Decimal("2.5")),
    ]
    assert curriculum.topics.get(order=3).title_vi == "Hòa giải và trợ giúp pháp lý ở cơ sở"


def test_a_new_active_version_retires_the_old_one_and_leaves_it_in_place(db):
    run_import(xlsx_bytes(curriculum_rows("tu-phap", topics=((1, "Cũ", 4), (2, "Cũ hai", 4)))))
    old = Curriculum.objects.get(code="tu-phap", version=1)

    report = run_import(xlsx_bytes(curriculum_rows("tu-phap", version=2, topics=((1, "Mới", 6),))))

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    assert report.retired == ["tu-phap v1"]
    old.refresh_from_db()
    assert old.status == CurriculumStatus.RETIRED
    assert list(old.topics.values_list("title_vi", flat=True)) == ["Cũ", "Cũ hai"]
    new = Curriculum.objects.get(code="tu-phap", version=2)
    assert new.status == CurriculumStatus.ACTIVE
    assert list(new.topics.values_list("title_vi", flat=True)) == ["Mới"]


def test_a_file_with_every_version_keeps_only_the_newest_active(db):
    rows = [
        *curriculum_rows("tu-phap", topics=((1, "Cũ", 4),)),
        *curriculum_rows("tu-phap", version=2, topics=((1, "Mới", 6),)),
    ]

    first = run_import(xlsx_bytes(rows))
    again = run_import(xlsx_bytes(rows))

    assert first.retired == ["tu-phap v1"]
    statuses = dict(Curriculum.objects.filter(code="tu-phap").values_list("version", "status"))
    assert statuses == {1: "retired", 2: "active"}
    assert (again.created, again.updated, again.unchanged, again.retired) == (0, 0, 2, [])


def test_reimporting_an_old_version_does_not_reactivate_it(db):
    run_import(xlsx_bytes(curriculum_rows("tu-phap", topics=((1, "Cũ", 4),))))
    run_import(xlsx_bytes(curriculum_rows("tu-phap", version=2, topics=((1, "Mới", 6),))))

    report = run_import(xlsx_bytes(curriculum_rows("tu-phap", topics=((1, "Cũ", 4),))))

    assert report.unchanged == 1
    statuses = dict(Curriculum.objects.filter(code="tu-phap").values_list("version", "status"))
    assert statuses == {1: "retired", 2: "active"}


def test_blank_version_on_the_next_row_of_the_same_code_keeps_its_version(db):
    rows = curriculum_rows("tu-phap", version=3, repeat=True, topics=((1, "Một", 4), (2, "Hai", 4)))
    rows[1]["Phiên bản"] = None

    report = run_import(xlsx_bytes(rows))

    assert report.errors == []
    assert Curriculum.objects.get(code="tu-phap", version=3).topics.count() == 2


def test_an_imported_curriculum_replaces_the_starter_one(db):
    starter = Curriculum.objects.get(code="csau-ubnd-dong-bang", version=1)
    assert starter.is_starter

    run_import(
        xlsx_bytes(curriculum_rows("CSAU-UBND-DONG-BANG", positions="chu-tich-ubnd", topics=((1, "Một", 4),)))
    )

    starter.refresh_from_db()
    assert starter.is_starter is False
    assert list(starter.topics.values_list("title_vi", flat=True)) == ["Một"]


def test_importing_needs_a_central_admin(db, province_admin):
    table = read_table(content=xlsx_bytes(good_catalogue()), filename="a.xlsx", columns=COLUMNS)

    with pytest.raises(DomainError) as caught:
        catalogue_import(rows=table.rows, dry_run=True, user=province_admin)

    assert caught.value.status == 403
    assert catalogue_import(rows=table.rows, dry_run=True, user=UserFactory(is_superuser=True)).created == 2


# --- the tabular reader ---------------------------------------------------------------------------


def test_headings_match_without_case_diacritics_or_punctuation(db):
    spelling = {h: h.upper() for h in HEADINGS} | {"Mã bộ": "ma bo (*)", "Số tiết": "hours"}
    rows = [{spelling[h]: v for h, v in row.items()} for row in good_catalogue()]

    table = read_table(
        content=xlsx_bytes(rows, [spelling[h] for h in HEADINGS]), filename="A.XLSX", columns=COLUMNS
    )

    assert table.headings["code"] == "ma bo (*)"
    assert table.headings["title_vi"] == "TÊN BỘ CHƯƠNG TRÌNH"
    assert table.rows[0].values["code"] == "tu-phap-dong-bang"
    assert table.rows[0].values["hours"] == 4
    assert catalogue_import(rows=table.rows, dry_run=True, user=None).created == 2


def test_rows_are_numbered_as_the_sheet_shows_them_and_blank_rows_are_skipped(db):
    rows = curriculum_rows("x", topics=((1, "Một", 4), (2, "Hai", 0)))

    report = run_import(xlsx_bytes(rows, blank_rows_before={1: 2}))

    assert errors_of(report) == {(5, "hours")}


def test_excel_numbers_and_dates_are_read_as_values(db):
    table = read_table(content=xlsx_bytes(curriculum_rows("x")), filename="a.xlsx", columns=COLUMNS)

    first = table.rows[0].values
    assert first["version"] == 1 and isinstance(first["version"], int)
    assert first["topic_order"] == 1 and isinstance(first["topic_order"], int)
    assert first["issued_on"] == datetime.date(2026, 3, 15)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("danh-muc.txt", b"a,b", "Unsupported file type"),
        ("danh-muc.xls", b"\xd0\xcf\x11\xe0", ".xls"),
        ("danh-muc.xlsx", b"not a workbook", "not a valid .xlsx"),
        ("danh-muc.xlsx", b"PK\x03\x04broken zip", "not a valid .xlsx"),
        # Half Unicode, half typed for the TCVN3 font: neither reading is sure (courses.core.files.text_encodings).
        ("danh-muc.csv", "Mã bộ;Tên bộ chương trình\nNguyễn Văn An;Hoµng V¨n Nam\n", "TCVN3"),
        ("danh-muc.csv", b"", "empty"),
        ("danh-muc.csv", "Mã bộ,Tên bộ chương trình\n".encode(), "Required columns are missing"),
        ("danh-muc.csv", "\ufeff" + ";".join(HEADINGS) + "\n;;\n", "no data rows"),
        ("danh-muc.csv", ("Mã bộ;Mã;" + ";".join(HEADINGS[2:]) + "\n").encode(), "same field"),
    ],
)
def test_unreadable_files_are_refused_on_the_file_field(db, filename, content, message):
    if isinstance(content, str):
        content = content.encode()

    with pytest.raises(DomainError) as caught:
        read_table(content=content, filename=filename, columns=COLUMNS)

    assert caught.value.status == 400
    assert caught.value.errors[0].field == "file"
    assert message in caught.value.message


def test_too_many_rows_are_refused(db, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = curriculum_rows("x", topics=[(n, f"Chuyên đề {n}", 4) for n in range(1, 5)])

    with pytest.raises(DomainError) as caught:
        read_table(content=csv_bytes(rows), filename="a.csv", columns=COLUMNS)

    assert caught.value.errors[0].field == "file"
    assert "more than 3" in caught.value.message


# --- the management command -----------------------------------------------------------------------


def test_command_imports_a_file(db, tmp_path):
    path = tmp_path / "danh-muc.xlsx"
    path.write_bytes(xlsx_bytes(good_catalogue()))
    out = StringIO()

    call_command("import_catalogue", str(path), stdout=out)

    assert "2 created, 0 updated, 0 unchanged" in out.getvalue()
    assert_good_catalogue_stored()


def test_command_dry_run_imports_nothing(db, tmp_path):
    path = tmp_path / "danh-muc.csv"
    path.write_bytes(csv_bytes(good_catalogue()))
    out = StringIO()

    call_command("import_catalogue", str(path), "--dry-run", stdout=out)

    assert "Dry run, nothing imported" in out.getvalue()
    assert not Curriculum.objects.filter(code="tu-phap-dong-bang").exists()


def test_command_prints_every_error_and_fails(db, tmp_path):
    rows = good_catalogue()
    rows[1]["Số tiết"] = -1
    rows[3]["Chức danh"] = "Trưởng thôn"
    path = tmp_path / "danh-muc.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    err = StringIO()

    with pytest.raises(CommandError, match="2 error"):
        call_command("import_catalogue", str(path), stderr=err)

    assert "row 3, hours: Số tiết:" in err.getvalue()
    assert "row 5, positions:" in err.getvalue()
    assert not Curriculum.objects.filter(code="tu-phap-dong-bang").exists()


def test_command_fails_on_a_missing_or_unreadable_file(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_catalogue", str(tmp_path / "missing.xlsx"))
    bad = Path(tmp_path / "bad.pdf")
    bad.write_bytes(b"%PDF")
    with pytest.raises(CommandError, match="Unsupported file type"):
        call_command("import_catalogue", str(bad))
