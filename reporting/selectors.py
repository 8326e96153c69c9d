"""Reads for programmes, targets and baselines: querysets ready for the API to filter and page."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from courses.models import Programme
from reporting.models import Baseline, Target


def programme_list() -> QuerySet[Programme]:
    return Programme.objects.all()


def target_list() -> QuerySet[Target]:
    return Target.objects.select_related("programme", "province", "curriculum", "position")


def baseline_list() -> QuerySet[Baseline]:
    return Baseline.objects.select_related("programme", "province")


def in_province(queryset: QuerySet, province_id: int) -> QuerySet:
    """Rows of a province, counting the legacy provinces merged into it: targets set for Bắc Kạn
    (06) before July 2025 show under Thái Nguyên (19)."""
    return queryset.filter(Q(province_id=province_id) | Q(province__successor_id=province_id))


def target_scope_taken(*, programme, level, province, curriculum, position, year, exclude_pk=None) -> bool:
    """Whether another target already covers this scope; an empty part of the scope means "any"
    and collides only with another empty one, as the database constraint has it."""
    targets = Target.objects.filter(
        programme=programme,
        level=level,
        province=province,
        curriculum=curriculum,
        position=position,
        year=year,
    )
    return targets.exclude(pk=exclude_pk).exists()


def baseline_scope_taken(*, programme, level, province, exclude_pk=None) -> bool:
    baselines = Baseline.objects.filter(programme=programme, level=level, province=province)
    return baselines.exclude(pk=exclude_pk).exists()


def programme_levels_in_use(programme: Programme) -> set[str]:
    return set(programme.targets.values_list("level", flat=True))
