"""Final assessment scores: one learner's, or many of a class at once, audited.

A closed class's scores are final as its attendance is (`attendance_checks.ensure_may_change`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from courses.core.errors import DomainError, ErrorItem
from courses.core.permissions import is_admin
from courses.core.text import nfc
from courses.models import TrainingClass
from enrollment.models import SEAT_STATUSES, Enrollment
from enrollment.rules.identity import national_id_or_blank
from enrollment.services.attendance_checks import ensure_may_change, nothing_written_error
from enrollment.services.audit import audit_entries_create, audit_entry
from enrollment.services.progress import class_progress_mark_stale

SCORE_MAX = Decimal(10)


def _score_state(score: Decimal | None) -> dict:
    return {"final_score": None if score is None else f"{score:.2f}"}


def parse_score(value) -> Decimal | None:
    """A score on the 10-point scale with at most two decimals; None clears it. ValueError if not."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_("Điểm phải là số từ 0 đến 10."))
    try:
        score = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("Điểm phải là số từ 0 đến 10.")) from None
    if not score.is_finite() or score < 0 or score > SCORE_MAX:
        raise ValueError(_("Điểm phải là số từ 0 đến 10."))
    if score != score.quantize(Decimal("0.01")):
        raise ValueError(_("Điểm có tối đa 2 chữ số thập phân."))
    return score.quantize(Decimal("0.01"))


@dataclass
class ScoresOutcome:
    updated: int
    unchanged: int
    enrollments: list[Enrollment]
    # The enrolments whose score changed (in a dry run: would change).
    changed_ids: set[int] = field(default_factory=set)


def scores_apply(
    *, pairs: Sequence[tuple[Enrollment, Decimal | None]], actor, reason: str, dry_run: bool = False
) -> ScoresOutcome:
    """Write the scores that differ from the stored ones, audited; a dry run decides the same and
    writes nothing (the enrolments keep their stored score)."""
    changed: list[tuple[Enrollment, dict]] = []
    for enrollment, score in pairs:
        if enrollment.final_score == score:
            continue
        before = _score_state(enrollment.final_score)
        if not dry_run:
            enrollment.final_score = score
        changed.append((enrollment, before))
    if changed and not dry_run:
        Enrollment.objects.bulk_update([e for e, _before in changed], ["final_score"], batch_size=1000)
        audit_entries_create(
            audit_entry(
                entity="enrollment",
                entity_id=e.pk,
                training_class_id=e.training_class_id,
                action="score",
                actor=actor,
                before=before,
                after=_score_state(e.final_score),
                source="admin" if is_admin(actor) else "trainer",
                reason=nfc(reason or ""),
            )
            for e, before in changed
        )
        class_progress_mark_stale(class_ids={e.training_class_id for e, _before in changed})
    return ScoresOutcome(
        updated=len(changed),
        unchanged=len(pairs) - len(changed),
        enrollments=[e for e, _s in pairs],
        changed_ids={e.pk for e, _before in changed},
    )


def not_scorable_error(enrollment: Enrollment, field_name: str) -> ErrorItem | None:
    if enrollment.status not in SEAT_STATUSES:
        return ErrorItem(
            _("Ghi danh đang ở trạng thái “%(status)s”: không ghi điểm được.")
            % {"status": enrollment.get_status_display()},
            field=field_name,
            code="not_active",
        )
    return None


@transaction.atomic
def enrollment_score_set(
    *, enrollment: Enrollment, score: Decimal | None, actor, reason: str = ""
) -> Enrollment:
    """Record (or clear, with None) a learner's final assessment score, audited."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("training_class")
        .get(pk=enrollment.pk)
    )
    ensure_may_change(classes=[enrollment.training_class], actor=actor, reason=reason)
    if error := not_scorable_error(enrollment, "score"):
        raise DomainError(message=error.message, errors=[error])
    scores_apply(pairs=[(enrollment, score)], actor=actor, reason=reason)
    return enrollment


@transaction.atomic
def enrollment_scores_set(
    *, training_class: TrainingClass, scores: Sequence[Mapping], actor, reason: str = ""
) -> ScoresOutcome:
    """Record many scores of one class at once: each item names `enrollment` or `national_id`."""
    ensure_may_change(classes=[training_class], actor=actor, reason=reason)
    enrollments = list(
        Enrollment.objects.select_for_update(of=("self",))
        .filter(training_class=training_class)
        .select_related("learner")
    )
    by_id = {e.pk: e for e in enrollments}
    by_national_id = {e.learner.national_id: e for e in enrollments}
    errors: list[ErrorItem] = []
    pairs: list[tuple[Enrollment, Decimal | None]] = []
    seen: dict[int, int] = {}
    for index, item in enumerate(scores):
        prefix = f"scores.{index}"
        if item.get("enrollment") is not None:
            name, enrollment = "enrollment", by_id.get(item["enrollment"])
        else:
            name = "national_id"
            enrollment = by_national_id.get(national_id_or_blank(item.get("national_id")))
        if enrollment is None:
            errors.append(
                ErrorItem(_("Không phải học viên của lớp này."), field=f"{prefix}.{name}", code="not_found")
            )
            continue
        if error := not_scorable_error(enrollment, f"{prefix}.{name}"):
            errors.append(error)
            continue
        if enrollment.pk in seen:
            errors.append(
                ErrorItem(
                    _("Học viên này đã có ở scores.%(first)d.") % {"first": seen[enrollment.pk]},
                    field=f"{prefix}.{name}",
                    code="duplicate",
                )
            )
            continue
        seen[enrollment.pk] = index
        pairs.append((enrollment, item.get("score")))
    if errors:
        raise nothing_written_error(errors)
    return scores_apply(pairs=pairs, actor=actor, reason=reason)
