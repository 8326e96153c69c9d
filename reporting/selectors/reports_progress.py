"""Reads of the admins' progress reports: slices of the live rollup generation shaped for the API,
the CSV/XLSX exports and the dashboard.

Each report is a small constant number of queries, whatever the number of classes or provinces:
the rows of one slice of ProgressRollup (live generation only, through the indexes
rollup_slice_idx and rollup_key_idx), plus at most the programme, the current provinces and the
programme's targets (only when a row is missing and its target must still be shown). Nothing
here loops over rows with a query per row.

Progress against the targets here (summary, breakdowns, one province in detail); the past periods
beside the live one in reports_history; the provinces lacking data and the freshness of the
figures in reports_gaps. Their rows and labels are built by reports_rows, their scope by
reports_scope.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Curriculum, Programme, Province
from reporting.models import (
    ALL_LEVELS,
    ALL_YEARS,
    LEARNER_DIMENSIONS,
    Dimension,
)
from reporting.rules.figures import elapsed_percent
from reporting.selectors.progress import rollup_rows
from reporting.selectors.reports_rows import (
    BY_YEAR,
    CLASS_MEASURES,
    DIMENSION_LABELS,
    PROVINCE_DETAIL_DIMENSIONS,
    ROW_FIELDS,
    TargetBook,
    breakdown_row,
    curriculum_ref,
    curriculum_slice,
    empty_figures,
    figures_of,
    latest_computed_at,
    level_label,
    level_row,
    levels_of,
    row_sort_key,
    rows_by_year,
)
from reporting.selectors.reports_scope import Scope, current_provinces, programme_ref


def report_summary(
    *, programme: Programme, scope: Scope, year: int = ALL_YEARS, curriculum: Curriculum | None = None
) -> dict:
    """Progress against the targets per level and in total: one query on the live rollup (plus
    the targets, only when a level has no row yet)."""
    dimension, key = curriculum_slice(curriculum)
    rows = rollup_rows(
        programme=programme, scope_province=scope.province, year=year, dimension=dimension, key=key
    ).values(*ROW_FIELDS)
    by_level = {row["level"]: figures_of(row) for row in rows}
    targets = TargetBook(programme.pk)
    elapsed = elapsed_percent(programme, year, timezone.localdate())
    curriculum_id = curriculum.pk if curriculum else None

    def figures(level: str) -> dict:
        found = by_level.get(level)
        if found is not None:
            return found
        target = targets.target(
            level=level, year=year, province_id=scope.province_id, curriculum_id=curriculum_id
        )
        return empty_figures(target=target, elapsed_percent=elapsed)

    levels = [level_row(level, figures(level)) for level in levels_of(programme, by_level)]
    total = level_row(ALL_LEVELS, figures(ALL_LEVELS))
    return {
        "programme": programme_ref(programme),
        "scope": scope.as_dict(),
        "year": year or None,
        "curriculum": curriculum_ref(curriculum),
        "levels": levels,
        "total": total,
        "computed_at": latest_computed_at(total, *levels),
    }


def report_breakdown(
    *,
    programme: Programme,
    scope: Scope,
    dimension: str,
    level: str = ALL_LEVELS,
    year: int = ALL_YEARS,
    curriculum: Curriculum | None = None,
) -> dict:
    """One breakdown of the scope's figures: by a Dimension, or by year (dimension "year").

    By current province the rows are every current province in scope (zeros, with their targets,
    where nothing was held); the totals row is the scope's own total row, which the rows add up
    to (every class lies in exactly one key). With a curriculum, only the breakdowns by current
    province and by year are available (the curriculum's rows are not crossed with the others).
    """
    slice_dimension, slice_key = curriculum_slice(curriculum)
    targets = TargetBook(programme.pk)
    curriculum_id = curriculum.pk if curriculum else None
    today = timezone.localdate()
    elapsed = elapsed_percent(programme, year, today)
    learner = dimension in LEARNER_DIMENSIONS

    if dimension == BY_YEAR:
        rows = list(
            rollup_rows(
                programme=programme,
                scope_province=scope.province,
                level=level,
                dimension=slice_dimension,
                key=slice_key,
            ).values(*ROW_FIELDS)
        )
        result, total = rows_by_year(
            rows, programme=programme, scope=scope, level=level, targets=targets, curriculum_id=curriculum_id
        )
        year = ALL_YEARS
    elif dimension == Dimension.CURRENT_PROVINCE:
        # Each current province's own total (or curriculum) row, and the nation's: one query.
        rows = rollup_rows(
            programme=programme, level=level, year=year, dimension=slice_dimension, key=slice_key
        )
        if not scope.is_national:
            rows = rows.filter(scope_province=scope.province)
        rows = list(rows.values(*ROW_FIELDS))
        by_province = {row["scope_province_id"]: row for row in rows}
        provinces = [scope.province] if not scope.is_national else list(current_provinces())
        result = []
        for province in provinces:
            row = by_province.get(province.pk)
            if row is not None:
                figures = figures_of(row)
            else:
                target = targets.target(
                    level=level, year=year, province_id=province.pk, curriculum_id=curriculum_id
                )
                figures = empty_figures(target=target, elapsed_percent=elapsed)
            result.append(
                {
                    "key": str(province.pk),
                    "key_id": province.pk,
                    "code": province.code,
                    "label": province.name,
                    **figures,
                }
            )
        total_row = by_province.get(scope.province_id)
        total = figures_of(total_row) if total_row is not None else None
    else:
        rows = list(
            rollup_rows(
                programme=programme,
                scope_province=scope.province,
                level=level,
                year=year,
                dimension__in=[dimension, Dimension.TOTAL],
            ).values(*ROW_FIELDS)
        )
        keyed = sorted(
            (row for row in rows if row["dimension"] == dimension), key=lambda r: row_sort_key(dimension, r)
        )
        result = [breakdown_row(dimension, row) for row in keyed]
        totals = [row for row in rows if row["dimension"] == Dimension.TOTAL]
        total = figures_of(totals[0]) if totals else None

    if total is None:
        target = targets.target(
            level=level, year=year, province_id=scope.province_id, curriculum_id=curriculum_id
        )
        total = empty_figures(target=target, elapsed_percent=elapsed)
    if learner:
        # Class counts and spending do not split by a learner's attribute: leave them out.
        total = {**total, **dict.fromkeys(CLASS_MEASURES), "cost_per_luot_million_vnd": None}
    return {
        "programme": programme_ref(programme),
        "scope": scope.as_dict(),
        "dimension": dimension,
        "dimension_label": str(DIMENSION_LABELS[dimension]),
        "level": level,
        "level_label": level_label(level),
        "year": year or None,
        "curriculum": curriculum_ref(curriculum),
        "rows": result,
        "total": {"label": str(_("Tổng cộng")), **total},
        "computed_at": latest_computed_at(total, *result),
    }


def report_province(
    *, programme: Programme, province: Province, level: str = ALL_LEVELS, year: int = ALL_YEARS
) -> dict:
    """One current province in detail: per level and total, by year, and its breakdowns (units at
    the time, curricula, modes, positions, gender, ethnic minority), from one query."""
    scope = Scope(province)
    # One statement, three index ranges of rollup_slice_idx (a UNION: an OR of the three would
    # read the province's whole programme instead): the slice, its totals per level, per year.
    rows_of = rollup_rows(programme=programme, scope_province=province).values(*ROW_FIELDS)
    rows = list(
        rows_of.filter(level=level, year=year).union(
            rows_of.filter(dimension=Dimension.TOTAL, key="", year=year),
            rows_of.filter(dimension=Dimension.TOTAL, key="", level=level),
        )
    )
    targets = TargetBook(programme.pk)
    elapsed = elapsed_percent(programme, year, timezone.localdate())

    totals_by_level = {
        r["level"]: figures_of(r) for r in rows if r["dimension"] == Dimension.TOTAL and r["year"] == year
    }

    def level_figures(lvl: str) -> dict:
        found = totals_by_level.get(lvl)
        if found is not None:
            return found
        target = targets.target(level=lvl, year=year, province_id=province.pk)
        return empty_figures(target=target, elapsed_percent=elapsed)

    levels = [level_row(lvl, level_figures(lvl)) for lvl in levels_of(programme, totals_by_level)]
    total = level_row(ALL_LEVELS, level_figures(ALL_LEVELS))
    year_rows, year_total = rows_by_year(
        [r for r in rows if r["dimension"] == Dimension.TOTAL and r["level"] == level],
        programme=programme,
        scope=scope,
        level=level,
        targets=targets,
    )
    in_slice = [r for r in rows if r["level"] == level and r["year"] == year]
    slice_total = next((figures_of(r) for r in in_slice if r["dimension"] == Dimension.TOTAL), None)
    if slice_total is None:
        slice_total = empty_figures(
            target=targets.target(level=level, year=year, province_id=province.pk), elapsed_percent=elapsed
        )
    breakdowns = []
    for dimension in PROVINCE_DETAIL_DIMENSIONS:
        keyed = sorted(
            (r for r in in_slice if r["dimension"] == dimension),
            key=lambda r, d=dimension: row_sort_key(d, r),
        )
        breakdown_total = dict(slice_total)
        if dimension in LEARNER_DIMENSIONS:
            breakdown_total.update(dict.fromkeys(CLASS_MEASURES), cost_per_luot_million_vnd=None)
        breakdowns.append(
            {
                "dimension": dimension.value,
                "dimension_label": str(DIMENSION_LABELS[dimension.value]),
                "rows": [breakdown_row(dimension, r) for r in keyed],
                "total": {"label": str(_("Tổng cộng")), **breakdown_total},
            }
        )
    return {
        "programme": programme_ref(programme),
        "scope": scope.as_dict(),
        "level": level,
        "level_label": level_label(level),
        "year": year or None,
        "levels": levels,
        "total": total,
        "by_year": year_rows,
        "by_year_total": {"label": str(_("Tổng cộng")), **year_total} if year_total else None,
        "breakdowns": breakdowns,
        "computed_at": latest_computed_at(total, *levels),
    }
