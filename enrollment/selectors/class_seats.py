"""The enrolment figures of the classes courses lists: seats taken, the waitlist, a learner's own status.

courses may not import enrollment, yet its class list shows these figures: it calls the functions
here through settings (CLASS_ENROLLMENT_FIGURES, CLASSES_WITH_SEAT), so that the enrolment statuses
and which of them hold a seat are written once, in this app (EnrollmentStatus, SEAT_STATUSES).
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from courses.models import TrainingClass
from enrollment.models import SEAT_STATUSES, Enrollment, EnrollmentStatus, Learner


def class_enrollment_figures(
    classes: QuerySet[TrainingClass], *, learner: Learner | None = None
) -> QuerySet[TrainingClass]:
    """`seats_taken` and `waitlisted_count` of each class, and for a learner `my_enrollment_status`
    (null if not enrolled), annotated in the same query."""
    classes = classes.annotate(
        seats_taken=Count("enrollments", filter=Q(enrollments__status__in=SEAT_STATUSES)),
        waitlisted_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITLISTED)),
    )
    if learner is not None:
        mine = Enrollment.objects.filter(training_class=OuterRef("pk"), learner_id=learner.pk).values(
            "status"
        )[:1]
        classes = classes.annotate(my_enrollment_status=Subquery(mine))
    return classes


def classes_with_seat(learner: Learner) -> QuerySet:
    """Ids of the classes where the learner holds a seat (enrolled, completed or not completed)."""
    return Enrollment.objects.filter(learner_id=learner.pk, status__in=SEAT_STATUSES).values(
        "training_class_id"
    )
