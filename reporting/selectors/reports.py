"""Reads of the admins' progress reports: slices of the live rollup generation shaped for the API,
the CSV/XLSX exports and the dashboard.

Each report is a small constant number of queries, whatever the number of classes or provinces:
the rows of one slice of ProgressRollup (live generation only, through the indexes
rollup_slice_idx and rollup_key_idx), plus at most the programme, the current provinces and the
programme's targets (only when a row is missing and its target must still be shown). Nothing
here loops over rows with a query per row.

Figures are plain dicts (JSON-ready: ints, Decimals, datetimes and strings), documented by the
serializers of serializers_reports.py. Labels are translated in the active language: the
request's, for the JSON answers and the exports alike.

A provincial admin reads their province's slice only (report_scope); the figures of one slice are
the same rows whoever reads them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.core.permissions import is_central_admin, is_province_admin
from courses.models import ClassMode, ClassStatus, Curriculum, Level, Programme, Province, Region
from enrollment.models import Gender, StaleClass
from reporting.models import (
    ALL_LEVELS,
    ALL_YEARS,
    LEARNER_DIMENSIONS,
    Baseline,
    ClassProgress,
    Dimension,
    GenerationStatus,
    RollupGeneration,
    StaleRollup,
    Target,
)
from reporting.selectors.progress import rollup_rows
from reporting.services.progress import elapsed_millionths, rollup_period

# The pseudo-dimension of the breakdown by year (rows of the "total" dimension, one per year).
BY_YEAR = "year"

BREAKDOWN_DIMENSIONS = [d.value for d in Dimension if d != Dimension.TOTAL] + [BY_YEAR]
# A curriculum filter narrows the figures to that curriculum's rows, which exist per level, year
# and scope but are not crossed with the other dimensions.
CURRICULUM_FILTER_DIMENSIONS = (Dimension.CURRENT_PROVINCE.value, BY_YEAR)
# The breakdowns shown in one province's detail (its region and current province are itself).
PROVINCE_DETAIL_DIMENSIONS = (
    Dimension.PROVINCE,
    Dimension.CURRICULUM,
    Dimension.MODE,
    Dimension.POSITION,
    Dimension.GENDER,
    Dimension.ETHNIC_MINORITY,
)

DIMENSION_LABELS = {
    Dimension.PROVINCE.value: gettext_lazy("Tỉnh, thành phố (đơn vị tại thời điểm học)"),
    Dimension.CURRENT_PROVINCE.value: gettext_lazy("Tỉnh, thành phố (34 đơn vị hiện nay)"),
    Dimension.REGION.value: gettext_lazy("Vùng"),
    Dimension.CURRICULUM.value: gettext_lazy("Bộ chương trình, tài liệu"),
    Dimension.MODE.value: gettext_lazy("Hình thức bồi dưỡng"),
    Dimension.POSITION.value: gettext_lazy("Chức danh"),
    Dimension.GENDER.value: gettext_lazy("Giới tính"),
    Dimension.ETHNIC_MINORITY.value: gettext_lazy("Dân tộc thiểu số"),
    BY_YEAR: gettext_lazy("Năm"),
}

MEASURES = (
    "target_luot",
    "achieved_luot",
    "rate_percent",
    "enrolled",
    "in_progress",
    "not_completed",
    "classes_planned",
    "classes_started",
    "classes_held",
    "spending_million_vnd",
    "cost_per_luot_million_vnd",
    "elapsed_percent",
    "projected_luot",
    "projected_rate_percent",
    "computed_at",
)
CLASS_MEASURES = ("classes_planned", "classes_started", "classes_held", "spending_million_vnd")
ROW_FIELDS = ("scope_province_id", "level", "year", "dimension", "key", "key_id", "code", "label", *MEASURES)

TWO_PLACES = Decimal("0.01")


# --- scope and programme ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a report covers: the nation, or one current province (legacy units rolled into it)."""

    province: Province | None = None

    @property
    def is_national(self) -> bool:
        return self.province is None

    @property
    def province_id(self) -> int | None:
        return self.province.pk if self.province else None

    @property
    def name(self) -> str:
        return str(_("Toàn quốc")) if self.province is None else self.province.name

    @property
    def unit(self) -> str:
        """The reporting unit of an official report: the ministry, or the province's department."""
        if self.province is None:
            return str(_("Bộ Nội vụ"))
        return str(_("Sở Nội vụ %(province)s") % {"province": province_full_name(self.province)})

    def as_dict(self) -> dict:
        return {
            "kind": "national" if self.province is None else "province",
            "province": province_ref(self.province) if self.province else None,
            "name": self.name,
            "unit": self.unit,
        }


def province_full_name(province: Province) -> str:
    """'tỉnh Thái Nguyên', 'Thành phố Hà Nội' (city names carry their kind already)."""
    name = province.name
    if name.lower().startswith(("thành phố", "tỉnh")):
        return name
    return f"{province.division_type} {name}".strip()


def province_ref(province: Province) -> dict:
    return {"id": province.pk, "code": province.code, "name": province.name}


def programme_ref(programme: Programme) -> dict:
    return {
        "id": programme.pk,
        "code": programme.code,
        "decision_number": programme.decision_number,
        "title": programme.title_vi,
        "period_start": programme.period_start,
        "period_end": programme.period_end,
    }


def report_scope(user, province: Province | None = None) -> Scope:
    """The scope a user may read: a central admin any province or the nation; a provincial admin
    their own province only (asking for another is refused). Other roles are refused."""
    if is_central_admin(user):
        return Scope(province)
    if is_province_admin(user):
        own = Province.objects.select_related("successor").get(pk=user.province_id)
        own = own.current_unit or own
        if province is not None and province.pk != own.pk:
            raise PermissionDenied(_("Quản trị cấp tỉnh chỉ xem được số liệu của tỉnh mình."))
        return Scope(own)
    raise PermissionDenied


def report_scope_key(user) -> str | None:
    """All that report_scope's answer depends on besides the province asked for: the nation for
    a central admin, the province a provincial admin is bound to. None for other roles."""
    if is_central_admin(user):
        return "central"
    if is_province_admin(user):
        return f"province:{user.province_id}"
    return None


def programme_current(today: datetime.date | None = None) -> Programme | None:
    """The programme whose period contains today (the latest to start, if several do); else the
    latest one already started; else the first one to come."""
    today = today or timezone.localdate()
    programmes = list(Programme.objects.order_by("-period_start", "code"))
    running = [p for p in programmes if p.period_start <= today <= p.period_end]
    if running:
        return running[0]
    started = [p for p in programmes if p.period_start <= today]
    if started:
        return max(started, key=lambda p: (p.period_end, p.period_start))
    return programmes[-1] if programmes else None


def current_provinces() -> QuerySet[Province]:
    return Province.objects.current().order_by("code")


def curricula_reported(programme: Programme, scope: Scope) -> QuerySet:
    """(id, code, label) of the curricula with figures in the scope: the dashboard's filter list."""
    return (
        rollup_rows(
            programme=programme,
            scope_province=scope.province,
            level=ALL_LEVELS,
            year=ALL_YEARS,
            dimension=Dimension.CURRICULUM,
        )
        .order_by("code", "label")
        .values_list("key_id", "code", "label")
    )


# --- targets for rows the rollup does not have ----------------------------------------------------


class TargetBook:
    """The programme's targets, loaded on first use with one query, matched to a slice the way the
    rollup matches them (reporting.services.sql._target_sum): same level (any, for all levels); year-less
    targets for the whole period, else the year's; not narrowed to a curriculum or position unless
    the slice is that curriculum; national targets are set for no province, a province's are its
    own or else those of the legacy units merged into it. Used only for slices without rollup row
    (a level or province with no class yet), so the report still shows what is expected."""

    def __init__(self, programme_id: int):
        self.programme_id = programme_id
        self._targets: list[tuple] | None = None

    def _load(self) -> list[tuple]:
        if self._targets is None:
            self._targets = list(
                Target.objects.filter(programme_id=self.programme_id).values_list(
                    "level",
                    "year",
                    "province_id",
                    "province__successor_id",
                    "curriculum_id",
                    "position_id",
                    "target_luot",
                )
            )
        return self._targets

    def target(
        self, *, level: str = ALL_LEVELS, year: int = ALL_YEARS, province_id=None, curriculum_id=None
    ) -> int | None:
        matching = [
            t
            for t in self._load()
            if (level == ALL_LEVELS or t[0] == level)
            and ((year == ALL_YEARS and t[1] is None) or t[1] == year)
            and t[4] == curriculum_id
            and t[5] is None
        ]
        if province_id is None:
            return _sum_or_none(t[6] for t in matching if t[2] is None)
        own = _sum_or_none(t[6] for t in matching if t[2] == province_id)
        if own is not None:
            return own
        return _sum_or_none(t[6] for t in matching if t[3] == province_id and t[2] != province_id)


def _sum_or_none(values) -> int | None:
    values = list(values)
    return sum(values) if values else None


def _elapsed_percent(programme: Programme, year: int, today: datetime.date) -> Decimal:
    start, end = rollup_period(programme, year)
    return (Decimal(elapsed_millionths(start, end, today)) / 10000).quantize(TWO_PLACES)


def empty_figures(*, target: int | None, elapsed_percent: Decimal | None, learner_dimension=False) -> dict:
    """The figures of a slice with no class yet: nothing achieved, the target still owed."""
    projected = 0 if elapsed_percent else None
    figures = {
        "target_luot": target,
        "achieved_luot": 0,
        "rate_percent": Decimal("0.00") if target else None,
        "enrolled": 0,
        "in_progress": 0,
        "not_completed": 0,
        "classes_planned": None if learner_dimension else 0,
        "classes_started": None if learner_dimension else 0,
        "classes_held": None if learner_dimension else 0,
        "spending_million_vnd": None,
        "cost_per_luot_million_vnd": None,
        "elapsed_percent": elapsed_percent,
        "projected_luot": projected,
        "projected_rate_percent": Decimal("0.00") if target and projected is not None else None,
        "computed_at": None,
    }
    return figures


def figures_of(row: dict) -> dict:
    return {name: row[name] for name in MEASURES}


# --- labels ------------------------------------------------------------------------------------


def level_label(level: str) -> str:
    if level == ALL_LEVELS:
        return str(_("Tất cả các cấp"))
    return str(dict(Level.choices).get(level, level))


def key_label(dimension: str, key: str, label: str) -> str:
    """A breakdown row's label: the stored name for provinces, curricula and positions, the
    choice's label for the others."""
    if dimension == Dimension.REGION:
        return str(dict(Region.choices).get(key, key))
    if dimension == Dimension.MODE:
        return str(dict(ClassMode.choices).get(key, key))
    if dimension == Dimension.GENDER:
        return str(dict(Gender.choices).get(key, key))
    if dimension == Dimension.ETHNIC_MINORITY:
        return (
            str(_("Người dân tộc thiểu số")) if key == "1" else str(_("Người không thuộc dân tộc thiểu số"))
        )
    if dimension == Dimension.POSITION and key == "":
        return str(_("Chưa xác định chức danh"))
    if dimension == BY_YEAR:
        return str(_("Năm %(year)s") % {"year": key})
    return label


_CHOICE_ORDER = {
    Dimension.REGION.value: [c.value for c in Region],
    Dimension.MODE.value: [c.value for c in ClassMode],
    Dimension.GENDER.value: [c.value for c in Gender],
    Dimension.ETHNIC_MINORITY.value: ["1", "0"],
}


def _sort_key(dimension: str, row: dict):
    order = _CHOICE_ORDER.get(dimension)
    if order is not None:
        return (order.index(row["key"]) if row["key"] in order else len(order), row["key"])
    if dimension == Dimension.POSITION:
        return (row["key"] == "", row["label"], row["code"])
    return (row["code"], row["label"], row["key"])


def breakdown_row(dimension: str, row: dict) -> dict:
    return {
        "key": row["key"],
        "key_id": row["key_id"],
        "code": row["code"],
        "label": key_label(dimension, row["key"], row["label"]),
        **figures_of(row),
    }


def level_row(level: str, figures: dict) -> dict:
    return {"level": level, "label": level_label(level), **figures}


def _computed_at(*figures: dict):
    stamps = [f["computed_at"] for f in figures if f.get("computed_at") is not None]
    return max(stamps) if stamps else None


def _curriculum_slice(curriculum: Curriculum | None) -> tuple[str, str]:
    if curriculum is None:
        return Dimension.TOTAL.value, ""
    return Dimension.CURRICULUM.value, str(curriculum.pk)


def curriculum_ref(curriculum: Curriculum | None) -> dict | None:
    if curriculum is None:
        return None
    return {"id": curriculum.pk, "code": curriculum.code, "title": curriculum.title_vi}


# --- the reports -------------------------------------------------------------------------------


def _levels_of(programme: Programme, present) -> list[str]:
    wanted = set(programme.levels or []) | {level for level in present if level}
    return [level for level in Level.values if level in wanted]


def report_summary(
    *, programme: Programme, scope: Scope, year: int = ALL_YEARS, curriculum: Curriculum | None = None
) -> dict:
    """Progress against the targets per level and in total: one query on the live rollup (plus
    the targets, only when a level has no row yet)."""
    dimension, key = _curriculum_slice(curriculum)
    rows = rollup_rows(
        programme=programme, scope_province=scope.province, year=year, dimension=dimension, key=key
    ).values(*ROW_FIELDS)
    by_level = {row["level"]: figures_of(row) for row in rows}
    targets = TargetBook(programme.pk)
    elapsed = _elapsed_percent(programme, year, timezone.localdate())
    curriculum_id = curriculum.pk if curriculum else None

    def figures(level: str) -> dict:
        found = by_level.get(level)
        if found is not None:
            return found
        target = targets.target(
            level=level, year=year, province_id=scope.province_id, curriculum_id=curriculum_id
        )
        return empty_figures(target=target, elapsed_percent=elapsed)

    levels = [level_row(level, figures(level)) for level in _levels_of(programme, by_level)]
    total = level_row(ALL_LEVELS, figures(ALL_LEVELS))
    return {
        "programme": programme_ref(programme),
        "scope": scope.as_dict(),
        "year": year or None,
        "curriculum": curriculum_ref(curriculum),
        "levels": levels,
        "total": total,
        "computed_at": _computed_at(total, *levels),
    }


def _years_of(programme: Programme, present) -> list[int]:
    years = set(range(programme.period_start.year, programme.period_end.year + 1))
    return sorted(years | {year for year in present if year != ALL_YEARS})


def _by_year(
    rows: list[dict],
    *,
    programme: Programme,
    scope: Scope,
    level: str,
    targets: TargetBook,
    curriculum_id=None,
) -> tuple[list[dict], dict | None]:
    """Rows of the total (or curriculum) slice over the years: every year of the programme's
    period (zeros where nothing ended that year) plus any other year with classes."""
    by_year = {row["year"]: row for row in rows}
    today = timezone.localdate()
    result = []
    for year in _years_of(programme, by_year):
        row = by_year.get(year)
        if row is not None:
            figures = figures_of(row)
        else:
            target = targets.target(
                level=level, year=year, province_id=scope.province_id, curriculum_id=curriculum_id
            )
            figures = empty_figures(target=target, elapsed_percent=_elapsed_percent(programme, year, today))
        result.append(
            {
                "key": str(year),
                "key_id": year,
                "code": str(year),
                "label": key_label(BY_YEAR, str(year), ""),
                **figures,
            }
        )
    total = by_year.get(ALL_YEARS)
    return result, (figures_of(total) if total is not None else None)


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
    slice_dimension, slice_key = _curriculum_slice(curriculum)
    targets = TargetBook(programme.pk)
    curriculum_id = curriculum.pk if curriculum else None
    today = timezone.localdate()
    elapsed = _elapsed_percent(programme, year, today)
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
        result, total = _by_year(
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
            (row for row in rows if row["dimension"] == dimension), key=lambda r: _sort_key(dimension, r)
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
        "computed_at": _computed_at(total, *result),
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
    elapsed = _elapsed_percent(programme, year, timezone.localdate())

    totals_by_level = {
        r["level"]: figures_of(r) for r in rows if r["dimension"] == Dimension.TOTAL and r["year"] == year
    }

    def level_figures(lvl: str) -> dict:
        found = totals_by_level.get(lvl)
        if found is not None:
            return found
        target = targets.target(level=lvl, year=year, province_id=province.pk)
        return empty_figures(target=target, elapsed_percent=elapsed)

    levels = [level_row(lvl, level_figures(lvl)) for lvl in _levels_of(programme, totals_by_level)]
    total = level_row(ALL_LEVELS, level_figures(ALL_LEVELS))
    year_rows, year_total = _by_year(
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
            (r for r in in_slice if r["dimension"] == dimension), key=lambda r, d=dimension: _sort_key(d, r)
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
        "computed_at": _computed_at(total, *levels),
    }


def _rate(achieved, target) -> Decimal | None:
    if not target or achieved is None:
        return None
    # Truncated: 99.996% of a target is not shown as the 100% it has not reached.
    return (Decimal(achieved) * 100 / Decimal(target)).quantize(TWO_PLACES, rounding=ROUND_DOWN)


def _cost(spending, achieved) -> Decimal | None:
    if spending is None or not achieved:
        return None
    return (Decimal(spending) / Decimal(achieved)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def baselines_in_scope(scope: Scope) -> QuerySet[Baseline]:
    baselines = Baseline.objects.select_related("programme")
    if scope.is_national:
        return baselines.filter(province__isnull=True)
    return baselines.filter(Q(province=scope.province) | Q(province__successor=scope.province))


def report_history(*, programme: Programme, scope: Scope) -> dict:
    """The past periods' reported figures (Baseline: 2010-2015, 2016-2020, young cadres 2014-2020)
    beside the programme's live figures, oldest first. A province sees the figures reported for
    it (or for the legacy units merged into it), the nation the national ones."""
    grouped: dict[int, dict] = {}
    for baseline in baselines_in_scope(scope).exclude(programme=programme):
        entry = grouped.setdefault(
            baseline.programme_id,
            {"programme": baseline.programme, "levels": defaultdict(list)},
        )
        entry["levels"][baseline.level].append(baseline)

    periods = []
    for entry in sorted(grouped.values(), key=lambda e: (e["programme"].period_start, e["programme"].code)):
        level_rows = []
        for level in Level.values:
            items = entry["levels"].get(level)
            if items:
                level_rows.append(_baseline_level(level, items))
        level_figures = [{k: row[k] for k in HISTORY_LEVEL_FIELDS} for row in level_rows]
        total_items = entry["levels"].get(ALL_LEVELS)
        total = _baseline_level(ALL_LEVELS, total_items) if total_items else _sum_levels(level_rows)
        periods.append(
            {
                "programme": programme_ref(entry["programme"]),
                "source": "baseline",
                **total,
                "levels": level_figures,
            }
        )

    live = report_summary(programme=programme, scope=scope)
    live_total = live["total"]
    periods.append(
        {
            "programme": live["programme"],
            "source": "live",
            "level": ALL_LEVELS,
            "label": live_total["label"],
            "target_luot": live_total["target_luot"],
            "achieved_luot": live_total["achieved_luot"],
            "rate_percent": live_total["rate_percent"],
            "spending_million_vnd": live_total["spending_million_vnd"],
            "cost_per_luot_million_vnd": live_total["cost_per_luot_million_vnd"],
            "projected_luot": live_total["projected_luot"],
            "projected_rate_percent": live_total["projected_rate_percent"],
            "provinces_reporting": None,
            "communes": None,
            "reference": str(_("Số liệu trực tuyến của hệ thống")),
            "note": "",
            "computed_at": live["computed_at"],
            "levels": [
                {
                    "level": row["level"],
                    "label": row["label"],
                    "target_luot": row["target_luot"],
                    "achieved_luot": row["achieved_luot"],
                    "rate_percent": row["rate_percent"],
                }
                for row in live["levels"]
            ],
        }
    )
    return {"scope": scope.as_dict(), "programme": programme_ref(programme), "periods": periods}


HISTORY_LEVEL_FIELDS = ("level", "label", "target_luot", "achieved_luot", "rate_percent")


def _baseline_level(level: str, items: list[Baseline]) -> dict:
    """One level of a past programme (several items when legacy units each reported)."""
    target = _sum_or_none(b.target_luot for b in items if b.target_luot is not None)
    achieved = sum(b.achieved_luot for b in items)
    spending = _sum_or_none(b.spending_million_vnd for b in items if b.spending_million_vnd is not None)
    reported_rate = items[0].achieved_rate_percent if len(items) == 1 else None
    return {
        "level": level,
        "label": level_label(level),
        "target_luot": target,
        "achieved_luot": achieved,
        "rate_percent": reported_rate if reported_rate is not None else _rate(achieved, target),
        "spending_million_vnd": spending,
        "cost_per_luot_million_vnd": _cost(spending, achieved),
        "projected_luot": None,
        "projected_rate_percent": None,
        "provinces_reporting": _sum_or_none(
            b.provinces_reporting for b in items if b.provinces_reporting is not None
        ),
        "communes": _sum_or_none(b.communes for b in items if b.communes is not None),
        "reference": "; ".join(dict.fromkeys(b.source for b in items if b.source)),
        "note": "; ".join(dict.fromkeys(b.note for b in items if b.note)),
        "computed_at": None,
    }


def _sum_levels(level_rows: list[dict]) -> dict:
    target = _sum_or_none(r["target_luot"] for r in level_rows if r["target_luot"] is not None)
    achieved = sum(r["achieved_luot"] for r in level_rows)
    spending = _sum_or_none(
        r["spending_million_vnd"] for r in level_rows if r["spending_million_vnd"] is not None
    )
    return {
        "level": ALL_LEVELS,
        "label": level_label(ALL_LEVELS),
        "target_luot": target,
        "achieved_luot": achieved,
        "rate_percent": _rate(achieved, target),
        "spending_million_vnd": spending,
        "cost_per_luot_million_vnd": _cost(spending, achieved),
        "projected_luot": None,
        "projected_rate_percent": None,
        "provinces_reporting": None,
        "communes": None,
        "reference": "; ".join(dict.fromkeys(r["reference"] for r in level_rows if r["reference"])),
        "note": "",
        "computed_at": None,
    }


class GapReason:
    NO_CLASS_PLANNED = "no_class_planned"
    NO_CLASS_STARTED = "no_class_started"
    NO_ENROLMENT = "no_enrolment"
    NO_ATTENDANCE = "no_attendance"


GAP_LABELS = {
    GapReason.NO_CLASS_PLANNED: gettext_lazy("Chưa có lớp trong kế hoạch"),
    GapReason.NO_CLASS_STARTED: gettext_lazy("Chưa khai giảng lớp nào"),
    GapReason.NO_ENROLMENT: gettext_lazy("Chưa báo cáo học viên ghi danh"),
    GapReason.NO_ATTENDANCE: gettext_lazy("Chưa báo cáo điểm danh"),
}


def attendance_by_province(programme: Programme, level: str = ALL_LEVELS) -> QuerySet:
    """Attended minutes and held sessions per current province over the programme's classes
    (one grouped query on the per-class figures)."""
    classes = ClassProgress.objects.filter(training_class__programme=programme).exclude(
        training_class__status=ClassStatus.DRAFT
    )
    if level:
        classes = classes.filter(training_class__level=level)
    return (
        classes.order_by()
        .values("scope_province_id")
        .annotate(attended=Sum("attended_minutes"), held_sessions=Sum("held_sessions"))
    )


def report_gaps(*, programme: Programme, scope: Scope, level: str = ALL_LEVELS) -> dict:
    """The current provinces with no class started, or that report no data: no enrolment, or no
    attendance recorded in classes that have started. Three queries: the provinces, their rows
    and their attended minutes."""
    provinces = [scope.province] if not scope.is_national else list(current_provinces())
    rows = rollup_rows(
        programme=programme, level=level, year=ALL_YEARS, dimension=Dimension.TOTAL, key=""
    ).filter(scope_province_id__in=[p.pk for p in provinces])
    by_province = {row["scope_province_id"]: row for row in rows.values(*ROW_FIELDS)}
    attendance = {a["scope_province_id"]: a for a in attendance_by_province(programme, level)}
    gaps = []
    for province in provinces:
        row = by_province.get(province.pk)
        planned = (row or {}).get("classes_planned") or 0
        started = (row or {}).get("classes_started") or 0
        enrolled = (row or {}).get("enrolled") or 0
        attended = (attendance.get(province.pk) or {}).get("attended") or 0
        reasons = []
        if not planned:
            reasons.append(GapReason.NO_CLASS_PLANNED)
        if not started:
            reasons.append(GapReason.NO_CLASS_STARTED)
        if not enrolled:
            reasons.append(GapReason.NO_ENROLMENT)
        if started and enrolled and not attended:
            reasons.append(GapReason.NO_ATTENDANCE)
        if not reasons:
            continue
        gaps.append(
            {
                "province": province_ref(province),
                "reasons": reasons,
                "reason_labels": [str(GAP_LABELS[r]) for r in reasons],
                "classes_planned": planned,
                "classes_started": started,
                "enrolled": enrolled,
                "attended_minutes": attended,
                "achieved_luot": (row or {}).get("achieved_luot") or 0,
                "computed_at": (row or {}).get("computed_at"),
            }
        )
    return {
        "programme": programme_ref(programme),
        "scope": scope.as_dict(),
        "level": level,
        "level_label": level_label(level),
        "provinces_in_scope": len(provinces),
        "provinces_with_gaps": len(gaps),
        "provinces": gaps,
    }


def report_freshness(*, scope: Scope) -> dict:
    """When the figures were computed: the live generation, each current province's rows (their
    total rows' computed_at, over every programme) and the national rows; what is waiting."""
    live = RollupGeneration.objects.filter(status=GenerationStatus.LIVE).values("id", "published_at").first()
    rebuilding = RollupGeneration.objects.filter(status=GenerationStatus.BUILDING).exists()
    stamps = rollup_rows(dimension=Dimension.TOTAL, level=ALL_LEVELS, year=ALL_YEARS, key="")
    if not scope.is_national:
        stamps = stamps.filter(Q(scope_province=scope.province) | Q(scope_province__isnull=True))
    computed = {
        s["scope_province_id"]: s
        for s in stamps.order_by()
        .values("scope_province_id")
        .annotate(oldest=Min("computed_at"), newest=Max("computed_at"))
    }
    provinces = [scope.province] if not scope.is_national else list(current_provinces())
    stale_scopes = set(StaleRollup.objects.values_list("scope", flat=True))
    if not scope.is_national:
        stale_scopes &= {scope.province_id, StaleRollup.NATIONAL}
    waiting = StaleClass.objects.all()
    if not scope.is_national:
        waiting = waiting.filter(
            Q(training_class__province=scope.province) | Q(training_class__province__successor=scope.province)
        )
    waiting = waiting.aggregate(count=Count("pk"), oldest=Min("marked_at"))
    national = computed.get(None) or {}
    return {
        "scope": scope.as_dict(),
        "generation": live["id"] if live else None,
        "published_at": live["published_at"] if live else None,
        "rebuilding": rebuilding,
        "national_computed_at": national.get("newest"),
        "national_stale": StaleRollup.NATIONAL in stale_scopes,
        "provinces": [
            {
                "province": province_ref(province),
                "computed_at": (computed.get(province.pk) or {}).get("newest"),
                "oldest_computed_at": (computed.get(province.pk) or {}).get("oldest"),
                "stale": province.pk in stale_scopes,
            }
            for province in provinces
        ],
        "classes_waiting": waiting["count"],
        "oldest_waiting_since": waiting["oldest"],
        "rollups_waiting": len(stale_scopes),
    }
