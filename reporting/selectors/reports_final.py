"""The final report (tổng kết) of a closed period: the figures frozen at the close, and beside them
what was recorded since (never added in).

The frozen figures are the summary report (reports_progress.report_summary) of the nation and of
each current province as it was answered at the close, kept in PeriodClose.figures. "After the
close" is the live summary less the frozen one, per level (so a late correction shows there, as
+N lượt, and never in the final figures), with the records entered since the close counted from
the records themselves: attendance marks, enrolments and completions of the programme's classes.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.db.models import Q
from rest_framework.renderers import JSONRenderer

from courses.models import Programme
from enrollment.models import Attendance, Enrollment, EnrollmentStatus
from reporting.models import PeriodClose
from reporting.selectors.reports_progress import report_summary
from reporting.selectors.reports_scope import Scope, current_provinces, programme_ref

# The measures compared with the frozen figures: the counts and the spending. Rates, paces and
# costs are derived from these and are not differences.
DELTA_MEASURES = ("achieved_luot", "enrolled", "classes_planned", "classes_started", "classes_held")


def as_json(value) -> dict:
    """An answer as a client reads it (numbers, ISO dates): how the frozen figures are kept."""
    return json.loads(JSONRenderer().render(value))


def period_figures(programme: Programme) -> dict:
    """The summary of the nation and of every current province, to freeze at a close."""
    return {
        "national": as_json(report_summary(programme=programme, scope=Scope())),
        "provinces": {
            str(province.pk): as_json(report_summary(programme=programme, scope=Scope(province)))
            for province in current_provinces()
        },
    }


def programme_closed_latest() -> Programme | None:
    """The programme closed last as of the latest date: the final report's default."""
    close = PeriodClose.objects.select_related("programme").order_by("-closed_on", "-closed_at").first()
    return close.programme if close else None


def _delta(live: dict, frozen: dict) -> dict:
    """live − frozen per measure; a measure missing at the close (a level without a row) was 0."""
    out = {}
    for name in DELTA_MEASURES:
        now, then = live.get(name), frozen.get(name, 0)
        out[name] = None if now is None or then is None else now - then
    now, then = live.get("spending_million_vnd"), frozen.get("spending_million_vnd", 0)
    out["spending_million_vnd"] = (
        None if now is None or then is None else Decimal(str(now)) - Decimal(str(then))
    )
    return out


def records_after(close: PeriodClose, scope: Scope) -> dict:
    """Records of the programme's classes (in the scope) entered after the close: three counts."""

    def of_classes(prefix: str) -> Q:
        condition = Q(**{f"{prefix}__programme_id": close.programme_id})
        if not scope.is_national:
            condition &= Q(**{f"{prefix}__province_id": scope.province_id}) | Q(
                **{f"{prefix}__province__successor_id": scope.province_id}
            )
        return condition

    classes = of_classes("training_class")
    return {
        "attendance": Attendance.objects.filter(
            of_classes("enrollment__training_class"), recorded_at__gt=close.closed_at
        ).count(),
        "enrolments": Enrollment.objects.filter(classes, created_at__gt=close.closed_at).count(),
        "completions": Enrollment.objects.filter(
            classes, status=EnrollmentStatus.COMPLETED, status_changed_at__gt=close.closed_at
        ).count(),
    }


def report_final(*, close: PeriodClose, scope: Scope) -> dict:
    """The frozen figures of the scope, and what changed since the close beside them."""
    if scope.is_national:
        frozen = close.figures.get("national")
    else:
        frozen = close.figures.get("provinces", {}).get(str(scope.province_id))
    live = as_json(report_summary(programme=close.programme, scope=scope))
    if frozen is None:
        # A province made current after the close had no figures of its own then.
        frozen = {"levels": [], "total": None}
    frozen_levels = {row["level"]: row for row in frozen["levels"]}
    after_levels = [
        {"level": row["level"], "label": row["label"], **_delta(row, frozen_levels.get(row["level"], {}))}
        for row in live["levels"]
    ]
    return {
        "programme": programme_ref(close.programme),
        "scope": scope.as_dict(),
        "close": {
            "closed_on": close.closed_on,
            "closed_at": close.closed_at,
            "closed_by": close.closed_by.get_username() if close.closed_by else None,
            "note": close.note,
        },
        "final": {
            "levels": frozen["levels"],
            "total": frozen["total"],
            "computed_at": frozen.get("computed_at"),
        },
        "after_close": {
            "levels": after_levels,
            "total": _delta(live["total"], frozen["total"] or {}),
            "records": records_after(close, scope),
        },
    }
