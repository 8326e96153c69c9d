"""The past periods' reported figures (baselines) beside the programme's live figures."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from courses.models import Level, Programme
from reporting.models import (
    ALL_LEVELS,
    Baseline,
)
from reporting.rules.figures import cost_per_luot, rate_percent
from reporting.selectors.reports_progress import report_summary
from reporting.selectors.reports_rows import level_label, sum_or_none
from reporting.selectors.reports_scope import Scope, programme_ref


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
    target = sum_or_none(b.target_luot for b in items if b.target_luot is not None)
    achieved = sum(b.achieved_luot for b in items)
    spending = sum_or_none(b.spending_million_vnd for b in items if b.spending_million_vnd is not None)
    reported_rate = items[0].achieved_rate_percent if len(items) == 1 else None
    return {
        "level": level,
        "label": level_label(level),
        "target_luot": target,
        "achieved_luot": achieved,
        "rate_percent": reported_rate if reported_rate is not None else rate_percent(achieved, target),
        "spending_million_vnd": spending,
        "cost_per_luot_million_vnd": cost_per_luot(spending, achieved),
        "projected_luot": None,
        "projected_rate_percent": None,
        "provinces_reporting": sum_or_none(
            b.provinces_reporting for b in items if b.provinces_reporting is not None
        ),
        "communes": sum_or_none(b.communes for b in items if b.communes is not None),
        "reference": "; ".join(dict.fromkeys(b.source for b in items if b.source)),
        "note": "; ".join(dict.fromkeys(b.note for b in items if b.note)),
        "computed_at": None,
    }


def _sum_levels(level_rows: list[dict]) -> dict:
    target = sum_or_none(r["target_luot"] for r in level_rows if r["target_luot"] is not None)
    achieved = sum(r["achieved_luot"] for r in level_rows)
    spending = sum_or_none(
        r["spending_million_vnd"] for r in level_rows if r["spending_million_vnd"] is not None
    )
    return {
        "level": ALL_LEVELS,
        "label": level_label(ALL_LEVELS),
        "target_luot": target,
        "achieved_luot": achieved,
        "rate_percent": rate_percent(achieved, target),
        "spending_million_vnd": spending,
        "cost_per_luot_million_vnd": cost_per_luot(spending, achieved),
        "projected_luot": None,
        "projected_rate_percent": None,
        "provinces_reporting": None,
        "communes": None,
        "reference": "; ".join(dict.fromkeys(r["reference"] for r in level_rows if r["reference"])),
        "note": "",
        "computed_at": None,
    }
