"""Score sheets uploaded as XLSX or CSV: POST /api/v1/classes/{id}/scores/import (issue 12 item 8).

The class is attendance_world's (Thái Nguyên, three active learners, one withdrawn, one waitlisted;
a Hà Nội class beside it). Sheets are built by tests/enrollment/score_files.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from courses.models import ClassStatus
from enrollment.models import AuditEntry, Enrollment, LearnerDataAccess
from tests.api_helpers import assert_error
from tests.enrollment.score_files import csv_bytes, line, xlsx_bytes
from tests.roles import STAFF_OF_THE_CLASS, by_role, client_as


def url(training_class) -> str:
    return f"/api/v1/classes/{training_class.pk}/scores/import"


def post(client, training_class, content: bytes, name: str = "bang-diem.xlsx", **fields):
    data = {"file": SimpleUploadedFile(name, content), **fields}
    return client.post(url(training_class), data, format="multipart")


def scores(world) -> list:
    return [
        e.final_score for e in Enrollment.objects.filter(pk__in=[a.pk for a in world.active]).order_by("pk")
    ]


def as_excel_number(national_id: str) -> int:
    """The id typed into a General-formatted cell: Excel keeps a number, without the leading zero."""
    return int(national_id)


def class_sheet(world, cells) -> list[list]:
    """One row per active learner, in order, with the given score cells."""
    return [
        line(number, e.learner.full_name, as_excel_number(e.learner.national_id), cell)
        for number, (e, cell) in enumerate(zip(world.active, cells, strict=True), start=1)
    ]


class TestASheetIsRecorded:
    def test_the_dry_run_reports_what_the_real_run_then_does(self, attendance_world):
        world = attendance_world
        an, binh, cuong = world.active
        content = xlsx_bytes(class_sheet(world, [8.5, "7,25", None]))
        client = client_as(world.trainer)

        dry = post(client, world.training_class, content, dry_run="true")

        assert dry.status_code == 200, dry.content
        report = dry.json()
        assert report["dry_run"] is True
        assert (report["total_rows"], report["updated"], report["unchanged"]) == (3, 2, 0)
        assert report["details"] == {"updated": 2, "unchanged": 0, "blank": 1, "absent": 0}
        # The title block is passed over: headings on row 6, learners on rows 7-9.
        assert [(i["row"], i["full_name"], i["score"], i["action"]) for i in report["items"]] == [
            (7, "Nguyễn Văn An", "8.50", "updated"),
            (8, "Trần Thị Bình", "7.25", "updated"),
            (9, "Lê Văn Cường", None, "kept"),
        ]
        assert report["file"]["heading_rows"] == [6]
        assert report["file"]["sheet"] == "Bảng điểm"
        assert report["file"]["ignored_columns"] == ["Ghi chú"]
        assert report["file"]["columns"] == {
            "stt": "STT",
            "full_name": "Họ và tên",
            "national_id": "Số định danh cá nhân",
            "score": "Điểm đánh giá",
        }
        # Excel dropped each id's leading zero: restored, with a warning naming row and field.
        assert {(w["row"], w["field"], w["code"]) for w in report["warnings"]} == {
            (7, "national_id", "padded"),
            (8, "national_id", "padded"),
            (9, "national_id", "padded"),
        }
        assert scores(world) == [None, None, None]
        assert not AuditEntry.objects.filter(action="score").exists()

        real = post(client, world.training_class, content)

        assert real.status_code == 200, real.content
        assert {**real.json(), "dry_run": True} == report
        assert scores(world) == [Decimal("8.50"), Decimal("7.25"), None]
        audited = AuditEntry.objects.filter(action="score").order_by("entity_id")
        assert [(a.entity_id, a.after["final_score"], a.source) for a in audited] == [
            (an.pk, "8.50", "trainer"),
            (binh.pk, "7.25", "trainer"),
        ]
        # The report showed the learners' stored names and ids: recorded as a read of their data.
        assert set(LearnerDataAccess.objects.values_list("learner_id", flat=True)) == {
            an.learner_id,
            binh.learner_id,
            cuong.learner_id,
        }

        again = post(client, world.training_class, content).json()
        assert (again["updated"], again["unchanged"]) == (0, 2)
        assert AuditEntry.objects.filter(action="score").count() == 2

    def test_a_csv_with_comma_decimals_and_an_absent_learner(self, attendance_world):
        world = attendance_world
        an, binh, cuong = world.active
        Enrollment.objects.filter(pk=cuong.pk).update(final_score=Decimal("6.00"))
        rows = [
            line(1, an.learner.full_name, an.learner.national_id, "9,75"),
            line(2, binh.learner.full_name, binh.learner.national_id, "10"),
            line(3, cuong.learner.full_name, cuong.learner.national_id, "Vắng", "Ốm, có giấy"),
        ]

        response = post(client_as(world.trainer), world.training_class, csv_bytes(rows), "bang-diem.csv")

        assert response.status_code == 200, response.content
        report = response.json()
        assert report["file"]["sheet"] is None
        assert report["file"]["heading_rows"] == [3]
        assert [(w["row"], w["field"], w["code"]) for w in report["warnings"]] == [(6, "score", "absent")]
        assert "6,00" in report["warnings"][0]["message"]
        assert report["details"]["absent"] == 1
        # An absence is not a zero: the stored score stays.
        assert scores(world) == [Decimal("9.75"), Decimal("10.00"), Decimal("6.00")]

    def test_a_blank_cell_keeps_the_stored_score_and_says_so(self, attendance_world):
        world = attendance_world
        an = world.active[0]
        Enrollment.objects.filter(pk=an.pk).update(final_score=Decimal("7.00"))
        content = xlsx_bytes(class_sheet(world, [None, 8, 9]))

        report = post(client_as(world.trainer), world.training_class, content).json()

        assert (7, "score", "blank_kept") in {(w["row"], w["field"], w["code"]) for w in report["warnings"]}
        assert report["items"][0]["previous_score"] == "7.00"
        assert scores(world) == [Decimal("7.00"), Decimal("8.00"), Decimal("9.00")]

    def test_a_name_differing_from_the_stored_one_is_a_warning(self, attendance_world):
        world = attendance_world
        an = world.active[0]
        rows = [line(1, "Nguyễn Văn Anh", an.learner.national_id, 8)]
        # Without diacritics is the same name: no warning for it.
        rows.append(line(2, "TRAN THI BINH", world.active[1].learner.national_id, 7))

        report = post(client_as(world.trainer), world.training_class, xlsx_bytes(rows)).json()

        assert [(w["row"], w["field"], w["code"]) for w in report["warnings"]] == [
            (7, "full_name", "name_differs")
        ]
        assert "Nguyễn Văn An" in report["warnings"][0]["message"]
        assert scores(world)[:2] == [Decimal("8.00"), Decimal("7.00")]

    def test_the_same_learner_twice_with_the_same_score_is_taken_once(self, attendance_world):
        world = attendance_world
        an = world.active[0]
        rows = [line(1, an.learner.full_name, an.learner.national_id, "8,5")] * 2

        report = post(client_as(world.trainer), world.training_class, xlsx_bytes(rows)).json()

        assert [(w["row"], w["code"]) for w in report["warnings"]] == [(8, "duplicate_merged")]
        assert report["items"][0]["rows"] == [7, 8]
        assert report["updated"] == 1

    def test_rows_can_name_the_enrolment_id_instead(self, attendance_world):
        world = attendance_world
        an, binh, _cuong = world.active
        headings = ["TT", "Họ tên", "Mã ghi danh", "Kết quả"]
        rows = [[1, an.learner.full_name, an.pk, 6], [2, binh.learner.full_name, binh.pk, "5,5"]]

        response = post(client_as(world.trainer), world.training_class, xlsx_bytes(rows, headings=headings))

        assert response.status_code == 200, response.content
        assert scores(world)[:2] == [Decimal("6.00"), Decimal("5.50")]

    def test_the_sheet_with_the_scores_is_chosen_in_a_workbook(self, attendance_world):
        world = attendance_world
        instructions = [["HƯỚNG DẪN"], ["Điền điểm theo thang 10, lấy hai chữ số thập phân."]]
        content = xlsx_bytes(class_sheet(world, [5, 6, 7]), extra_sheets=(("Hướng dẫn", instructions),))
        client = client_as(world.trainer)

        report = post(client, world.training_class, content, dry_run="true").json()
        assert report["file"]["sheet"] == "Bảng điểm"
        assert report["file"]["sheets"] == ["Hướng dẫn", "Bảng điểm"]

        response = post(client, world.training_class, content, sheet="Bảng tổng hợp")
        assert {e["field"] for e in assert_error(response, 400)["errors"]} == {"sheet"}


class TestASheetWithErrorsStoresNothing:
    def test_every_row_error_is_named_by_row_and_field(self, attendance_world):
        world = attendance_world
        an, binh, cuong = world.active
        rows = [
            line(1, an.learner.full_name, an.learner.national_id, 11),
            line(2, binh.learner.full_name, binh.learner.national_id, "tám"),
            line(3, cuong.learner.full_name, cuong.learner.national_id, "8,125"),
            line(4, "Người Ngoài Lớp", world.other_enrollment.learner.national_id, 7),
            line(5, "Đã Rút", world.withdrawn.learner.national_id, 7),
            line(6, an.learner.full_name, an.learner.national_id, 9),
            line(7, binh.learner.full_name, binh.learner.national_id, 6),
            line(8, binh.learner.full_name, binh.learner.national_id, "6,5"),
            line(9, "Không Số", None, 5),
        ]
        Enrollment.objects.filter(pk=an.pk).update(final_score=Decimal("4.00"))

        for dry_run in ("true", "false"):
            response = post(client_as(world.trainer), world.training_class, xlsx_bytes(rows), dry_run=dry_run)

            body = assert_error(response, 400, "invalid")
            assert "Bảng điểm" in body["message"] and "bang-diem.xlsx" in body["message"]
            assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [
                (7, "score", "invalid"),
                (8, "score", "invalid"),
                (9, "score", "invalid"),
                (10, "national_id", "not_in_class"),
                (11, "national_id", "not_active"),
                (14, "score", "duplicate_conflict"),
                (15, "national_id", "required"),
            ]
            by_row = {e["row"]: e["message"] for e in body["errors"]}
            assert "“11”" in by_row[7] and "10" in by_row[7]
            # The conflicting rows are both named, with both scores.
            assert "14" in by_row[14] and "13" in by_row[14] and "6,50" in by_row[14]
            # Row 12 repeats row 7's learner with another score, but row 7 was refused already.
            assert scores(world) == [Decimal("4.00"), None, None]
            assert not AuditEntry.objects.filter(action="score").exists()

    def test_a_sheet_without_an_id_column_is_refused_naming_the_columns(self, attendance_world):
        world = attendance_world
        rows = [[1, e.learner.full_name, 8] for e in world.active]

        response = post(
            client_as(world.trainer),
            world.training_class,
            xlsx_bytes(rows, headings=["STT", "Họ và tên", "Điểm"]),
        )

        body = assert_error(response, 400)
        assert [e["field"] for e in body["errors"]] == ["file"]
        assert "Số định danh cá nhân" in body["message"] and "Mã ghi danh" in body["message"]

    def test_an_unknown_layout_is_refused_until_it_is_mapped(self, attendance_world):
        world = attendance_world
        headings = ["TT", "Tên cán bộ", "Mã định danh", "Điểm TB môn"]
        rows = [[n, e.learner.full_name, e.learner.national_id, "8,0"] for n, e in enumerate(world.active, 1)]
        content = xlsx_bytes(rows, headings=headings)
        client = client_as(world.trainer)

        refused = post(client, world.training_class, content, dry_run="true")

        message = assert_error(refused, 400)["errors"][0]["message"]
        # The missing column, the headings not understood, and that a mapping can be given.
        assert "“Điểm”" in message
        assert "“Mã định danh”" in message and "“Điểm TB môn”" in message
        assert "mapping" in message

        mapping = '{"Mã định danh": "national_id", "Điểm TB môn": "score", "Tên cán bộ": "full_name"}'
        response = post(client, world.training_class, content, dry_run="true", mapping=mapping)

        assert response.status_code == 200, response.content
        assert response.json()["file"]["columns"] == {
            "stt": "TT",
            "full_name": "Tên cán bộ",
            "national_id": "Mã định danh",
            "score": "Điểm TB môn",
        }
        assert response.json()["file"]["ignored_columns"] == []

        wrong = post(client, world.training_class, content, mapping='{"Điểm TB môn": "diem"}')
        assert {e["field"] for e in assert_error(wrong, 400)["errors"]} == {"mapping.Điểm TB môn"}
        assert scores(world) == [None, None, None]


class TestWhoMayUploadAScoreSheet:
    @by_role(STAFF_OF_THE_CLASS)
    def test_every_role(self, role, expected, attendance_world):
        world = attendance_world
        content = xlsx_bytes(class_sheet(world, [8, 8, 8]))

        response = post(client_as(world.users[role]), world.training_class, content)

        assert response.status_code == expected, response.content
        if expected == 200:
            assert scores(world) == [Decimal("8.00")] * 3
        else:
            assert_error(response, expected)
            assert scores(world) == [None] * 3

    def test_a_closed_class_takes_a_sheet_only_from_an_admin_with_a_reason(
        self, attendance_world, province_admin
    ):
        world = attendance_world
        world.training_class.status = ClassStatus.CLOSED
        world.training_class.save(update_fields=["status"])
        content = xlsx_bytes(class_sheet(world, [8, 8, 8]))

        assert_error(
            post(client_as(world.trainer), world.training_class, content, reason="Chấm lại"),
            403,
            "class_closed",
        )
        no_reason = post(client_as(province_admin), world.training_class, content)
        assert {e["field"] for e in assert_error(no_reason, 400)["errors"]} == {"reason"}
        assert scores(world) == [None] * 3

        response = post(client_as(province_admin), world.training_class, content, reason="Phúc khảo bài thi")

        assert response.status_code == 200, response.content
        assert scores(world) == [Decimal("8.00")] * 3
        assert set(AuditEntry.objects.filter(action="score").values_list("reason", "source")) == {
            ("Phúc khảo bài thi", "admin")
        }


def test_the_endpoint_is_documented():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/classes/{id}/scores/import"]["post"]
    assert operation["summary"] and "Vắng" in operation["description"]
    assert {"400", "401", "403", "404"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][body.rsplit("/", 1)[1]]["properties"]
    assert {"file", "dry_run", "sheet", "mapping", "mapping_id", "reason"} <= set(fields)
