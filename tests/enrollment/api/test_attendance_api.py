"""The attendance API: every endpoint with every role, the roll call, closed classes, the history,
scores, what a learner sees, bounded queries and the OpenAPI schema."""

import datetime

import pytest
from django.urls import resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from courses.models import ClassStatus, Material, MaterialKind, Role
from enrollment.api import views_attendance
from enrollment.models import Attendance, AuditEntry, PresenceInterval, StaleClass
from enrollment.services.attendance_checkin import attendance_check_in
from enrollment.services.attendance_roll_call import attendance_mark_roster
from tests.api_helpers import assert_error, error_fields, upload_platform_report
from tests.factories import ClassSessionFactory, EnrollmentFactory, LearnerFactory, TopicFactory, UserFactory
from tests.roles import CLASS_ROLES, LEARNER_OF_THE_CLASS, READS_THE_CLASS, STAFF_OF_THE_CLASS, client_as

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def live_session(attendance_world):
    """A session of the world's class happening now, so check-in is open."""
    now = timezone.now()
    return ClassSessionFactory(
        training_class=attendance_world.training_class,
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(minutes=110),
        planned_minutes=120,
    )


def platform_csv(world) -> bytes:
    learner = world.active[0].learner
    return (
        "Họ và tên,Email,Thời gian vào,Thời gian ra\n"
        f"{learner.full_name},{learner.email},01/09/2026 08:00,01/09/2026 10:00\n"
    ).encode()


# --- every endpoint with every role --------------------------------------------------------------

# Beside the tables of tests.roles: the bulk endpoint names the records out of reach (400) rather than answering 404 for a batch.
STAFF_OF_THE_CLASS_IN_BULK = {**STAFF_OF_THE_CLASS, "other_trainer": 400, "other_province_admin": 400}
# Lists of one's own: another learner gets their own (empty) list.
LEARNERS_OWN_LIST = {**LEARNER_OF_THE_CLASS, "other_learner": 200}


def _call(name, client, world, live):
    session, enrollment, klass = world.session, world.active[0], world.training_class
    if name == "sheet":
        return client.get(f"/api/v1/sessions/{session.pk}/attendance")
    if name in ("mark_put", "mark_post"):
        method = client.put if name == "mark_put" else client.post
        body = {"records": [{"enrollment": enrollment.pk, "status": "present"}]}
        return method(f"/api/v1/sessions/{session.pk}/attendance", body, format="json")
    if name == "platform_report":
        return upload_platform_report(client, session, platform_csv(world), "report.csv", "text/csv")
    if name == "bulk":
        body = {"records": [{"session": session.pk, "enrollment": enrollment.pk, "status": "present"}]}
        return client.post("/api/v1/attendance/bulk", body, format="json")
    if name == "score":
        return client.put(f"/api/v1/enrollments/{enrollment.pk}/score", {"score": 8.5}, format="json")
    if name == "scores":
        body = {"scores": [{"enrollment": enrollment.pk, "score": 8}]}
        return client.post(f"/api/v1/classes/{klass.pk}/scores", body, format="json")
    if name == "sheet_xlsx":
        return client.get(f"/api/v1/classes/{klass.pk}/attendance-sheet.xlsx")
    if name == "roster_xlsx":
        return client.get(f"/api/v1/classes/{klass.pk}/roster.xlsx")
    if name == "check_in":
        return client.post(f"/api/v1/sessions/{live.pk}/check-in")
    if name == "check_out":
        return client.post(f"/api/v1/sessions/{live.pk}/check-out")
    if name == "heartbeat":
        return client.post(f"/api/v1/sessions/{live.pk}/heartbeat")
    if name == "me_sessions":
        return client.get("/api/v1/me/sessions")
    if name == "me_attendance":
        return client.get("/api/v1/me/attendance")
    if name == "me_progress":
        return client.get(f"/api/v1/me/classes/{klass.pk}/progress")
    if name == "history":
        record = attendance_mark_roster(
            session=session, records=[{"enrollment": enrollment.pk, "status": "present"}], actor=world.trainer
        ).records[0]
        return client.get(f"/api/v1/attendance/{record.pk}/history")
    raise AssertionError(name)


ENDPOINTS = {
    "sheet": STAFF_OF_THE_CLASS,
    "mark_put": STAFF_OF_THE_CLASS,
    "mark_post": STAFF_OF_THE_CLASS,
    "platform_report": STAFF_OF_THE_CLASS,
    "bulk": STAFF_OF_THE_CLASS_IN_BULK,
    "score": STAFF_OF_THE_CLASS,
    "scores": STAFF_OF_THE_CLASS,
    "sheet_xlsx": STAFF_OF_THE_CLASS,
    "roster_xlsx": STAFF_OF_THE_CLASS,
    "check_in": LEARNER_OF_THE_CLASS,
    "check_out": LEARNER_OF_THE_CLASS,
    "heartbeat": {**LEARNER_OF_THE_CLASS, "own_learner": 204},
    "me_sessions": LEARNERS_OWN_LIST,
    "me_attendance": LEARNERS_OWN_LIST,
    "me_progress": LEARNER_OF_THE_CLASS,
    "history": READS_THE_CLASS,  # a record's history: whoever reads its class
}


@pytest.mark.parametrize("role", CLASS_ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_every_endpoint_with_every_role(endpoint, role, attendance_world, live_session):
    user = attendance_world.users[role]
    if endpoint in ("check_out", "heartbeat") and role == "own_learner":
        attendance_check_in(session=live_session, user=user)
    response = _call(endpoint, client_as(user), attendance_world, live_session)
    expected = ENDPOINTS[endpoint][role]
    assert response.status_code == expected, (endpoint, role, response.content[:300])
    if expected not in (200, 204):
        assert_error(response, expected)
    if expected == 403 and endpoint in ("mark_put", "bulk", "score"):
        assert not AuditEntry.objects.exists()


def test_another_learner_sees_only_their_own_sessions(attendance_world):
    response = client_as(attendance_world.other_learner_user).get("/api/v1/me/sessions")
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {attendance_world.other_session.pk}


def test_the_roster_export_route_is_this_apps(attendance_world):
    # The classes router's detail routes take format suffixes ("roster.xlsx" would match an action
    # named roster with format=xlsx): the fixed path must win.
    klass = attendance_world.training_class
    match = resolve(f"/api/v1/classes/{klass.pk}/roster.xlsx")
    assert match.func.view_class is views_attendance.ClassRosterXlsxView
    match = resolve(f"/api/v1/classes/{klass.pk}/attendance-sheet.xlsx")
    assert match.func.view_class is views_attendance.ClassAttendanceSheetXlsxView


# --- the roll call -------------------------------------------------------------------------------


class TestRollCall:
    def test_mark_and_read_the_sheet(self, attendance_world):
        world = attendance_world
        a, b, c = world.active
        client = client_as(world.trainer)
        url = f"/api/v1/sessions/{world.session.pk}/attendance"
        response = client.put(
            url,
            {
                "records": [
                    {"enrollment": a.pk, "status": "present"},
                    {"learner": b.learner_id, "status": "late", "minutes": 100, "note": "Vào lúc 8h30"},
                ]
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["created"], body["updated"], body["unchanged"]) == (2, 0, 0)
        assert [r["minutes"] for r in body["records"]] == [120, 100]
        assert body["records"][0]["recorded_by_name"] == str(world.trainer)

        rows = client.get(url).json()["results"]
        by_enrollment = {row["enrollment"]: row for row in rows}
        # Active enrolments only (withdrawn and waitlisted without records are left out).
        assert set(by_enrollment) == {a.pk, b.pk, c.pk}
        assert by_enrollment[a.pk]["status"] == "present"
        assert by_enrollment[b.pk]["note"] == "Vào lúc 8h30"
        assert by_enrollment[c.pk]["status"] is None
        # A trainer reads the last four digits of the id (enrollment.rules.personal_data).
        assert by_enrollment[a.pk]["learner"]["national_id"] == "********" + a.learner.national_id[-4:]
        assert by_enrollment[a.pk]["recorded_by"] == world.trainer.username

        again = client.post(url, {"records": [{"enrollment": a.pk, "status": "present"}]}, format="json")
        assert again.json()["unchanged"] == 1

    def test_bad_items_are_named_by_index(self, attendance_world):
        world = attendance_world
        url = f"/api/v1/sessions/{world.session.pk}/attendance"
        client = client_as(world.trainer)
        response = client.put(
            url,
            {
                "records": [
                    {"enrollment": world.active[0].pk},
                    {"status": "present"},
                    {"enrollment": world.active[1].pk, "status": "sleeping"},
                    {"enrollment": world.active[2].pk, "status": "present", "minutes": -1},
                ]
            },
            format="json",
        )
        assert error_fields(response) == {
            "records.0.status",
            "records.1.enrollment",
            "records.2.status",
            "records.3.minutes",
        }
        response = client.put(
            url,
            {
                "records": [
                    {"enrollment": world.active[0].pk, "status": "present"},
                    {"enrollment": world.withdrawn.pk, "status": "present"},
                    {"enrollment": world.active[1].pk, "status": "present", "minutes": 500},
                ]
            },
            format="json",
        )
        assert error_fields(response) == {"records.1.enrollment", "records.2.minutes"}
        assert not Attendance.objects.exists()
        assert error_fields(client.put(url, {"records": []}, format="json")) == {"records"}

    def test_a_closed_class_is_changed_only_by_an_admin_with_a_reason(self, attendance_world, province_admin):
        world = attendance_world
        world.training_class.status = ClassStatus.CLOSED
        world.training_class.save(update_fields=["status"])
        url = f"/api/v1/sessions/{world.session.pk}/attendance"
        body = {"records": [{"enrollment": world.active[0].pk, "status": "excused"}]}

        response = client_as(world.trainer).put(url, {**body, "reason": "Giấy phép"}, format="json")
        assert_error(response, 403, "class_closed")
        assert error_fields(client_as(province_admin).put(url, body, format="json")) == {"reason"}

        response = client_as(province_admin).put(url, {**body, "reason": "Giấy nghỉ ốm"}, format="json")
        assert response.status_code == 200
        record = Attendance.objects.get()
        history = client_as(world.trainer).get(f"/api/v1/attendance/{record.pk}/history").json()["results"]
        assert [(h["action"], h["reason"], h["source"]) for h in history] == [
            ("create", "Giấy nghỉ ốm", "admin")
        ]
        assert history[0]["actor_name"] == str(province_admin)
        # Still visible on the sheet, read-only for the trainer.
        rows = client_as(world.trainer).get(url).json()["results"]
        assert {r["status"] for r in rows if r["attendance_id"]} == {"excused"}

    def test_history_lists_every_change_newest_first(self, attendance_world):
        world = attendance_world
        enrollment = world.active[0]
        for status in ["present", "late", "late", "absent"]:
            attendance_mark_roster(
                session=world.session,
                records=[{"enrollment": enrollment.pk, "status": status}],
                actor=world.trainer,
            )
        record = Attendance.objects.get()
        history = client_as(world.learner_user).get(f"/api/v1/attendance/{record.pk}/history").json()
        assert [h["after"]["status"] for h in history["results"]] == ["absent", "late", "present"]
        assert history["results"][0]["before"]["status"] == "late"

    def test_the_sheet_runs_a_bounded_number_of_queries(
        self, attendance_world, django_assert_max_num_queries
    ):
        world = attendance_world
        client = client_as(world.trainer)
        url = f"/api/v1/sessions/{world.session.pk}/attendance?page_size=500"

        def grow_and_mark(count):
            for _ in range(count):
                EnrollmentFactory(training_class=world.training_class)
            records = [
                {"enrollment": e.pk, "status": "present"}
                for e in world.training_class.enrollments.filter(status="enrolled")
            ]
            client.put(url, {"records": records}, format="json")

        grow_and_mark(2)
        with django_assert_max_num_queries(6):
            assert len(client.get(url).json()["results"]) == 5
        grow_and_mark(40)
        with django_assert_max_num_queries(6):
            assert len(client.get(url).json()["results"]) == 45

    def test_marking_runs_a_bounded_number_of_queries(self, attendance_world, django_assert_max_num_queries):
        world = attendance_world
        for _ in range(60):
            EnrollmentFactory(training_class=world.training_class)
        records = [
            {"enrollment": e.pk, "status": "present"}
            for e in world.training_class.enrollments.filter(status="enrolled")
        ]
        client = client_as(world.trainer)
        with django_assert_max_num_queries(20):
            response = client.put(
                f"/api/v1/sessions/{world.session.pk}/attendance", {"records": records}, format="json"
            )
        assert response.json()["created"] == 63
        assert AuditEntry.objects.filter(entity="attendance").count() == 63

        # A second trainer confirming the same marks: nothing changes, and naming who recorded
        # each record does not cost a query per record.
        co_trainer = UserFactory(role=Role.TRAINER)
        world.training_class.trainers.add(co_trainer)
        with django_assert_max_num_queries(20):
            response = client_as(co_trainer).put(
                f"/api/v1/sessions/{world.session.pk}/attendance", {"records": records}, format="json"
            )
        assert response.json()["unchanged"] == 63
        assert {r["recorded_by_name"] for r in response.json()["records"]} == {str(world.trainer)}


# --- scores --------------------------------------------------------------------------------------


class TestScores:
    def test_put_a_score(self, attendance_world):
        world = attendance_world
        enrollment = world.active[0]
        client = client_as(world.trainer)
        url = f"/api/v1/enrollments/{enrollment.pk}/score"
        response = client.put(url, {"score": "9.25"}, format="json")
        assert response.json() == {"enrollment": enrollment.pk, "final_score": 9.25}
        assert StaleClass.objects.filter(training_class=world.training_class).exists()
        assert error_fields(client.put(url, {"score": 11}, format="json")) == {"score"}
        assert error_fields(client.put(url, {"score": "8.125"}, format="json")) == {"score"}
        assert client.put(url, {"score": None}, format="json").json()["final_score"] is None
        withdrawn = client.put(f"/api/v1/enrollments/{world.withdrawn.pk}/score", {"score": 5}, format="json")
        assert error_fields(withdrawn) == {"score"}

    def test_post_many_scores(self, attendance_world):
        world = attendance_world
        a, b, _c = world.active
        response = client_as(world.trainer).post(
            f"/api/v1/classes/{world.training_class.pk}/scores",
            {
                "scores": [
                    {"enrollment": a.pk, "score": 7},
                    {"national_id": b.learner.national_id, "score": 6.5},
                ]
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["updated"] == 2
        response = client_as(world.trainer).post(
            f"/api/v1/classes/{world.training_class.pk}/scores",
            {"scores": [{"enrollment": world.other_enrollment.pk, "score": 7}]},
            format="json",
        )
        assert error_fields(response) == {"scores.0.enrollment"}


# --- learners ------------------------------------------------------------------------------------


class TestLearner:
    def test_check_in_and_out_through_the_api(self, attendance_world, live_session):
        client = client_as(attendance_world.learner_user)
        response = client.post(f"/api/v1/sessions/{live_session.pk}/check-in")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["checked_in"] is True
        assert body["attendance"]["source"] == "check_in"
        assert len(body["intervals"]) == 1
        response = client.post(f"/api/v1/sessions/{live_session.pk}/check-out")
        body = response.json()
        assert body["checked_in"] is False
        assert body["intervals"][0]["left_at"] is not None
        # Left 10 minutes after the start: too little to count as attending.
        assert body["attendance"]["status"] == "absent"

    def test_check_in_outside_the_window_is_a_400(self, attendance_world):
        response = client_as(attendance_world.learner_user).post(
            f"/api/v1/sessions/{attendance_world.session.pk}/check-in"
        )
        assert_error(response, 400, "outside_window")

    def test_my_sessions_upcoming_and_past(self, attendance_world, live_session):
        world = attendance_world
        now = timezone.now()
        future = ClassSessionFactory(
            training_class=world.training_class,
            starts_at=now + datetime.timedelta(days=3),
            ends_at=now + datetime.timedelta(days=3, hours=2),
            join_url="https://meet.example.vn/next",
        )
        attendance_mark_roster(
            session=world.session,
            records=[{"enrollment": world.active[0].pk, "status": "present"}],
            actor=world.trainer,
        )
        client = client_as(world.learner_user)
        upcoming = client.get("/api/v1/me/sessions?when=upcoming").json()["results"]
        assert [s["id"] for s in upcoming] == [live_session.pk, future.pk]
        assert upcoming[0]["can_check_in"] is True
        assert upcoming[1]["can_check_in"] is False
        assert upcoming[1]["join_url"] == "https://meet.example.vn/next"
        assert upcoming[1]["training_class"]["code"] == world.training_class.code
        past = client.get("/api/v1/me/sessions?when=past").json()["results"]
        assert [s["id"] for s in past] == [world.second_session.pk, world.session.pk]
        assert past[1]["my_status"] == "present"
        assert past[0]["my_status"] is None
        assert error_fields(client.get("/api/v1/me/sessions?when=tomorrow")) == {"when"}
        assert error_fields(client.get("/api/v1/me/sessions?class=x")) == {"class"}
        assert client.get(f"/api/v1/me/sessions?class={world.other_class.pk}").json()["count"] == 0

    def test_waitlisted_learners_see_no_sessions(self, attendance_world):
        response = client_as(attendance_world.waitlisted.learner.user).get("/api/v1/me/sessions")
        assert response.json()["count"] == 0

    def test_my_attendance_lists_started_sessions_with_my_record(self, attendance_world, live_session):
        world = attendance_world
        attendance_mark_roster(
            session=world.second_session,
            # Late needs 80% of the 150 planned minutes.
            records=[{"enrollment": world.active[0].pk, "status": "late", "minutes": 130}],
            actor=world.trainer,
        )
        rows = client_as(world.learner_user).get("/api/v1/me/attendance").json()["results"]
        assert [(r["id"], r["my_status"], r["my_minutes"]) for r in rows] == [
            (world.session.pk, None, None),
            (world.second_session.pk, "late", 130),
            (live_session.pk, None, None),
        ]

    def test_my_lists_run_a_bounded_number_of_queries(self, attendance_world, django_assert_max_num_queries):
        world = attendance_world
        client = client_as(world.learner_user)
        with django_assert_max_num_queries(5):
            small = client.get("/api/v1/me/sessions").json()
        for day in range(30):
            ClassSessionFactory(
                training_class=world.training_class,
                starts_at=world.session.starts_at + datetime.timedelta(days=day + 3),
                ends_at=world.session.ends_at + datetime.timedelta(days=day + 3),
            )
        with django_assert_max_num_queries(5):
            large = client.get("/api/v1/me/sessions").json()
        with django_assert_max_num_queries(5):
            client.get("/api/v1/me/attendance").json()
        assert (small["count"], large["count"]) == (2, 32)

    def test_my_progress(self, attendance_world):
        world = attendance_world
        curriculum = world.training_class.curriculum
        TopicFactory(curriculum=curriculum, order=1, title_vi="Kỹ năng số")
        Material.objects.create(curriculum=curriculum, order=1, kind=MaterialKind.HANDBOOK, title="Sổ tay")
        attendance_mark_roster(
            session=world.session,
            records=[{"enrollment": world.active[0].pk, "status": "present"}],
            actor=world.trainer,
        )
        body = (
            client_as(world.learner_user).get(f"/api/v1/me/classes/{world.training_class.pk}/progress").json()
        )
        assert body["planned_minutes"] == 270
        assert body["required_minutes"] == 216
        assert body["attended_minutes"] == 120
        assert body["remaining_minutes"] == 96
        assert body["meets_requirement"] is False
        assert body["sessions_attended"] == 1
        assert body["sessions_total"] == 2
        assert [t["title_vi"] for t in body["topics"]] == ["Kỹ năng số"]
        assert [m["title"] for m in body["materials"]] == ["Sổ tay"]

    def test_a_learner_without_a_profile_sees_nothing(self, learner):
        assert client_as(learner).get("/api/v1/me/sessions").json()["count"] == 0


def test_learner_factory_is_usable_without_a_class():
    assert LearnerFactory().user.role == "learner"


# --- OpenAPI -------------------------------------------------------------------------------------

PATHS = {
    "/api/v1/sessions/{id}/attendance": {"get", "put", "post"},
    "/api/v1/sessions/{id}/attendance/platform-report": {"post"},
    "/api/v1/sessions/{id}/check-in": {"post"},
    "/api/v1/sessions/{id}/check-out": {"post"},
    "/api/v1/sessions/{id}/heartbeat": {"post"},
    "/api/v1/attendance/bulk": {"post"},
    "/api/v1/attendance/{id}/history": {"get"},
    "/api/v1/enrollments/{id}/score": {"put"},
    "/api/v1/classes/{id}/scores": {"post"},
    "/api/v1/classes/{id}/attendance-sheet.xlsx": {"get"},
    "/api/v1/classes/{id}/roster.xlsx": {"get"},
    "/api/v1/me/sessions": {"get"},
    "/api/v1/me/attendance": {"get"},
    "/api/v1/me/classes/{id}/progress": {"get"},
}


def test_every_attendance_endpoint_is_documented():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in PATHS.items():
        assert methods <= set(schema["paths"][path]), path
        for method in methods:
            operation = schema["paths"][path][method]
            assert operation["summary"] and operation["description"], (path, method)
            errors = {code for code in operation["responses"] if str(code).startswith("4")}
            assert "401" in errors, (path, method)
            if "{id}" in path:
                assert "404" in errors, (path, method)
            if path != "/api/v1/attendance/{id}/history":
                assert "403" in errors, (path, method)
            if method in ("put", "post"):
                assert "400" in errors, (path, method)
            for code in errors:
                content = operation["responses"][code]["content"]
                assert content["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorResponse"
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), (path, method, parameter["name"])


# --- issue 11: status and minutes agree, presence shown, nothing before the session --------------


def future_session(world, days=2):
    now = timezone.now()
    return ClassSessionFactory(
        training_class=world.training_class,
        starts_at=now + datetime.timedelta(days=days),
        ends_at=now + datetime.timedelta(days=days, hours=3),
        planned_minutes=180,
    )


class TestStatusAgreesWithMinutes:
    @pytest.mark.parametrize(
        ("status", "minutes"),
        [("present", 5), ("late", 95), ("absent", 120), ("absent", 96), ("excused", 30)],
    )
    def test_a_roll_call_contradicting_its_minutes_is_a_400_naming_both(
        self, attendance_world, status, minutes
    ):
        world = attendance_world  # the session: 120 planned minutes, present from 96
        response = client_as(world.trainer).put(
            f"/api/v1/sessions/{world.session.pk}/attendance",
            {
                "records": [
                    {"enrollment": world.active[0].pk, "status": "present"},
                    {"enrollment": world.active[1].pk, "status": status, "minutes": minutes},
                ]
            },
            format="json",
        )
        assert error_fields(response) == {"records.1.status", "records.1.minutes"}
        assert not Attendance.objects.exists()

    @pytest.mark.parametrize(
        ("status", "minutes"), [("present", 96), ("late", 120), ("absent", 95), ("absent", 0), ("excused", 0)]
    )
    def test_a_roll_call_whose_status_follows_from_its_minutes_is_recorded(
        self, attendance_world, status, minutes
    ):
        world = attendance_world
        response = client_as(world.trainer).put(
            f"/api/v1/sessions/{world.session.pk}/attendance",
            {"records": [{"enrollment": world.active[1].pk, "status": status, "minutes": minutes}]},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert Attendance.objects.values_list("status", "minutes").get() == (status, minutes)

    def test_a_bulk_record_contradicting_its_minutes_is_named_by_its_index(self, attendance_world):
        world = attendance_world
        records = [
            {"session": world.session.pk, "enrollment": e.pk, "status": "present"} for e in world.active
        ]
        records.append(
            {
                "session": world.second_session.pk,
                "enrollment": world.active[0].pk,
                "status": "absent",
                "minutes": 150,
            }
        )
        records.append(
            {
                "session": world.second_session.pk,
                "enrollment": world.active[1].pk,
                "status": "present",
                "minutes": 5,
            }
        )
        response = client_as(world.trainer).post(
            "/api/v1/attendance/bulk", {"records": records}, format="json"
        )
        assert error_fields(response) == {
            "records.3.status",
            "records.3.minutes",
            "records.4.status",
            "records.4.minutes",
        }
        assert not Attendance.objects.exists()


class TestNoAttendanceBeforeTheSession:
    def test_a_roll_call_of_a_session_two_days_ahead_is_refused_naming_the_session(self, attendance_world):
        world = attendance_world
        ahead = future_session(world)
        response = client_as(world.trainer).put(
            f"/api/v1/sessions/{ahead.pk}/attendance",
            {"records": [{"enrollment": e.pk, "status": "present"} for e in world.active]},
            format="json",
        )
        body = assert_error(response, 400)
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("session", "session_not_started")]
        assert str(ahead.pk) in body["errors"][0]["message"]
        assert not Attendance.objects.exists()

    def test_an_excused_absence_announced_in_advance_is_recorded(self, attendance_world):
        world = attendance_world
        ahead = future_session(world)
        response = client_as(world.trainer).put(
            f"/api/v1/sessions/{ahead.pk}/attendance",
            {"records": [{"enrollment": world.active[0].pk, "status": "excused", "note": "Đi công tác"}]},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert Attendance.objects.values_list("status", "minutes").get() == ("excused", 0)

    def test_a_bulk_record_of_a_session_ahead_is_named_and_excused_ones_pass(self, attendance_world):
        world = attendance_world
        ahead = future_session(world)
        records = [
            {"session": ahead.pk, "enrollment": world.active[0].pk, "status": "excused"},
            {"session": ahead.pk, "enrollment": world.active[1].pk, "status": "present"},
        ]
        response = client_as(world.trainer).post(
            "/api/v1/attendance/bulk", {"records": records}, format="json"
        )
        body = assert_error(response, 400)
        assert [(e["field"], e["code"]) for e in body["errors"]] == [
            ("records.1.session", "session_not_started")
        ]
        response = client_as(world.trainer).post(
            "/api/v1/attendance/bulk", {"records": records[:1]}, format="json"
        )
        assert response.status_code == 200, response.content

    def test_a_platform_report_of_a_session_ahead_is_refused(self, attendance_world):
        world = attendance_world
        ahead = future_session(world)
        response = upload_platform_report(
            client_as(world.trainer), ahead, platform_csv(world), "report.csv", "text/csv"
        )
        body = assert_error(response, 400)
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("session", "session_not_started")]
        assert not Attendance.objects.exists()


class TestHeartbeat:
    def test_a_heartbeat_keeps_the_check_in_open_up_to_now(self, attendance_world, live_session):
        client = client_as(attendance_world.learner_user)
        assert client.post(f"/api/v1/sessions/{live_session.pk}/check-in").status_code == 200
        response = client.post(f"/api/v1/sessions/{live_session.pk}/heartbeat")
        assert response.status_code == 204, response.content
        interval = PresenceInterval.objects.get()
        assert interval.last_seen_at is not None and interval.last_seen_at >= interval.joined_at
        body = client.post(f"/api/v1/sessions/{live_session.pk}/check-out").json()
        assert body["intervals"][0]["last_seen_at"] is not None

    def test_a_heartbeat_without_a_check_in_or_outside_the_session_is_a_400(
        self, attendance_world, live_session
    ):
        client = client_as(attendance_world.learner_user)
        assert_error(client.post(f"/api/v1/sessions/{live_session.pk}/heartbeat"), 400, "not_checked_in")
        past = attendance_world.session
        assert_error(client.post(f"/api/v1/sessions/{past.pk}/heartbeat"), 400, "outside_window")

    def test_a_heartbeat_of_a_closed_class_is_a_403_and_of_an_unknown_session_a_404(
        self, attendance_world, live_session
    ):
        client = client_as(attendance_world.learner_user)
        client.post(f"/api/v1/sessions/{live_session.pk}/check-in")
        attendance_world.training_class.status = ClassStatus.CLOSED
        attendance_world.training_class.save(update_fields=["status"])
        assert_error(client.post(f"/api/v1/sessions/{live_session.pk}/heartbeat"), 403, "class_closed")
        assert_error(client.post("/api/v1/sessions/999999999/heartbeat"), 404)
        assert PresenceInterval.objects.get().last_seen_at == PresenceInterval.objects.get().joined_at
