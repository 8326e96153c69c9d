"""The record of who read which learner's personal data (enrollment.rules.personal_data states the rule).

Every endpoint and export that shows learners to someone else calls `learner_data_access_record`
once with the learners it shows: one INSERT per request, whatever their number.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from enrollment.models import Learner, LearnerDataAccess
from enrollment.rules.personal_data import reads_full_record

ENDPOINT_LENGTH = LearnerDataAccess._meta.get_field("endpoint").max_length
PATH_LENGTH = LearnerDataAccess._meta.get_field("path").max_length


def learner_data_access_record(
    *, request, learners: Iterable[Learner], training_class_id: int | None = None
) -> int:
    """Record that the request's user read these learners (their own record excepted); how many."""
    reader = getattr(request, "user", None)
    if not (reader and reader.is_authenticated):
        return 0
    match = getattr(request, "resolver_match", None)
    endpoint = (match.view_name if match else "")[:ENDPOINT_LENGTH]
    path = request.path[:PATH_LENGTH]
    now = timezone.now()
    rows = [
        LearnerDataAccess(
            reader_id=reader.pk,
            learner_id=learner.pk,
            at=now,
            endpoint=endpoint,
            path=path,
            training_class_id=training_class_id,
            full_record=reads_full_record(reader, learner),
        )
        for learner in {learner.pk: learner for learner in learners}.values()
        if learner.user_id != reader.pk
    ]
    LearnerDataAccess.objects.bulk_create(rows)
    return len(rows)
