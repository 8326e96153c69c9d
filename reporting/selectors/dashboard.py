"""The figures of the admins' dashboard (reporting.pages.dashboard), from the same selectors as
the report API: one programme, one scope (the nation or a province), a level and a curriculum."""

from __future__ import annotations

from django.db.models import QuerySet, Subquery

from courses.models import Curriculum, Position, Programme
from reporting.models import Dimension
from reporting.selectors.reports_gaps import report_freshness, report_gaps
from reporting.selectors.reports_history import report_history
from reporting.selectors.reports_progress import report_breakdown, report_summary
from reporting.selectors.reports_rows import BY_YEAR
from reporting.selectors.reports_scope import Scope, curricula_reported

# The breakdowns the page shows beside the bars, in this order: the same reports as the exports'
# "by position", "by gender", "by ethnic minority" and "by region" (report_breakdown), so that the
# page and the files agree. A province's region is the province itself: it gets no region table.
SHOWN_BREAKDOWNS = (Dimension.POSITION, Dimension.GENDER, Dimension.ETHNIC_MINORITY, Dimension.REGION)


def dashboard_curricula(programme: Programme, scope: Scope) -> QuerySet[Curriculum]:
    """The curricula with figures in the scope: the dashboard's curriculum choices."""
    ids = curricula_reported(programme, scope).values("key_id")
    return Curriculum.objects.filter(pk__in=Subquery(ids)).order_by("code", "version")


def dashboard_figures(
    *, programme: Programme, scope: Scope, level: str, curriculum: Curriculum | None
) -> dict:
    """The summary (all levels; `headline` the level asked for, else the total), the bars by
    province, the trend by year, the breakdowns (none with a curriculum: its rows are not crossed
    with the others), the past periods, the freshness and the gaps. One query per part (plus the
    targets' when a slice has no row yet), whatever the number of classes or provinces."""
    summary = report_summary(programme=programme, scope=scope, curriculum=curriculum)
    headline = summary["total"]
    if level:
        headline = next((row for row in summary["levels"] if row["level"] == level), headline)
    if scope.is_national or curriculum is not None:
        by_province = report_breakdown(
            programme=programme,
            scope=scope,
            dimension=Dimension.CURRENT_PROVINCE,
            level=level,
            curriculum=curriculum,
        )
    else:
        # A province: its bars are the units it is made of (legacy provinces merged into it).
        by_province = report_breakdown(
            programme=programme, scope=scope, dimension=Dimension.PROVINCE, level=level
        )
    return {
        "summary": summary,
        "headline": headline,
        "by_province": by_province,
        "by_year": report_breakdown(
            programme=programme, scope=scope, dimension=BY_YEAR, level=level, curriculum=curriculum
        ),
        "breakdowns": dashboard_breakdowns(programme=programme, scope=scope, level=level)
        if curriculum is None
        else [],
        "history": report_history(programme=programme, scope=scope),
        "freshness": report_freshness(scope=scope),
        "gaps": report_gaps(programme=programme, scope=scope, level=level),
    }


def dashboard_breakdowns(*, programme: Programme, scope: Scope, level: str) -> list[dict]:
    """The scope's figures by position, gender, ethnic minority and (nationally) region: the
    breakdown reports the exports write, one query each."""
    return [
        report_breakdown(programme=programme, scope=scope, dimension=dimension.value, level=level)
        for dimension in SHOWN_BREAKDOWNS
        if scope.is_national or dimension != Dimension.REGION
    ]


def position_names_en(ids: list[int]) -> dict[int, str]:
    """The English names of these positions, where they have one: one query, none without ids."""
    if not ids:
        return {}
    return dict(Position.objects.filter(pk__in=ids).exclude(name_en="").values_list("pk", "name_en"))
