"""Writes of programmes with their targets and baselines (the reference data), and of the
completion rules, which mark stale every class they govern."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from courses.models import Programme, TrainingClass
from enrollment.models import CompletionRule
from enrollment.services.progress import class_progress_mark_stale
from reporting.models import TARGET_FIGURES, Baseline, RevisionAction, Target, TargetRevision
from reporting.services.stale import rollup_targets_mark_stale

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"


@transaction.atomic
def programmes_load() -> int:
    """Upsert the programmes with their targets and historical baselines (idempotent)."""
    items = json.loads((REFERENCE_DIR / "programmes.json").read_text(encoding="utf-8"))["programmes"]
    for item in items:
        programme, _ = Programme.objects.update_or_create(
            code=item["code"],
            defaults={
                "decision_number": item["decision_number"],
                "title_vi": item["title_vi"],
                "title_en": item["title_en"],
                "description": item.get("description", ""),
                "period_start": datetime.date.fromisoformat(item["period_start"]),
                "period_end": datetime.date.fromisoformat(item["period_end"]),
                "levels": item["levels"],
            },
        )
        for target in item.get("targets", []):
            values = dict(target)
            Target.objects.update_or_create(
                programme=programme,
                level=values.pop("level"),
                province=None,
                curriculum=None,
                position=None,
                year=None,
                defaults=values,
            )
        for baseline in item.get("baselines", []):
            values = dict(baseline)
            Baseline.objects.update_or_create(
                programme=programme, level=values.pop("level"), province=None, defaults=values
            )
    return len(items)


# --- targets -----------------------------------------------------------------------------------
# The progress rollups carry each row's target: each write marks them, with the change, for a
# refresh. Each write also appends the target's revision (its history: who changed which figures),
# in the same transaction; the report cache is replaced by reporting.receivers on the target's save.


def target_figures(target: Target) -> dict:
    """The figures a revision keeps (TARGET_FIGURES), as JSON: the budget as a string."""
    figures = {name: getattr(target, name) for name in TARGET_FIGURES}
    if figures["budget_million_vnd"] is not None:
        figures["budget_million_vnd"] = str(figures["budget_million_vnd"])
    return figures


def _target_scope(target: Target) -> dict:
    return {
        "programme_id": target.programme_id,
        "level": target.level,
        "province_id": target.province_id,
        "curriculum_id": target.curriculum_id,
        "position_id": target.position_id,
        "year": target.year,
        "label": str(target)[:200],
    }


def _target_revision_append(
    *, target: Target, action: str, user, source: str, previous: dict | None
) -> TargetRevision:
    return TargetRevision.objects.create(
        target=None if action == RevisionAction.DELETED else target,
        action=action,
        changed_by=user if getattr(user, "is_authenticated", False) else None,
        source=source,
        previous=previous,
        scope=_target_scope(target),
        **{name: getattr(target, name) for name in TARGET_FIGURES},
    )


@transaction.atomic
def target_create(*, data: Mapping, user=None, source: str = "api") -> Target:
    """A target from its validated fields (the API's TargetSerializer)."""
    target = Target.objects.create(**data)
    _target_revision_append(
        target=target, action=RevisionAction.CREATED, user=user, source=source, previous=None
    )
    rollup_targets_mark_stale()
    return target


@transaction.atomic
def target_update(*, target: Target, data: Mapping, user=None, source: str = "api") -> Target:
    """The fields given changed; the others keep their values. A write that changes no figure
    adds no revision."""
    previous = target_figures(target)
    for name, value in data.items():
        setattr(target, name, value)
    target.save()
    if target_figures(target) != previous:
        _target_revision_append(
            target=target, action=RevisionAction.UPDATED, user=user, source=source, previous=previous
        )
    rollup_targets_mark_stale()
    return target


@transaction.atomic
def target_delete(*, target: Target, user=None, source: str = "api") -> None:
    _target_revision_append(
        target=target,
        action=RevisionAction.DELETED,
        user=user,
        source=source,
        previous=target_figures(target),
    )
    target.delete()
    rollup_targets_mark_stale()


# --- completion rules --------------------------------------------------------------------------


@transaction.atomic
def completion_rule_save(*, rule: CompletionRule) -> CompletionRule:
    """Save a rule and mark stale every class it governs (the programme's classes; for the
    default rule, the classes of programmes without their own rule and of none)."""
    rule.full_clean()
    rule.save()
    if rule.programme_id is not None:
        classes = TrainingClass.objects.filter(programme_id=rule.programme_id)
    else:
        own = CompletionRule.objects.exclude(programme=None).values("programme_id")
        classes = TrainingClass.objects.filter(Q(programme__isnull=True) | ~Q(programme_id__in=own))
    class_progress_mark_stale(class_ids=classes.values_list("id", flat=True))
    return rule


@transaction.atomic
def completion_rule_delete(*, rule: CompletionRule) -> None:
    programme_id = rule.programme_id
    rule.delete()
    classes = (
        TrainingClass.objects.filter(programme_id=programme_id)
        if programme_id is not None
        else TrainingClass.objects.all()
    )
    class_progress_mark_stale(class_ids=classes.values_list("id", flat=True))
