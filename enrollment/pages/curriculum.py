"""A class's curriculum in the portal: the topics of the version the class follows (a class points
at one version of its curriculum set: courses.rules.curriculum_versions) and its materials.

For the people who may read the class (enrollment.selectors.portal_classes: a learner enrolled in
it, its trainers, the admins of its scope); 404 for anyone else, the sign-in page for anonymous
visitors. Only what the API's curriculum shows is read (courses.selectors.catalogue.curriculum_contents).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from courses.selectors.catalogue import curriculum_contents
from enrollment.selectors.portal_classes import portal_classes, reads_as_learner


@require_safe
@login_required(login_url="login")
def class_curriculum(request, pk: int):
    training_class = get_object_or_404(portal_classes(request.user).select_related("curriculum"), pk=pk)
    curriculum = training_class.curriculum
    contents = curriculum_contents(curriculum)
    return render(
        request,
        "portal/curriculum.html",
        {
            "training_class": training_class,
            "curriculum": curriculum,
            "topics": contents["topics"],
            "materials": contents["materials"],
            "total_hours": sum(topic.hours for topic in contents["topics"]),
            "as_learner": reads_as_learner(request.user),
        },
    )
