"""A class's final assessment scores entered on a phone (/portal/trainer/classes/<id>/scores/): every
learner with a seat, one field each, saved in one POST through the service the API's
POST /classes/{id}/scores calls (enrollment_scores_set), scoped as it is (classes_managed_by)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from courses.core.errors import DomainError
from enrollment.models import SEAT_STATUSES
from enrollment.pages.access import trainer_page
from enrollment.pages.trainer import row_errors_shown
from enrollment.pages.trainer_class import asks_reason, managed_class
from enrollment.rules.personal_data import mask_national_id, reads_full_record
from enrollment.selectors.enrollments import enrollment_roster
from enrollment.services.data_access import learner_data_access_record
from enrollment.services.scores import enrollment_scores_set, parse_score


@require_http_methods(["GET", "POST"])
@trainer_page
def class_scores(request, pk: int):
    training_class = managed_class(request, pk)
    enrollments = [e for e in enrollment_roster(training_class, request.user) if e.status in SEAT_STATUSES]
    if request.method == "POST":
        _save(request, training_class, enrollments)
        return redirect("portal:trainer_scores", pk=training_class.pk)
    learner_data_access_record(
        request=request, learners=[e.learner for e in enrollments], training_class_id=training_class.pk
    )
    rows = [
        {
            "enrollment": enrollment,
            "national_id": enrollment.learner.national_id
            if reads_full_record(request.user, enrollment.learner)
            else mask_national_id(enrollment.learner.national_id),
            "score": "" if enrollment.final_score is None else f"{enrollment.final_score:.2f}",
        }
        for enrollment in enrollments
    ]
    return render(
        request,
        "portal/trainer_scores.html",
        {
            "training_class": training_class,
            "rows": rows,
            "asks_reason": asks_reason(request, training_class),
        },
    )


def _save(request, training_class, enrollments) -> None:
    """One call of enrollment_scores_set with the scores that changed (a blank field clears a score,
    as the API's null does); a score the rule refuses is named with its learner, nothing is saved."""
    scores, names, errors = [], [], []
    for enrollment in enrollments:
        raw = request.POST.get(f"score-{enrollment.pk}")
        if raw is None:
            continue
        try:
            score = parse_score(raw)
        except ValueError as error:
            errors.append(f"{enrollment.learner.full_name}: {error}")
            continue
        if score != enrollment.final_score:
            scores.append({"enrollment": enrollment.pk, "score": score})
            names.append(enrollment.learner.full_name)
    if errors:
        messages.error(request, _("Chưa lưu điểm nào."))
        for error in errors:
            messages.error(request, error)
        return
    if not scores:
        messages.success(request, _("Không có thay đổi nào để lưu."))
        return
    try:
        outcome = enrollment_scores_set(
            training_class=training_class,
            scores=scores,
            actor=request.user,
            reason=request.POST.get("reason", "").strip(),
        )
    except DomainError as error:
        row_errors_shown(request, error, names)
        return
    messages.success(request, _("Đã lưu %(count)d điểm.") % {"count": outcome.updated})
