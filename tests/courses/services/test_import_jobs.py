"""Import jobs: running once under redelivery, failure reports, progress, and the real worker."""

import datetime
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.utils import timezone

from courses.core.files.importing import JobProgress
from courses.models import Curriculum, ImportJob, ImportKind, ImportStatus, Topic
from courses.services.import_jobs import import_job_run, import_job_submit, import_jobs_requeue_lost
from courses.tasks import import_job_run_task
from tests.courses.catalogue_files import good_catalogue, large_catalogue, xlsx_bytes


def queued_job(user, content: bytes, *, dry_run=False) -> ImportJob:
    """A pending job as a large upload leaves it, before any worker took it."""
    return ImportJob.objects.create(
        kind=ImportKind.CATALOGUE,
        dry_run=dry_run,
        file_name="danh-muc.xlsx",
        file_content=content,
        created_by=user,
        total_rows=5,
    )


def catalogue_state():
    return sorted(
        Curriculum.objects.values_list("id", "code", "version", "updated_at")
    ), Topic.objects.count()


def test_a_job_whose_task_was_lost_is_queued_again_and_run_once(central_admin):
    job = queued_job(central_admin, xlsx_bytes(good_catalogue()))  # its task gone with Redis
    assert import_jobs_requeue_lost() == []  # too recent: its task may still be queued
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))

    assert import_jobs_requeue_lost() == [job.pk]  # run here, in-process (no broker in tests)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED
    imported = catalogue_state()
    assert import_jobs_requeue_lost() == []
    assert catalogue_state() == imported


def test_running_a_job_twice_imports_once(central_admin):
    job = queued_job(central_admin, xlsx_bytes(good_catalogue()))

    first = import_job_run(job_id=job.pk)
    after_first = catalogue_state()
    second = import_job_run(job_id=job.pk)

    assert first.status == second.status == ImportStatus.SUCCEEDED
    assert second.report == first.report
    assert second.finished_at == first.finished_at
    assert catalogue_state() == after_first
    assert Curriculum.objects.filter(code="tu-phap-dong-bang").count() == 1


def test_the_task_delivered_twice_does_not_import_twice_or_crash(central_admin):
    job = queued_job(central_admin, xlsx_bytes(good_catalogue()))

    assert import_job_run_task.delay(job.pk).get() == "succeeded"
    after_first = catalogue_state()
    assert import_job_run_task.delay(job.pk).get() == "succeeded"

    assert catalogue_state() == after_first
    job.refresh_from_db()
    assert job.report["created"] == 2


def test_a_job_running_elsewhere_is_left_alone(central_admin):
    job = queued_job(central_admin, xlsx_bytes(good_catalogue()))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now())

    result = import_job_run(job_id=job.pk)

    assert result.status == ImportStatus.RUNNING
    assert result.report == {}
    assert not Curriculum.objects.filter(code="tu-phap-dong-bang").exists()


def test_a_job_whose_worker_died_is_run_again(central_admin, settings):
    job = queued_job(central_admin, xlsx_bytes(good_catalogue()))
    # Older than the task's hard time limit: its worker was killed and its transaction rolled back.
    started = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=started)

    result = import_job_run(job_id=job.pk)

    assert result.status == ImportStatus.SUCCEEDED
    assert Curriculum.objects.filter(code="tu-phap-dong-bang").exists()


def test_a_job_with_bad_rows_fails_with_every_error_and_imports_nothing(central_admin):
    rows = good_catalogue()
    rows[0]["Chức danh"] = "Trưởng thôn"
    rows[4]["STT chuyên đề"] = 1
    job = queued_job(central_admin, xlsx_bytes(rows))

    result = import_job_run(job_id=job.pk)

    assert result.status == ImportStatus.FAILED
    assert [(e["row"], e["field"]) for e in result.report["errors"]] == [(2, "positions"), (6, "topic_order")]
    assert result.report["error_status"] == 400
    assert result.processed_rows == result.total_rows == 5
    assert not Curriculum.objects.filter(code__in=["tu-phap-dong-bang", "ubnd-mien-nui"]).exists()


def test_a_job_whose_stored_file_is_unreadable_fails_on_the_file_field(central_admin):
    job = queued_job(central_admin, b"PK\x03\x04 damaged")

    result = import_job_run(job_id=job.pk)

    assert result.status == ImportStatus.FAILED
    assert result.report["errors"][0]["field"] == "file"
    assert result.finished_at is not None


def test_a_job_of_a_user_no_longer_central_admin_is_refused(central_admin):
    job = queued_job(central_admin, xlsx_bytes(good_catalogue()))
    central_admin.role = "learner"
    central_admin.save()

    result = import_job_run(job_id=job.pk)

    assert result.status == ImportStatus.FAILED
    assert result.report["error_status"] == 403
    assert not Curriculum.objects.filter(code="tu-phap-dong-bang").exists()


def test_a_dry_run_job_succeeds_and_imports_nothing(central_admin):
    job = queued_job(central_admin, xlsx_bytes(good_catalogue()), dry_run=True)

    result = import_job_run(job_id=job.pk)

    assert result.status == ImportStatus.SUCCEEDED
    assert result.report["created"] == 2
    assert not Curriculum.objects.filter(code="tu-phap-dong-bang").exists()


def test_submitting_a_small_file_runs_it_at_once_and_a_large_one_queues_it(central_admin, settings):
    content = xlsx_bytes(good_catalogue())
    small = import_job_submit(
        kind=ImportKind.CATALOGUE,
        file_name="C:\\Users\\admin\\a.xlsx",
        content=content,
        dry_run=True,
        user=central_admin,
    )
    settings.IMPORT_SYNC_MAX_ROWS = 4
    large = import_job_submit(
        kind=ImportKind.CATALOGUE, file_name="b.xlsx", content=content, dry_run=True, user=central_admin
    )

    assert small.status == ImportStatus.SUCCEEDED
    assert large.status == ImportStatus.PENDING
    assert large.total_rows == 5


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_the_import_transaction_is_open(central_admin):
    job = queued_job(central_admin, b"")

    with transaction.atomic(), JobProgress(job.pk, table=ImportJob._meta.db_table, interval=0) as progress:
        progress(3)
        # Seen from another connection although this transaction has not committed.
        seen = connections.create_connection("default")
        try:
            with seen.cursor() as cursor:
                cursor.execute("SELECT processed_rows FROM courses_importjob WHERE id = %s", [job.pk])
                assert cursor.fetchone() == (3,)
        finally:
            seen.close()
        # Never beyond the total, which the database also enforces.
        progress(99)
    job.refresh_from_db()
    assert job.processed_rows == 3


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_upload_is_imported_by_the_real_worker(celery_worker, client_for, central_admin, settings):
    settings.IMPORT_SYNC_MAX_ROWS = 10
    client = client_for(central_admin)
    content = xlsx_bytes(large_catalogue(curricula=12, topics=10))

    response = client.post(
        "/api/v1/curricula/import",
        {"file": SimpleUploadedFile("lon.xlsx", content)},
        format="multipart",
    )

    assert response.status_code == 202, response.content
    url = response["Location"]
    deadline = time.monotonic() + 30
    while True:
        job = client.get(url).json()
        assert job["processed_rows"] <= job["total_rows"] == 120
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    assert job["processed_rows"] == 120
    assert job["report"]["created"] == 12
    assert job["started_at"] is not None and job["finished_at"] is not None
    assert Curriculum.objects.filter(code__startswith="bulk-").count() == 12
    assert Topic.objects.filter(curriculum__code="bulk-007").count() == 10


@pytest.mark.django_db(transaction=True)
def test_a_large_upload_while_the_broker_is_down_is_accepted_and_run_once_it_is_back(
    broker_unreachable, client_for, central_admin, settings
):
    """The job is stored before its task is sent: the upload answers 202 with it (a 503 would make
    the client upload again a file already kept), and the job waits, pending, for the requeue."""
    settings.IMPORT_SYNC_MAX_ROWS = 10
    client = client_for(central_admin)
    content = xlsx_bytes(large_catalogue(curricula=12, topics=10))

    response = client.post(
        "/api/v1/curricula/import", {"file": SimpleUploadedFile("lon.xlsx", content)}, format="multipart"
    )

    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == ImportStatus.PENDING
    assert client.get(response["Location"]).json()["status"] == "pending"

    # The broker is back (tasks in-process here); past the visibility timeout the job is queued again.
    broker_unreachable.conf.task_always_eager = True
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert import_jobs_requeue_lost() == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED
    assert Curriculum.objects.filter(code__startswith="bulk-").count() == 12
