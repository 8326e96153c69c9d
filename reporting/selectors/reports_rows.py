"""The rows of the reports: the measures of a rollup row, their labels and order, and the
figures of a slice the rollup has no row for yet (its target still shown, from TargetBook).

Figures are plain dicts (JSON-ready: ints, Decimals, datetimes and strings), documented by the
serializers of reporting.api.serializers_reports. Labels are translated in the active language:
the request's, for the JSON answers and the exports alike.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TypedDict

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import ClassMode, Curriculum, Level, Programme, Region
from enrollment.models import Gender
from reporting.models import (
    ALL_LEVELS,
    ALL_YEARS,
    Dimension,
    Target,
)
from reporting.rules.figures import elapsed_percent
from reporting.selectors.reports_scope import Scope

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


class Figures(TypedDict):
    """The measures of one row of a report (a rollup row, or the figures of a slice without one)."""

    target_luot: int | None
    achieved_luot: int
    rate_percent: Decimal | None
    enrolled: int
    in_progress: int
    not_completed: int
    classes_planned: int | None  # None in the learner dimensions, as are the three below
    classes_started: int | None
    classes_held: int | None
    spending_million_vnd: Decimal | None
    cost_per_luot_million_vnd: Decimal | None
    elapsed_percent: Decimal | None
    projected_luot: int | None
    projected_rate_percent: Decimal | None
    computed_at: datetime.datetime | None


MEASURES = tuple(Figures.__annotations__)
CLASS_MEASURES = ("classes_planned", "classes_started", "classes_held", "spending_million_vnd")
ROW_FIELDS = ("scope_province_id", "level", "year", "dimension", "key", "key_id", "code", "label", *MEASURES)


# --- targets for rows the rollup does not have ----------------------------------------------------


class TargetBook:
    """The programme's targets, loaded on first use with one query, matched to a slice the way the
    rollup matches them (reporting.services.sql_rollups._target_sum): same level (any, for all levels); year-less
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
            return sum_or_none(t[6] for t in matching if t[2] is None)
        own = sum_or_none(t[6] for t in matching if t[2] == province_id)
        if own is not None:
            return own
        return sum_or_none(t[6] for t in matching if t[3] == province_id and t[2] != province_id)


def sum_or_none(values) -> int | None:
    values = list(values)
    return sum(values) if values else None


def empty_figures(*, target: int | None, elapsed_percent: Decimal | None, learner_dimension=False) -> Figures:
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


def figures_of(row: dict) -> Figures:
    return {name: row[name] for name in MEASURES}


# --- labels ------------------------------------------------------------------------------------


def level_label(level: str) -> str:
    if level == ALL_LEVELS:
        return str(_("Tất cả các cấp"))
    return str(dict(Level.choices).get(level, level))


def key_label(dimension: str, key: str, label: str) -> str:
    """A breakdown row's label: the stored name for provinces, curricula and positions, the
    choice's label for the others; a choice not recorded is said to be so, never a blank label."""
    if key == "" and dimension in (Dimension.REGION, Dimension.MODE, Dimension.GENDER):
        return str(_("Chưa xác định"))
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


def row_sort_key(dimension: str, row: dict):
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


def latest_computed_at(*figures: dict):
    stamps = [f["computed_at"] for f in figures if f.get("computed_at") is not None]
    return max(stamps) if stamps else None


def curriculum_slice(curriculum: Curriculum | None) -> tuple[str, str]:
    if curriculum is None:
        return Dimension.TOTAL.value, ""
    return Dimension.CURRICULUM.value, str(curriculum.pk)


def curriculum_ref(curriculum: Curriculum | None) -> dict | None:
    if curriculum is None:
        return None
    return {"id": curriculum.pk, "code": curriculum.code, "title": curriculum.title_vi}


def levels_of(programme: Programme, present) -> list[str]:
    wanted = set(programme.levels or []) | {level for level in present if level}
    return [level for level in Level.values if level in wanted]


def _years_of(programme: Programme, present) -> list[int]:
    years = set(range(programme.period_start.year, programme.period_end.year + 1))
    return sorted(years | {year for year in present if year != ALL_YEARS})


def rows_by_year(
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
            figures = empty_figures(target=target, elapsed_percent=elapsed_percent(programme, year, today))
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
