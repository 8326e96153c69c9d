"""The classes whose pages (curriculum, calendar file) a user opens in the portal.

A learner: the classes they are enrolled in, whatever their status (the classes they may join have
their own list and no such pages). Everyone else: the classes the API lets them read
(courses.selectors.classes.classes_visible_to: a trainer's own, an admin's scope's).
"""

from __future__ import annotations

from django.db.models import QuerySet

from courses.core.permissions import is_central_admin, is_learner
from courses.models import TrainingClass
from courses.selectors.classes import classes_visible_to
from enrollment.selectors.learners import my_enrollments


def reads_as_learner(user) -> bool:
    # The API's test (classes_visible_to): the learner role, unless the user is a central admin.
    return is_learner(user) and not is_central_admin(user)


def portal_classes(user) -> QuerySet[TrainingClass]:
    if reads_as_learner(user):
        return TrainingClass.objects.filter(pk__in=my_enrollments(user).values("training_class_id"))
    return classes_visible_to(user)
