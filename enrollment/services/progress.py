"""Mark classes whose progress figures are stale and ask reporting to recompute them."""

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from courses.core.queue import enqueue_on_commit
from enrollment.models import StaleClass

# Owned by reporting; named, not imported, so that enrolment and attendance never depend on it.
RECOMPUTE_CLASS_TASK = "reporting.recompute_class_progress"


@transaction.atomic
def class_progress_mark_stale(*, class_ids: Iterable[int]) -> list[int]:
    """Mark the classes stale; enqueue a recompute only for those not already waiting for one.

    A burst of writes to one class therefore leads to one queued recompute (plus one more for
    writes that land while it runs), not one per record.
    """
    ids = sorted({int(i) for i in class_ids})
    if not ids:
        return []
    table = StaleClass._meta.db_table
    placeholders = ", ".join(["(%s, %s)"] * len(ids))
    params: list = []
    now = timezone.now()
    for class_id in ids:
        params += [class_id, now]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (training_class_id, marked_at) VALUES {placeholders} "  # noqa: S608 - table name from the model, values bound
            "ON CONFLICT (training_class_id) DO NOTHING RETURNING training_class_id",
            params,
        )
        newly_marked = [row[0] for row in cursor.fetchall()]
    for class_id in newly_marked:
        enqueue_on_commit(RECOMPUTE_CLASS_TASK, class_id)
    return newly_marked
