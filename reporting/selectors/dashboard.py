"""The figures of the admins' dashboard (reporting.pages.dashboard), from the same selectors as
the report API: one programme, one scope (the nation or a province), a level and a curriculum."""

from __future__ import annotations

from django.db.models import QuerySet, Subquery

from courses.models import Curriculum, Programme
from reporting.models import Dimension
from reporting.selectors.reports_gaps import report_freshness, report_gaps
from reporting.selectors.reports_history import report_history
from reporting.selectors.reports_progress import report_breakdown, report_summary
from reporting.selectors.reports_rows import BY_YEAR
from reporting.selectors.reports_scope import Scope, curricula_reported


def dashboard_curricula(programme: Programme, scope: Scope) -> QuerySet[Curriculum]:
    """The curricula with figures in the scope: the dashboard's curriculum choices."""
    ids = curricula_reported(programme, scope).values("key_id")
    return Curriculum.objects.filter(pk__in=Subquery(ids)).order_by("code", "version")


def dashboard_figures(
    *, programme: Programme, scope: Scope, level: str, curriculum: Curriculum | None
) -> dict:
    """The summary (all levels; `headline` the level asked for, else the total), the bars by
    province, the trend by year, the past periods, the freshness and the gaps."""
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
        "history": report_history(programme=programme, scope=scope),
        "freshness": report_freshness(scope=scope),
        "gaps": report_gaps(programme=programme, scope=scope, level=level),
    }
