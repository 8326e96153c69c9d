"""The JSON bulk endpoint for integrations: idempotency, whole-batch validation, closed classes,
dry run and a number of queries that does not grow with the batch."""

import pytest

from courses.models import ClassStatus
from enrollment.models import Attendance, AuditEntry, StaleClass
from enrollment.services import attendance_bulk
from tests.api_helpers import assert_error, error_fields
from tests.factories import ClassSessionFactory, EnrollmentFactory
from tests.roles import client_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/attendance/bulk"


def batch(world, sessions=None, statuses=("present", "late", "absent")):
    sessions = sessions or [world.session, world.second_session]
    enrollments = list(world.training_class.enrollments.filter(status="enrolled").select_related("learner"))
    records = []
    for s_index, session in enumerate(sessions):
        for e_index, enrollment in enumerate(enrollments):
            record = {
                "session": session.pk,
                "status": statuses[(s_index + e_index) % len(statuses)],
                "external_id": f"ext-{session.pk}-{enrollment.pk}",
            }
            if e_index % 2:
                record["national_id"] = enrollment.learner.national_id
            else:
                record["enrollment"] = enrollment.pk
            records.append(record)
    return records


def test_the_same_batch_twice_changes_nothing_the_second_time(attendance_world):
    world = attendance_world
    client = client_as(world.trainer)
    records = batch(world)
    first = client.post(URL, {"records": records}, format="json")
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["total"], body["created"], body["updated"], body["unchanged"]) == (6, 6, 0, 0)
    assert [r["external_id"] for r in body["results"]] == [r["external_id"] for r in records]
    assert all(r["id"] and r["action"] == "created" for r in body["results"])
    stored = list(Attendance.objects.order_by("pk").values())
    audit = AuditEntry.objects.filter(entity="attendance").count()
    assert audit == 6
    assert StaleClass.objects.filter(training_class=world.training_class).exists()

    StaleClass.objects.all().delete()
    second = client.post(URL, {"records": records}, format="json").json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 6)
    assert [r["id"] for r in second["results"]] == [r["id"] for r in body["results"]]
    assert list(Attendance.objects.order_by("pk").values()) == stored  # recorded_at included
    assert AuditEntry.objects.filter(entity="attendance").count() == audit
    assert not StaleClass.objects.exists()

    records[0]["status"] = "excused"
    third = client.post(URL, {"records": records}, format="json").json()
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 5)
    entry = AuditEntry.objects.filter(entity="attendance").first()
    assert (entry.before["status"], entry.after["status"], entry.source) == (
        "present",
        "excused",
        "integration",
    )


def test_defaults_and_identification_numbers(attendance_world):
    world = attendance_world
    an, binh, _ = world.active
    response = client_as(world.trainer).post(
        URL,
        {
            "records": [
                {
                    "session": world.session.pk,
                    "national_id": int(an.learner.national_id),
                    "status": "present",
                },
                {
                    "session": str(world.session.pk),
                    "national_id": binh.learner.national_id[1:],
                    "status": "late",
                },
                {"session": world.second_session.pk, "enrollment": an.pk, "status": "excused", "note": "Ốm"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    records = {(r.session_id, r.enrollment_id): r for r in Attendance.objects.all()}
    assert records[(world.session.pk, an.pk)].minutes == 120
    assert records[(world.session.pk, binh.pk)].minutes == 120
    assert records[(world.second_session.pk, an.pk)].minutes == 0
    assert records[(world.second_session.pk, an.pk)].note == "Ốm"
    # A note left out keeps the stored one.
    client_as(world.trainer).post(
        URL,
        {"records": [{"session": world.second_session.pk, "enrollment": an.pk, "status": "absent"}]},
        format="json",
    )
    assert Attendance.objects.get(session=world.second_session, enrollment=an).note == "Ốm"


def test_every_bad_record_is_named_and_nothing_is_stored(attendance_world):
    world = attendance_world
    an, binh, cuong = world.active
    session = world.session
    records = [
        {"session": session.pk, "enrollment": an.pk, "status": "present"},  # fine
        "not an object",
        {"enrollment": binh.pk, "status": "present"},
        {"session": session.pk, "status": "present"},
        {"session": session.pk, "enrollment": binh.pk, "national_id": "012345678901", "status": "present"},
        {"session": session.pk, "enrollment": binh.pk, "status": "here"},
        {"session": session.pk, "enrollment": binh.pk, "status": "present", "minutes": "many"},
        {"session": session.pk, "enrollment": binh.pk, "status": "present", "minutes": 121},
        {"session": session.pk, "enrollment": binh.pk, "status": "present", "colour": "red"},
        {"session": world.other_session.pk, "enrollment": binh.pk, "status": "present"},
        {"session": session.pk, "enrollment": world.other_enrollment.pk, "status": "present"},
        {"session": session.pk, "enrollment": world.withdrawn.pk, "status": "present"},
        {"session": session.pk, "national_id": "12345", "status": "present"},
        {"session": session.pk, "national_id": "999999999999", "status": "present"},
        {"session": session.pk, "national_id": an.learner.national_id, "status": "late"},  # = records.0
        {"session": 10**9, "enrollment": cuong.pk, "status": "present", "external_id": "X-9"},
    ]
    response = client_as(world.trainer).post(URL, {"records": records}, format="json")
    body = assert_error(response, 400, "invalid")
    fields = [e["field"] for e in body["errors"]]
    assert fields == [
        "records.1",
        "records.2.session",
        "records.3.enrollment",
        "records.4.enrollment",
        "records.5.status",
        "records.6.minutes",
        "records.7.minutes",
        "records.8.colour",
        "records.9.session",
        "records.10.enrollment",
        "records.11.enrollment",
        "records.12.national_id",
        "records.13.national_id",
        "records.14.national_id",
        "records.15.session",
    ]
    assert "X-9" in body["errors"][-1]["message"]
    assert not Attendance.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("payload", [{}, {"records": []}, {"records": {"a": 1}}, {"records": "x"}])
def test_the_envelope_is_checked(attendance_world, payload):
    assert error_fields(client_as(attendance_world.trainer).post(URL, payload, format="json")) == {"records"}


def test_too_many_records_are_refused(attendance_world, monkeypatch):
    world = attendance_world
    monkeypatch.setattr(attendance_bulk, "BULK_MAX_RECORDS", 5)
    response = client_as(world.trainer).post(URL, {"records": batch(world)}, format="json")
    assert error_fields(response) == {"records"}


def test_dry_run_counts_and_stores_nothing(attendance_world):
    world = attendance_world
    body = (
        client_as(world.trainer).post(URL, {"records": batch(world), "dry_run": True}, format="json").json()
    )
    assert (body["dry_run"], body["created"]) == (True, 6)
    assert all(r["id"] is None for r in body["results"])
    assert not Attendance.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_closed_class_needs_an_admin_and_a_reason(attendance_world, central_admin):
    world = attendance_world
    world.training_class.status = ClassStatus.CLOSED
    world.training_class.save(update_fields=["status"])
    records = batch(world)
    assert_error(client_as(world.trainer).post(URL, {"records": records, "reason": "x"}, format="json"), 403)
    assert error_fields(client_as(central_admin).post(URL, {"records": records}, format="json")) == {"reason"}
    response = client_as(central_admin).post(URL, {"records": records, "reason": "Đối soát"}, format="json")
    assert response.json()["created"] == 6
    assert set(AuditEntry.objects.values_list("reason", flat=True)) == {"Đối soát"}


def test_an_admin_records_the_classes_of_their_scope_only(attendance_world, province_admin):
    world = attendance_world
    records = batch(world, sessions=[world.session]) + [
        {"session": world.other_session.pk, "enrollment": world.other_enrollment.pk, "status": "present"}
    ]
    response = client_as(province_admin).post(URL, {"records": records}, format="json")
    assert error_fields(response) == {"records.3.session"}


def test_queries_do_not_grow_with_the_batch(attendance_world, django_assert_max_num_queries):
    world = attendance_world
    client = client_as(world.trainer)
    sessions = [ClassSessionFactory(training_class=world.training_class) for _ in range(3)]
    small = batch(world, sessions=sessions[:1])
    with django_assert_max_num_queries(16):
        assert client.post(URL, {"records": small}, format="json").json()["created"] == 3
    for _ in range(60):
        EnrollmentFactory(training_class=world.training_class)
    large = batch(world, sessions=sessions[1:])
    with django_assert_max_num_queries(16):
        assert client.post(URL, {"records": large}, format="json").json()["created"] == 126
    with django_assert_max_num_queries(16):
        assert client.post(URL, {"records": large}, format="json").json()["unchanged"] == 126


def test_control_characters_in_records_are_refused_naming_each_and_nothing_is_stored(attendance_world):
    """A NUL in a note, a lone surrogate in an external id: a 400 naming them, not a 500."""
    world = attendance_world
    an, binh, _ = world.active
    body = (
        '{"records": ['
        f'{{"session": {world.session.pk}, "enrollment": {an.pk}, "status": "present"}},'
        f'{{"session": {world.session.pk}, "enrollment": {binh.pk}, "status": "present", "external_id": "X\\ud800"}},'
        f'{{"session": {world.second_session.pk}, "enrollment": {an.pk}, "status": "absent", "note": "\\u0000"}},'
        f'{{"session": {world.second_session.pk}, "enrollment": {binh.pk}, "status": "absent", "note": "Ốm\\u000b"}}'
        "]}"
    ).encode()
    response = client_as(world.trainer).generic("POST", URL, body, content_type="application/json")
    fields = [e["field"] for e in assert_error(response, 400, "invalid")["errors"]]
    assert fields == ["records.1.external_id", "records.2.note", "records.3.note"]
    assert not Attendance.objects.exists()
