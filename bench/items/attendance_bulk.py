"""bench/attendance_bulk.py: a JSON bulk attendance request of learners x sessions records (all
new, the same again, one in ten changed, by national id), a roll call, and a class's sheet, roster
and exports, through the API as a client sees them. Django is set up before this is imported."""

from __future__ import annotations

import datetime
import time
from zoneinfo import ZoneInfo

from django.db import connection
from rest_framework.test import APIClient

from courses.models import (
    ClassMode,
    ClassSession,
    ClassStatus,
    Curriculum,
    Level,
    Province,
    Role,
    TrainingClass,
    User,
)
from enrollment.models import Enrollment, EnrollmentSource, EnrollmentStatus, Gender, Learner

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def timed(label: str, call):
    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    print(f"{label:<62} {elapsed:7.2f} s")
    return result, elapsed


def setup_class(learners: int, sessions: int):
    province = Province.objects.current().first() or Province.objects.create(
        code="99", name="Tỉnh đo thử", codename="do_thu", division_type="tỉnh", region="north",
        valid_from=datetime.date(2025, 7, 1),
    )  # fmt: skip
    curriculum = Curriculum.objects.create(code="bench-attendance", title_vi="Đo hiệu năng điểm danh")
    admin = User.objects.create(username="bench-admin", role=Role.CENTRAL_ADMIN)
    training_class = TrainingClass.objects.create(
        code="bench-online",
        title="Lớp trực tuyến đo hiệu năng",
        curriculum=curriculum,
        province=province,
        organiser_province=province,
        mode=ClassMode.ONLINE,
        level=Level.PROVINCIAL,
        status=ClassStatus.RUNNING,
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2026, 12, 31),
        planned_size=learners,
    )
    session_rows = ClassSession.objects.bulk_create(
        ClassSession(
            training_class=training_class,
            title=f"Buổi {n + 1}",
            starts_at=datetime.datetime(2026, 9, 1 + n, 8, tzinfo=LOCAL),
            ends_at=datetime.datetime(2026, 9, 1 + n, 11, tzinfo=LOCAL),
            planned_minutes=150,
            join_url="https://meet.example.vn/bench",
        )
        for n in range(sessions)
    )
    users = [User(username=f"bench-{n:06d}", role=Role.LEARNER) for n in range(learners)]
    for user in users:
        user.set_unusable_password()  # bulk_create skips save(); these accounts never sign in
    users = User.objects.bulk_create(users, batch_size=2000)
    people = []
    for n, user in enumerate(users):
        learner = Learner(
            user=user,
            national_id=f"{96_000_000_000 + n:012d}",  # province code 096: a valid code, no real learner here
            full_name=f"Học Viên Đo Thử {n:05d}",
            gender=Gender.FEMALE if n % 2 else Gender.MALE,
            province=province,
            email=f"hv{n}@example.vn",
        )
        learner.derive_fields()
        people.append(learner)
    people = Learner.objects.bulk_create(people, batch_size=2000)
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                learner=learner,
                training_class=training_class,
                status=EnrollmentStatus.ENROLLED,
                source=EnrollmentSource.IMPORT,
            )
            for learner in people
        ],
        batch_size=2000,
    )
    return admin, training_class, session_rows, enrollments


def measure(learners: int, sessions: int) -> None:
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    (admin, training_class, session_rows, enrollments), _ = timed(
        f"set-up: a class of {learners} learners and {sessions} sessions",
        lambda: setup_class(learners, sessions),
    )
    client = APIClient(SERVER_NAME="localhost")  # a host ALLOWED_HOSTS accepts outside tests
    client.force_authenticate(admin)
    statuses = ["present", "present", "present", "late", "absent", "excused"]
    records = [
        {
            "session": session.pk,
            "enrollment": enrollment.pk,
            "status": statuses[(i + j) % len(statuses)],
            "external_id": f"meet-{session.pk}-{enrollment.pk}",
        }
        for i, session in enumerate(session_rows)
        for j, enrollment in enumerate(enrollments)
    ]

    def bulk():
        response = client.post("/api/v1/attendance/bulk", {"records": records}, format="json")
        assert response.status_code == 200, response.content[:500]
        return response.json()

    count = len(records)
    body, _ = timed(f"POST /attendance/bulk, {count} records, all new", bulk)
    print(f"    created {body['created']}, updated {body['updated']}, unchanged {body['unchanged']}")
    body, _ = timed(f"POST /attendance/bulk, the same {count} records again", bulk)
    print(f"    created {body['created']}, updated {body['updated']}, unchanged {body['unchanged']}")
    for record in records[::10]:
        record["status"] = "absent" if record["status"] != "absent" else "present"
    body, _ = timed(f"POST /attendance/bulk, {count} records, one in ten changed", bulk)
    print(f"    created {body['created']}, updated {body['updated']}, unchanged {body['unchanged']}")

    by_national_id = [
        {"session": session_rows[0].pk, "national_id": e.learner.national_id, "status": "present"}
        for e in Enrollment.objects.filter(training_class=training_class).select_related("learner")
    ]

    def bulk_by_id():
        response = client.post("/api/v1/attendance/bulk", {"records": by_national_id}, format="json")
        assert response.status_code == 200, response.content[:500]

    timed(f"POST /attendance/bulk, {len(by_national_id)} records by national id", bulk_by_id)

    roll_call = {"records": [{"enrollment": e.pk, "status": "late"} for e in enrollments]}

    def mark():
        response = client.put(f"/api/v1/sessions/{session_rows[-1].pk}/attendance", roll_call, format="json")
        assert response.status_code == 200, response.content[:500]

    timed(f"PUT /sessions/{{id}}/attendance, roll call of {len(enrollments)}", mark)

    def get(path):
        def call():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return call

    pk = training_class.pk
    timed(
        "GET /sessions/{id}/attendance (sheet, page of 500)",
        get(f"/api/v1/sessions/{session_rows[0].pk}/attendance?page_size=500"),
    )
    timed(
        f"GET /classes/{{id}}/roster.xlsx ({learners} learners with rates)",
        get(f"/api/v1/classes/{pk}/roster.xlsx"),
    )
    timed(
        f"GET /classes/{{id}}/attendance-sheet.xlsx ({learners} x {sessions})",
        get(f"/api/v1/classes/{pk}/attendance-sheet.xlsx"),
    )
    from enrollment.selectors.attendance import attendance_rates_for_class

    timed(f"attendance_rates_for_class, {learners} rows", lambda: len(list(attendance_rates_for_class(pk))))
    # The enrolment API's roster, where it is installed.
    if client.get(f"/api/v1/classes/{pk}/roster?page_size=1").status_code == 200:
        timed("GET /classes/{id}/roster (page of 500)", get(f"/api/v1/classes/{pk}/roster?page_size=500"))
