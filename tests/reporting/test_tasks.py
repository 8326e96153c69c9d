"""The jobs: coalescing bursts, claiming, failures, the periodic jobs, the rebuild command, and the
whole pipeline on a real Celery worker."""

import datetime
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from config.celery import app
from courses.models import ClassStatus, Role
from enrollment.models import Attendance, AttendanceSource, AttendanceStatus, StaleClass
from enrollment.services.progress import RECOMPUTE_CLASS_TASK, class_progress_mark_stale
from reporting.models import (
    Certificate,
    ClassProgress,
    EnrollmentProgress,
    GenerationStatus,
    RollupGeneration,
    StaleClaim,
    StaleRollup,
)
from reporting.services import sql_progress
from reporting.services.class_progress import class_progress_compute, class_progress_refresh
from reporting.services.periodic import classes_finish_due, stale_reconcile
from reporting.services.rollups import rollup_generation_start
from reporting.services.stale import (
    NATIONAL_ROLLUP_TASK,
    PROVINCE_ROLLUP_TASK,
    REBUILD_TASK,
    TARGETS_REFRESH_TASK,
    stale_class_claim,
    stale_rollup_claim,
)
from tests.factories import UserFactory
from tests.reporting.conftest import attend_all, enrol, make_class, national, province, recompute

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    """Record the tasks enqueued instead of running them."""
    calls = []
    monkeypatch.setattr("courses.core.queue.enqueue", lambda name, *args: calls.append((name, *args)))
    return calls


def _write(enrollment, session, minutes):
    """One attendance write as the enrolment services make it: the record, then the stale mark."""
    Attendance.objects.update_or_create(
        session=session,
        enrollment=enrollment,
        defaults={"status": AttendanceStatus.PRESENT, "minutes": minutes, "source": AttendanceSource.TRAINER},
    )
    class_progress_mark_stale(class_ids=[enrollment.training_class_id])


def test_a_burst_of_writes_to_one_class_queues_one_recompute(
    programme, enqueued, django_capture_on_commit_callbacks
):
    training_class = make_class(programme=programme)
    enrollments = [enrol(training_class) for _ in range(200)]
    sessions = list(training_class.sessions.all())
    with django_capture_on_commit_callbacks(execute=True):
        for enrollment in enrollments:
            for session in sessions:
                _write(enrollment, session, 60)  # 1,000 writes
    assert enqueued == [(RECOMPUTE_CLASS_TASK, training_class.pk)]

    # The recompute claims the mark: the writes after it queue exactly one more.
    with django_capture_on_commit_callbacks(execute=True):
        class_progress_refresh(class_id=training_class.pk)
        for enrollment in enrollments[:50]:
            _write(enrollment, sessions[0], 30)
    recomputes = [call for call in enqueued if call[0] == RECOMPUTE_CLASS_TASK]
    assert len(recomputes) == 2
    # Downstream the same: one province refresh queued, however many recomputes feed it.
    assert enqueued.count((PROVINCE_ROLLUP_TASK, province("19").pk)) == 1


def test_a_write_landing_after_the_claim_is_recomputed_again(
    programme, enqueued, django_capture_on_commit_callbacks
):
    training_class = make_class(programme=programme)
    enrollment = enrol(training_class)
    sessions = list(training_class.sessions.all())
    with django_capture_on_commit_callbacks(execute=True):
        _write(enrollment, sessions[0], 60)
        assert stale_class_claim(class_id=training_class.pk) is True
        _write(enrollment, sessions[1], 60)  # between the claim and the recompute
        class_progress_compute(class_id=training_class.pk)
    assert enqueued.count((RECOMPUTE_CLASS_TASK, training_class.pk)) == 2
    assert StaleClass.objects.filter(pk=training_class.pk).exists()  # the second recompute will claim it


def test_a_recompute_that_fails_midway_writes_nothing_and_a_retry_does_it_all(programme, monkeypatch):
    training_class = make_class(programme=programme)
    attend_all(enrol(training_class), 60)
    class_progress_mark_stale(class_ids=[training_class.pk])

    def dies(*args, **kwargs):
        raise ConnectionError("worker lost")

    monkeypatch.setattr(sql_progress, "class_progress_upsert", dies)
    with pytest.raises(ConnectionError):
        class_progress_refresh(class_id=training_class.pk)
    # The claim committed, the recompute did not: no enrolment figures half-written.
    assert not EnrollmentProgress.objects.exists()
    assert not StaleClass.objects.filter(pk=training_class.pk).exists()

    monkeypatch.undo()
    # The redelivered task recomputes although there is no mark left to claim.
    progress = class_progress_refresh(class_id=training_class.pk)
    assert (progress.completed_luot, progress.revision) == (1, 1)


def test_finishing_due_classes_completes_them_and_issues_certificates_once(
    programme, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    due = make_class(
        programme=programme, status=ClassStatus.RUNNING, start=today - datetime.timedelta(days=10)
    )
    ongoing = make_class(
        programme=programme, status=ClassStatus.RUNNING, start=today - datetime.timedelta(days=2)
    )
    done, short = enrol(due), enrol(due)
    attend_all(done, 60)
    recompute(due, ongoing)

    for _ in range(2):  # twice: the second run finds nothing to do
        with django_capture_on_commit_callbacks(execute=True):
            classes_finish_due()
    due.refresh_from_db()
    ongoing.refresh_from_db()
    assert (due.status, ongoing.status) == (ClassStatus.FINISHED, ClassStatus.RUNNING)
    done.refresh_from_db()
    short.refresh_from_db()
    assert (done.status, short.status) == ("completed", "not_completed")
    assert Certificate.objects.filter(enrollment=done).count() == 1
    assert not Certificate.objects.filter(enrollment=short).exists()
    # The pipeline ran in-process through the same task names (the embedded default).
    assert national(programme).achieved_luot == 1


def test_running_classes_are_recomputed_as_their_sessions_pass(programme, enqueued):
    today = timezone.localdate()
    training_class = make_class(
        programme=programme, status=ClassStatus.RUNNING, start=today - datetime.timedelta(days=2)
    )
    recompute(training_class)
    ClassProgress.objects.filter(pk=training_class.pk).update(
        computed_at=timezone.now() - datetime.timedelta(days=5)
    )
    classes_finish_due()
    assert StaleClass.objects.filter(pk=training_class.pk).exists()


def test_reconcile_marks_changed_classes_and_requeues_forgotten_marks(programme, enqueued):
    changed, forgotten, fine = (make_class(programme=programme) for _ in range(3))
    recompute(changed, forgotten, fine)
    enqueued.clear()
    changed.status = ClassStatus.CLOSED  # changed without a mark
    changed.save()
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    StaleClass.objects.create(training_class=forgotten, marked_at=long_ago)  # its task was lost
    StaleRollup.objects.create(scope=StaleRollup.NATIONAL, marked_at=long_ago)

    report = stale_reconcile()
    assert report.marked == [changed.pk]
    assert report.requeued_classes == [forgotten.pk]
    assert report.requeued_rollups == [StaleRollup.NATIONAL]
    assert (RECOMPUTE_CLASS_TASK, fine.pk) not in enqueued
    assert (NATIONAL_ROLLUP_TASK,) in enqueued


def test_reconcile_marks_again_what_a_dead_task_claimed_but_never_committed(
    programme, enqueued, django_capture_on_commit_callbacks
):
    training_class = make_class(programme=programme)
    enrollment = enrol(training_class)
    recompute(training_class)
    attend_all(enrollment, 60)
    class_progress_mark_stale(class_ids=[training_class.pk])
    stale_class_claim(class_id=training_class.pk)  # then the worker died
    stale_rollup_claim(scope=StaleRollup.NATIONAL)
    enqueued.clear()

    assert stale_reconcile().claims_restored == []  # too recent: its task may be running
    StaleClaim.objects.update(claimed_at=timezone.now() - datetime.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        report = stale_reconcile()
    assert report.claims_restored == [("class", training_class.pk), ("rollup", StaleRollup.NATIONAL)]
    assert (RECOMPUTE_CLASS_TASK, training_class.pk) in enqueued
    assert (NATIONAL_ROLLUP_TASK,) in enqueued
    assert StaleClass.objects.filter(pk=training_class.pk).exists()
    assert not StaleClaim.objects.exists()


def test_a_target_change_is_marked_so_its_refresh_is_never_lost(
    programme, enqueued, client_for, django_capture_on_commit_callbacks
):
    from reporting.tasks import refresh_rollup_targets

    client = client_for(UserFactory(role=Role.CENTRAL_ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/targets",
            {"programme_id": programme.pk, "level": "central", "target_luot": 10},
            format="json",
        )
    assert response.status_code == 201, response.content
    assert enqueued == [(TARGETS_REFRESH_TASK,)]
    assert StaleRollup.objects.filter(pk=StaleRollup.TARGETS).exists()

    # Its task lost with the broker: a few minutes on, reconcile queues it again.
    enqueued.clear()
    StaleRollup.objects.update(marked_at=timezone.now() - datetime.timedelta(minutes=5))
    assert stale_reconcile().requeued_rollups == [StaleRollup.TARGETS]
    assert enqueued == [(TARGETS_REFRESH_TASK,)]
    refresh_rollup_targets()
    assert not StaleRollup.objects.exists() and not StaleClaim.objects.exists()


def test_a_claim_goes_with_the_commit_of_its_figures(programme):
    training_class = make_class(programme=programme)
    class_progress_mark_stale(class_ids=[training_class.pk])
    class_progress_refresh(class_id=training_class.pk)
    assert not StaleClaim.objects.exists() and not StaleClass.objects.exists()


def test_a_rebuild_task_delivered_twice_starts_one_generation(programme):
    from reporting.tasks import rebuild_progress

    first = rebuild_progress.apply(task_id="rebuild-1").get()
    second = rebuild_progress.apply(task_id="rebuild-1").get()
    assert first == second
    assert RollupGeneration.objects.filter(task_id="rebuild-1").count() == 1


def test_an_abandoned_rebuild_is_failed_and_started_again_once(
    programme, enqueued, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    abandoned = RollupGeneration.objects.create(status=GenerationStatus.BUILDING, started_at=long_ago)
    recent = rollup_generation_start()  # still within the visibility timeout
    with django_capture_on_commit_callbacks(execute=True):
        assert stale_reconcile().generations_abandoned == [abandoned.pk]
    assert enqueued.count((REBUILD_TASK, None, "restart")) == 1
    abandoned.refresh_from_db()
    assert abandoned.status == GenerationStatus.FAILED
    assert RollupGeneration.objects.get(pk=recent.pk).status == GenerationStatus.BUILDING

    # The restart abandoned in turn: failed, and left to the nightly rebuild (no loop).
    enqueued.clear()
    RollupGeneration.objects.filter(pk=recent.pk).update(reason="restart", progressed_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert stale_reconcile().generations_abandoned == [recent.pk]
    assert enqueued == []


def test_tasks_are_named_acknowledged_late_and_scheduled():
    names = [
        RECOMPUTE_CLASS_TASK,
        PROVINCE_ROLLUP_TASK,
        NATIONAL_ROLLUP_TASK,
        TARGETS_REFRESH_TASK,
        "reporting.reconcile_stale",
        "reporting.finish_due_classes",
        "reporting.rebuild_progress",
        "reporting.rebuild_province",
        "reporting.publish_generation",
    ]
    for name in names:
        task = app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost, name
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "reporting.reconcile_stale",
        "reporting.finish_due_classes",
        "reporting.rebuild_progress",
    } <= scheduled
    app.loader.import_default_modules()  # the apps' tasks modules, found as a worker finds them
    assert scheduled <= set(app.tasks)


def test_rebuild_command(programme):
    thai_nguyen = province("19")
    training_class = make_class(programme=programme, province=province("06", legacy=True))
    attend_all(enrol(training_class), 60)

    out = StringIO()
    call_command("rebuild_progress", stdout=out)
    assert "national lượt completed: 1" in out.getvalue()
    assert national(programme, scope=thai_nguyen).achieved_luot == 1

    out = StringIO()
    call_command("rebuild_progress", "--province", "06", stdout=out)
    assert "Thái Nguyên" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("rebuild_progress", "--province", "99")


def test_rebuild_command_async_runs_the_chord_in_process_without_a_broker(programme):
    training_class = make_class(programme=programme)
    attend_all(enrol(training_class), 60)
    out = StringIO()
    call_command("rebuild_progress", "--async", stdout=out)
    assert "queued" in out.getvalue()
    live = RollupGeneration.objects.get(status=GenerationStatus.LIVE)
    assert live.reason == "rebuild"
    assert national(programme).achieved_luot == 1


# --- the real worker on Redis and PostgreSQL ---------------------------------------------------


@pytest.fixture
def worker(celery_worker):
    """The real worker; at the end, every stale mark handled (celery_worker then waits for the
    worker to be idle, so that no task races the flush of the transactional test)."""
    yield celery_worker
    _wait_for(lambda: not StaleClass.objects.exists() and not StaleRollup.objects.exists())


def _wait_for(condition, timeout=45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not reached within {timeout} s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_attendance_posted_through_the_api_reaches_the_rollups_on_the_worker(worker, programme, client_for):
    training_class = make_class(programme=programme)
    enrollments = [enrol(training_class) for _ in range(3)]
    sessions = list(training_class.sessions.order_by("starts_at"))
    # Two learners at every session; the third at two of the five (a status agrees with its
    # minutes: "present" with 30 of 60 minutes is refused).
    records = [
        {"session": s.pk, "enrollment": e.pk, "status": "present", "minutes": 60}
        if e != enrollments[2] or index < 2
        else {"session": s.pk, "enrollment": e.pk, "status": "absent"}
        for e in enrollments
        for index, s in enumerate(sessions)
    ]
    client = client_for(UserFactory(role=Role.CENTRAL_ADMIN))
    response = client.post("/api/v1/attendance/bulk", {"records": records}, format="json")
    assert response.status_code == 200, response.content

    # The write enqueued the recompute; the worker recomputes, then the province, then the nation.
    total = _wait_for(lambda: (row := national(programme)) and row.achieved_luot == 2 and row)
    assert (total.enrolled, total.not_completed) == (3, 1)
    assert Certificate.objects.filter(enrollment__training_class=training_class).count() == 2
    figures = EnrollmentProgress.objects.get(pk=enrollments[2].pk)
    assert (figures.attended_minutes, figures.percent, figures.outcome) == (120, 40, "not_completed")

    # And the admins' report shows it.
    summary = client.get("/api/v1/reports/summary", {"programme": programme.pk}).json()
    assert summary["total"]["achieved_luot"] == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_writes_on_the_worker_leads_to_a_few_recomputes(worker, programme):
    training_class = make_class(programme=programme, minutes=[60] * 10)
    enrollments = [enrol(training_class) for _ in range(30)]
    sessions = list(training_class.sessions.all())
    writes = 0
    for enrollment in enrollments:
        for session in sessions:
            _write(enrollment, session, 60)  # each in its own transaction, as requests would
            writes += 1

    # No mark left is not enough: a recompute may have claimed the last one and still be running.
    assert _wait_for(lambda: (row := national(programme)) and row.achieved_luot == 30)
    progress = ClassProgress.objects.get(pk=training_class.pk)
    assert progress.completed_luot == 30
    # How many coalesce depends on the machine's speed (about 1 in 10 here); one per write would
    # mean no coalescing at all. The exact guarantee is test_a_burst_of_writes_to_one_class_queues_one_recompute.
    assert progress.revision <= writes // 4, f"{progress.revision} recomputes for {writes} writes"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_full_rebuild_is_shared_by_the_workers_and_published_at_the_end(worker, programme):
    from reporting.tasks import rebuild_progress

    for code, legacy in (("19", False), ("06", True), ("01", False)):
        attend_all(enrol(make_class(programme=programme, province=province(code, legacy=legacy))), 60)
    generation_id = rebuild_progress.delay().get(timeout=30)

    _wait_for(
        lambda: RollupGeneration.objects.filter(pk=generation_id, status=GenerationStatus.LIVE).exists()
    )
    assert national(programme).achieved_luot == 3
    assert national(programme, scope=province("19")).achieved_luot == 2
    assert connection.vendor == "postgresql"
