"""bench/files.py, step teams: a Microsoft Teams attendance report of join rows (UTF-16,
tab-separated, in sections) for one session, and the dry run of its upload (read, matched to the
class's enrolments, minutes derived). Target: under 3 s for 10,000 rows, under 200 MB."""

from __future__ import annotations

import time

from bench.harness.basics import BenchError
from bench.harness.file_class import bench_class, django_setup

TARGET = (3.0, 200.0)  # seconds, peak RSS in MB
TEAMS_DAY = (2026, 9, 1)  # the bench session: 08:00-10:00 that day, Vietnam's time


def teams_class(learners: int):
    """The bench class with `learners` of the corpus's people enrolled (by the roster import itself,
    once; kept for later runs) and a session on TEAMS_DAY."""
    import datetime
    from zoneinfo import ZoneInfo

    from courses.models import ClassSession, ImportJob, ImportKind
    from courses.services.import_jobs import import_job_run
    from enrollment.models import Enrollment
    from tests.corpus.people import people
    from tests.corpus.rosters import official_xlsx

    trainer, training_class, _session = bench_class(learners)
    persons = people(learners, seed=2027)
    if Enrollment.objects.filter(training_class=training_class).count() < learners:
        roster = official_xlsx(persons)
        job = ImportJob.objects.create(
            kind=ImportKind.ENROLMENT,
            dry_run=False,
            file_name=roster.name,
            file_content=roster.content,
            created_by=trainer,
            total_rows=learners,
            params={"class_id": training_class.pk},
        )
        job = import_job_run(job_id=job.pk)
        if (job.report or {}).get("errors"):
            raise BenchError(f"enrolling the Teams learners failed: {job.report['errors'][:3]}")
    # The official layout has no email column; Teams identifies people by email (their names repeat
    # among thousands), so the learners get the email their account has in the report.
    from enrollment.models import Learner

    emails = {p.national_id: p.email for p in persons}
    missing = list(Learner.objects.filter(national_id__in=emails, email="").only("pk", "national_id"))
    for learner in missing:
        learner.email = emails[learner.national_id]
    Learner.objects.bulk_update(missing, ["email"], batch_size=1000)
    local = ZoneInfo("Asia/Ho_Chi_Minh")
    start = datetime.datetime(*TEAMS_DAY, 8, 0, tzinfo=local)
    session, _ = ClassSession.objects.get_or_create(
        training_class=training_class,
        starts_at=start,
        defaults={"ends_at": start + datetime.timedelta(hours=2), "planned_minutes": 120},
    )
    return trainer, session, persons


def build(rows: int) -> bytes:
    """A Teams report of `rows` join rows: half as many learners, each joining twice."""
    import datetime

    from tests.corpus.people import people
    from tests.corpus.platforms import Attendee, Meeting, at, teams_csv

    day = datetime.date(*TEAMS_DAY)
    attendees = []
    for n, person in enumerate(people(rows // 2, seed=2027)):
        first = at(day, "07:55") + datetime.timedelta(seconds=n % 600)
        back = first + datetime.timedelta(minutes=55)
        joins = [(first, first + datetime.timedelta(minutes=50)), (back, at(day, "10:01"))]
        attendees.append(Attendee(person.full_name, person.email, joins))
    host = Attendee(
        "Phạm Thị Hoa", "hoa.gv@truong.example.vn", [(at(day, "07:50"), at(day, "10:05"))], role="Organizer"
    )
    return teams_csv(Meeting("Bồi dưỡng cán bộ xã", at(day, "08:00"), at(day, "10:00"), host), attendees)


def step(rows: int, content: bytes) -> dict:
    django_setup()
    from enrollment.services.attendance_platform import attendance_platform_report_import

    trainer, session, _persons = teams_class(rows // 2)
    started = time.perf_counter()
    outcome = attendance_platform_report_import(
        session=session, content=content, filename="Attendance report.csv", actor=trainer, dry_run=True
    )
    seconds = time.perf_counter() - started
    if outcome.unmatched:
        raise BenchError(f"{len(outcome.unmatched)} rows of the Teams report matched nobody")
    return {"rows": rows, "file_bytes": len(content), "seconds": seconds, "checked": len(outcome.learners)}
