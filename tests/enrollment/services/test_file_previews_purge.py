"""The nightly purge of the trainers' previewed files: what was never applied goes once it is
older than FILE_PREVIEW_KEEP_DAYS; what was applied keeps its record (the class page lists it)
but not its bytes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from enrollment.models import FilePreview, UploadKind
from enrollment.services.file_previews import file_previews_purge
from enrollment.tasks import purge_file_previews_task
from tests.factories import TrainingClassFactory, UserFactory

pytestmark = pytest.mark.django_db


def _preview(training_class, trainer, *, age_days: float, applied: bool) -> FilePreview:
    preview = FilePreview.objects.create(
        kind=UploadKind.SCORES,
        training_class=training_class,
        created_by=trainer,
        file_name="bang-diem.csv",
        file_content=b"Ho va ten;Diem\n" * 1000,
        applied_at=timezone.now() if applied else None,
    )
    # created_at is auto_now_add: an upload of days ago is written as such afterwards.
    FilePreview.objects.filter(pk=preview.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return preview


def test_old_unapplied_previews_go_applied_ones_keep_their_record_and_recent_ones_stay(settings):
    settings.FILE_PREVIEW_KEEP_DAYS = 2
    training_class, trainer = TrainingClassFactory(), UserFactory()
    forgotten = _preview(training_class, trainer, age_days=3, applied=False)
    applied = _preview(training_class, trainer, age_days=3, applied=True)
    waiting = _preview(training_class, trainer, age_days=1, applied=False)

    assert file_previews_purge() == 2

    assert not FilePreview.objects.filter(pk=forgotten.pk).exists()
    applied.refresh_from_db()
    assert bytes(applied.file_content) == b"" and applied.applied_at is not None
    waiting.refresh_from_db()
    assert bytes(waiting.file_content).startswith(b"Ho va ten")
    # A second run (the beat's next night, or a redelivered task) finds nothing left to do.
    assert purge_file_previews_task() == 0


def test_the_purge_runs_nightly(settings):
    assert settings.CELERY_BEAT_SCHEDULE["enrollment-purge-file-previews"]["task"] == (
        purge_file_previews_task.name
    )
