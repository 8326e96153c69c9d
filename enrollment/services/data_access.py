"""The record of who read which learner's personal data (enrollment.rules.personal_data states the rule).

Every endpoint and export that shows learners to someone else calls `learner_data_access_record`
once with the learners it shows: one INSERT per request, whatever their number.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from enrollment.models import Learner, LearnerDataAccess
from enrollment.rules.personal_data import reads_full_record

ENDPOINT_LENGTH = LearnerDataAccess._meta.get_field("endpoint").max_length
PATH_LENGTH = LearnerDataAccess._meta.get_field("path").max_length
READS_INSERT_SQL = """INSERT INTO {table} (reader_id, learner_id, at, endpoint, path, training_class_id, full_record)
SELECT %(reader)s, learner_id, %(at)s, %(endpoint)s, %(path)s, %(training_class)s, full_record
FROM unnest(%(learners)s::bigint[], %(full)s::boolean[]) AS reads (learner_id, full_record)
"""


def learner_data_access_record(
    *, request, learners: Iterable[Learner], training_class_id: int | None = None
) -> int:
    """Record that the request's user read these learners (their own record excepted); how many."""
    reader = getattr(request, "user", None)
    return learner_reads_record(
        request=request,
        reads=((learner.pk, learner.user_id, reads_full_record(reader, learner)) for learner in learners),
        training_class_id=training_class_id,
    )


def learner_reads_record(
    *, request, reads: Iterable[tuple[int, int | None, bool]], training_class_id: int | None = None
) -> int:
    """`learner_data_access_record` for learners read as values (a roster of thousands): each read
    is (the learner's id, their account's id, whether the reader reads their full record)."""
    reader = getattr(request, "user", None)
    if not (reader and reader.is_authenticated):
        return 0
    match = getattr(request, "resolver_match", None)
    endpoint = (match.view_name if match else "")[:ENDPOINT_LENGTH]
    path = request.path[:PATH_LENGTH]
    now = timezone.now()
    reads = {learner_id: full_record for learner_id, user_id, full_record in reads if user_id != reader.pk}
    if connection.vendor == "postgresql":
        # One statement of two arrays: no model instance per read, nothing compiled per value (a
        # trainer's roster page logs thousands of reads each time it is shown).
        with connection.cursor() as cursor:
            cursor.execute(
                READS_INSERT_SQL.format(table=connection.ops.quote_name(LearnerDataAccess._meta.db_table)),
                {
                    "reader": reader.pk,
                    "at": now,
                    "endpoint": endpoint,
                    "path": path,
                    "training_class": training_class_id,
                    "learners": list(reads),
                    "full": list(reads.values()),
                },
            )
        return len(reads)
    # The embedded default (SQLite): the ORM.
    LearnerDataAccess.objects.bulk_create(
        LearnerDataAccess(
            reader_id=reader.pk,
            learner_id=learner_id,
            at=now,
            endpoint=endpoint,
            path=path,
            training_class_id=training_class_id,
            full_record=full_record,
        )
        for learner_id, full_record in reads.items()
    )
    return len(reads)
