"""The learners' portal at /portal/: a learner's classes with their progress against the programme's
rule, and the open classes they may join, on a phone, in Vietnamese by default.

Same selectors, services and permissions as the API (/api/v1/me/enrollments, /api/v1/classes/{id}/join):
a learner reads only their own enrolments; other roles are refused as the API refuses them (403),
anonymous visitors are sent to the sign-in page.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses.core.errors import DomainError
from courses.models import TrainingClass
from enrollment.pages.access import learner_page
from enrollment.selectors.learners import classes_to_join, learner_of_user, my_classes_progress
from enrollment.selectors.training_hours import my_training_hours
from enrollment.services.enrollments import enrollment_self_join


@require_GET
@learner_page
def my_classes(request):
    learner = learner_of_user(request.user)
    return render(
        request,
        "portal/my_classes.html",
        {
            "learner": learner,
            "training_hours": my_training_hours(learner),
            "classes": [_with_bar(progress) for progress in my_classes_progress(request.user)],
            "open_classes": list(classes_to_join(request.user)),
        },
    )


def _with_bar(progress: dict) -> dict:
    """The progress bar's width: the credited share of what the rule requires (100 % once met)."""
    required = progress["required_minutes"]
    done = progress["credited_minutes"]
    width = 100 if required and done >= required else (done * 100 // required if required else 0)
    return {**progress, "bar_width": width}


@require_POST
@learner_page
def join_class(request, pk: int):
    training_class = get_object_or_404(TrainingClass.objects.select_related("province"), pk=pk)
    try:
        enrollment = enrollment_self_join(user=request.user, training_class=training_class)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Bạn đã đăng ký lớp “%(title)s” (%(status)s).")
            % {"title": training_class.title, "status": enrollment.get_status_display()},
        )
    return redirect("portal:my_classes")
