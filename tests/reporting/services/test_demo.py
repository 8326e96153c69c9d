import datetime
import io
import os
import re
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from courses.models import ClassMode, ClassSession, ClassStatus, Role, TrainingClass, User
from enrollment.models import (
    SEAT_STATUSES,
    Attendance,
    AttendanceStatus,
    Enrollment,
    EnrollmentStatus,
    PresenceInterval,
)
from enrollment.rules.attendance import CHECK_IN_OPENS_BEFORE
from enrollment.selectors.learners import classes_to_join
from enrollment.services.enrollments import enrollment_self_join
from reporting.models import ProgressRollup
from reporting.selectors.progress import rollup_live_generation_id
from reporting.services.demo import OPEN_CLASS, RUNNING_CLASS, demo_dataset_load
from tests.browser import as_phone, browser_page, load, screenshot, sign_in


def _run_demo() -> str:
    out = io.StringIO()
    call_command("demo_setup", "--base-url", "http://demo.test:8765", stdout=out)
    return out.getvalue()


def _start_page(output: str, who: str) -> tuple[str, str, str]:
    """The start page, username and password printed for the learner or the trainer."""
    line = next(line for line in output.splitlines() if line.strip().startswith(who))
    page, username, password = re.search(r"(http\S+)\s+username (\S+)\s+password (\S+)", line).groups()
    return page, username, password


def _signed_in(username: str, password: str) -> Client:
    """Signed in through the sign-in page with the printed login, as a newcomer would."""
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not sign in with the printed password"
    return client


def test_demo_has_two_provinces_with_an_online_class_of_100_and_a_waitlist(db):
    _run_demo()
    demo = TrainingClass.objects.filter(code__startswith="DEMO-")
    online = demo.filter(mode=ClassMode.ONLINE, programme__isnull=False)
    assert online.values("province").distinct().count() == 2
    for training_class in online:
        assert (
            training_class.enrollments.filter(status__in=["enrolled", "completed", "not_completed"]).count()
            >= 100
        )
    in_person = demo.filter(mode=ClassMode.IN_PERSON)
    assert in_person.count() == 2
    for training_class in in_person:
        assert training_class.enrollments.filter(status=EnrollmentStatus.WAITLISTED).exists()
    assert Attendance.objects.filter(enrollment__training_class__in=demo).count() > 1000

    # Aggregated: the national total shows the demo's completed lượt.
    total = ProgressRollup.objects.get(
        generation_id=rollup_live_generation_id(),
        scope_province__isnull=True,
        programme__code="ke-hoach-2021-2025",
        level="",
        year=0,
        dimension="total",
    )
    assert total.achieved_luot == demo.filter(enrollments__status="completed").count()
    assert total.achieved_luot > 0


def test_running_the_demo_twice_changes_no_data(db):
    _run_demo()
    before = (TrainingClass.objects.count(), Attendance.objects.count())
    _run_demo()
    assert (TrainingClass.objects.count(), Attendance.objects.count()) == before


def test_make_demo_sets_up_on_the_embedded_sqlite_default(tmp_path):
    """`make demo` runs on SQLite, which CI's PostgreSQL suite never touches otherwise: a schema
    feature SQLite lacks (a unique constraint with included columns, say) breaks only there."""
    root = Path(__file__).resolve().parents[3]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    for command in (
        ["migrate", "--noinput"],
        ["load_reference_data"],
        ["demo_setup"],
        ["progress_table", "--programme", "ke-hoach-2021-2025"],
    ):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{command[0]} failed:\n{result.stderr[-3000:]}"
    # The table counts the demo's online classes and their completed learners.
    online = next(line for line in result.stdout.splitlines() if line.startswith("Bồi dưỡng trực tuyến"))
    assert online.split()[-4] == "2/2"
    assert int(online.split()[-6].replace(".", "")) > 0


def test_the_printed_learner_and_trainer_do_their_job_at_once_through_the_portal(db):
    output = _run_demo()
    _learner_joins_the_open_class_and_checks_in(output)
    _trainer_marks_todays_session_in_one_request(output)


def _learner_joins_the_open_class_and_checks_in(output: str) -> None:
    page, username, password = _start_page(output, "Learner")
    assert page == "http://demo.test:8765/portal/"
    assert "http://demo.test:8765/login/" in output
    client = _signed_in(username, password)
    learner = User.objects.get(username=username)

    # The open class is on the learner's start page, with its join button.
    start = client.get("/portal/")
    assert start.status_code == 200
    open_class = TrainingClass.objects.get(code__startswith=OPEN_CLASS, status=ClassStatus.OPEN)
    assert f'data-open-class="{open_class.code}"' in start.content.decode()
    assert f"/portal/classes/{open_class.pk}/join/" in start.content.decode()

    joined = client.post(f"/portal/classes/{open_class.pk}/join/")
    assert joined.status_code == 302
    enrollment = Enrollment.objects.get(learner__user=learner, training_class=open_class)
    assert enrollment.status == EnrollmentStatus.ENROLLED

    # A session of the class starts within minutes, and its check-in window is already open.
    now = timezone.now()
    session = (
        ClassSession.objects.filter(training_class=open_class, ends_at__gt=now).order_by("starts_at").first()
    )
    assert session.starts_at - CHECK_IN_OPENS_BEFORE <= now + datetime.timedelta(minutes=5)
    assert session.starts_at <= now + datetime.timedelta(minutes=20)
    assert f"/portal/sessions/{session.pk}/" in output
    page = client.get(f"/portal/sessions/{session.pk}/")
    assert page.status_code == 200
    assert 'id="check-in"' in page.content.decode()
    assert 'id="check-in" disabled' not in page.content.decode()

    checked_in = client.post(f"/portal/sessions/{session.pk}/check-in/")
    assert checked_in.status_code == 302
    assert PresenceInterval.objects.filter(
        session=session, enrollment=enrollment, left_at__isnull=True
    ).exists()
    assert 'id="check-out" disabled' not in client.get(f"/portal/sessions/{session.pk}/").content.decode()


def _trainer_marks_todays_session_in_one_request(output: str) -> None:
    page, username, password = _start_page(output, "Trainer")
    assert page == "http://demo.test:8765/portal/trainer/"
    client = _signed_in(username, password)

    session = ClassSession.objects.get(pk=re.search(r"/portal/trainer/sessions/(\d+)/", output).group(1))
    assert timezone.localdate(session.starts_at) == timezone.localdate()
    assert session.starts_at <= timezone.now()  # started: attendance may be recorded
    assert f"/portal/trainer/sessions/{session.pk}/" in client.get("/portal/trainer/").content.decode()

    roster = client.get(f"/portal/trainer/sessions/{session.pk}/")
    assert roster.status_code == 200
    html = roster.content.decode()
    names = re.findall(r'<select id="[^"]+" name="(status-\d+)">', html)
    on_roster = Enrollment.objects.filter(training_class=session.training_class, status__in=SEAT_STATUSES)
    assert len(names) == on_roster.count() >= 100
    assert not Attendance.objects.filter(session=session).exists()

    # Everyone present but the first two: one POST saves the whole roster.
    form = dict.fromkeys(names, AttendanceStatus.PRESENT)
    form[names[0]] = AttendanceStatus.ABSENT
    form[names[1]] = AttendanceStatus.EXCUSED
    saved = client.post(f"/portal/trainer/sessions/{session.pk}/", form)
    assert saved.status_code == 302
    records = Attendance.objects.filter(session=session)
    assert records.count() == len(names)
    assert records.filter(status=AttendanceStatus.PRESENT).count() == len(names) - 2
    assert records.get(enrollment_id=names[0].split("-")[1]).status == AttendanceStatus.ABSENT


def test_the_printed_admin_page_shows_the_demos_period_with_its_figures(db):
    """The dashboard opens on the running period (2026-2030), empty in the demo; the printed
    address names the period the demo's classes count towards, where its lượt show."""
    call_command("load_reference_data", stdout=io.StringIO())
    output = _run_demo()
    page, username, password = _start_page(output, "Admin")
    assert page.startswith("http://demo.test:8765/dashboard/?programme=")
    client = _signed_in(username, password)
    html = client.get(page.removeprefix("http://demo.test:8765")).content.decode()
    achieved = re.search(r"<strong data-achieved>([\d.]+)</strong>", html)
    assert achieved and int(achieved.group(1).replace(".", "")) > 0, html[:2000]


def test_the_demo_run_again_another_day_adds_that_days_sessions_and_a_learner_who_may_join(db):
    admin_and_trainer = _run_demo_days_ago(days=3)
    first_learner = User.objects.get(username=admin_and_trainer.learner_username)
    # The newcomer of that day walked through: joined the open class.
    enrollment_self_join(user=first_learner, training_class=admin_and_trainer.open_class)
    running = TrainingClass.objects.get(code=RUNNING_CLASS)
    sessions_before = set(running.sessions.values_list("pk", flat=True))

    output = _run_demo()
    _page, username, password = _start_page(output, "Learner")
    assert username != first_learner.username
    learner = User.objects.get(username=username)
    open_class = TrainingClass.objects.get(code__startswith=OPEN_CLASS, status=ClassStatus.OPEN)
    assert open_class in classes_to_join(learner)
    assert open_class.end_date > timezone.localdate() and open_class.enrolment_closes > timezone.localdate()

    running.refresh_from_db()
    assert running.status == ClassStatus.RUNNING and running.end_date > timezone.localdate()
    today = running.sessions.exclude(pk__in=sessions_before)
    assert [timezone.localdate(s.starts_at) for s in today] == [timezone.localdate()]
    # The session of three days ago nobody marked is marked, as the class's other past sessions.
    start_of_today = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    for session in running.sessions.filter(ends_at__lt=start_of_today):
        assert session.attendance.exists(), session

    # Again the same day: nothing added.
    counts = (ClassSession.objects.count(), Attendance.objects.count(), TrainingClass.objects.count())
    assert _start_page(_run_demo(), "Learner")[1] == username
    assert (ClassSession.objects.count(), Attendance.objects.count(), TrainingClass.objects.count()) == counts


def _run_demo_days_ago(days: int):
    """demo_setup's dataset as it was built `days` ago (the command itself runs on the clock)."""
    admin = User.objects.update_or_create(username="admin", defaults={"role": Role.CENTRAL_ADMIN})[0]
    trainer = User.objects.update_or_create(username="giangvien", defaults={"role": Role.TRAINER})[0]
    return demo_dataset_load(admin=admin, trainer=trainer, now=timezone.now() - datetime.timedelta(days=days))


def test_the_printed_learners_walk_in_headless_chromium(live_server, capsys):
    """The printed start page and login in a real browser at 360 px: join the open class, check in to
    its session starting within minutes (test-artifacts/demo-learner-*.png), and the trainer's start page."""
    out = io.StringIO()
    call_command("demo_setup", "--base-url", live_server.url, stdout=out)
    output = out.getvalue()
    page, username, password = _start_page(output, "Learner")
    check_in_page = re.search(r"(http\S+/portal/sessions/\d+/)", output).group(1)
    shots = []
    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        load(tools, f"location.href = '{live_server.url}/login/'")
        sign_in(tools, username, password)
        landed = tools.evaluate("location.href")
        shots.append(screenshot(tools, "demo-learner-start.png"))
        open_class = tools.evaluate("document.querySelector('[data-open-class]').dataset.openClass")
        load(tools, "document.querySelector('[data-open-class] form button').click()")
        joined = tools.evaluate(f"document.querySelector('[data-class=\"{open_class}\"]') !== null")
        load(tools, f"location.href = '{check_in_page}'")
        load(tools, "document.querySelector('#check-in').click()")
        checked_in = tools.evaluate("document.querySelector('#check-out').disabled === false")
        shots.append(screenshot(tools, "demo-learner-checked-in.png"))
    trainer_page, trainer, trainer_password = _start_page(output, "Trainer")
    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        load(tools, f"location.href = '{live_server.url}/login/'")
        sign_in(tools, trainer, trainer_password)
        trainer_landed = tools.evaluate("location.href")
        roster_path = re.search(r"/portal/trainer/sessions/\d+/", output).group(0)
        roster_link = tools.evaluate(f"document.querySelector('a[href=\"{roster_path}\"]') !== null")
        shots.append(screenshot(tools, "demo-trainer-start.png"))
    with capsys.disabled():
        print("\ndemo screenshots:", ", ".join(str(shot) for shot in shots))
    assert landed == page and trainer_landed == trainer_page
    assert open_class.startswith(OPEN_CLASS) and joined and checked_in
    assert roster_link, "today's session to mark is not on the trainer's start page"
