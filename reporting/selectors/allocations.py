"""Reads of allocations (chỉ tiêu giao): a programme's targets given to each province and to the
central training institutions as a group, with their history.

An allocation is a Target (reporting.models.Target) not narrowed to a curriculum or position: of
the provincial level for one province, or the central level for no province (the central
institutions' share, which is also the national target of that level). A year of None is the
whole period. The reports read the same rows for their targets, so what is allocated is what the
reports count against.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from courses.core.permissions import scope_by_province
from courses.models import Level, Programme
from reporting.models import AllocationScope, Target, TargetRevision

ALLOCATION_Q = Q(curriculum__isnull=True, position__isnull=True) & (
    Q(level=Level.PROVINCIAL, province__isnull=False) | Q(level=Level.CENTRAL, province__isnull=True)
)


def scope_of(target: Target) -> str:
    return AllocationScope.PROVINCE if target.province_id else AllocationScope.CENTRAL


def level_of(scope: str) -> str:
    return Level.PROVINCIAL if scope == AllocationScope.PROVINCE else Level.CENTRAL


def allocation_list(user) -> QuerySet[Target]:
    """The allocations the user may read: a central admin all of them; a provincial admin their
    province's (with the legacy provinces merged into it); anyone else none."""
    allocations = Target.objects.filter(ALLOCATION_Q).select_related("programme", "province")
    return scope_by_province(allocations, user, "province").order_by(
        "programme_id", "level", "province__code", "year", "id"
    )


def allocation_history(allocation: Target) -> QuerySet[TargetRevision]:
    """The allocation's revisions, newest first, with who made each."""
    return allocation.revisions.select_related("changed_by").order_by("-changed_at", "-id")


@dataclass(frozen=True)
class AllocationFigures:
    """What one scope (a province, or the central institutions) was allocated."""

    scope: str  # AllocationScope
    province_id: int | None
    province_code: str | None
    province_name: str | None
    target_luot: int
    target_classes: int | None
    target_learners: int | None
    budget_million_vnd: Decimal | None
    # The year of the figures, or None for the whole period.
    year: int | None
    # Whole-period figures added up from the yearly allocations (no whole-period row was set).
    from_years: bool = False


def _add(a, b):
    if a is None:
        return b
    return a if b is None else a + b


def allocations_for(programme: Programme, year: int | None = None) -> list[AllocationFigures]:
    """Each scope's allocation of a programme, ordered central first then by province code.

    `year` given: the allocations set for that year. `year` None: the whole period's, which is the
    whole-period allocation where one is set, else the sum of the scope's yearly ones (from_years).
    A plan-against-actual report sets these beside the figures of the same scope. One query.
    """
    rows = list(
        Target.objects.filter(ALLOCATION_Q, programme=programme)
        .filter(Q(year=year) if year is not None else Q())
        .select_related("province")
        .order_by("province__code", "year")
    )
    by_scope: dict[tuple, AllocationFigures] = {}
    for target in rows:
        key = (scope_of(target), target.province_id)
        figures = AllocationFigures(
            scope=key[0],
            province_id=target.province_id,
            province_code=target.province.code if target.province_id else None,
            province_name=target.province.name if target.province_id else None,
            target_luot=target.target_luot,
            target_classes=target.target_classes,
            target_learners=target.target_learners,
            budget_million_vnd=target.budget_million_vnd,
            year=target.year,
        )
        held = by_scope.get(key)
        if year is not None or target.year is None:
            by_scope[key] = figures
        elif held is None or held.from_years:
            # Yearly rows add up to the period's, unless a whole-period row is set.
            by_scope[key] = AllocationFigures(
                **{
                    **figures.__dict__,
                    "year": None,
                    "from_years": True,
                    **(
                        {
                            name: _add(getattr(held, name), getattr(figures, name))
                            for name in (
                                "target_luot",
                                "target_classes",
                                "target_learners",
                                "budget_million_vnd",
                            )
                        }
                        if held
                        else {}
                    ),
                }
            )
    return sorted(
        by_scope.values(), key=lambda f: (f.scope != AllocationScope.CENTRAL, f.province_code or "")
    )
