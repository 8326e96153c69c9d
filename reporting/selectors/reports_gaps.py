"""What the figures lack: the current provinces with no class started or no data reported, and
how fresh the figures are (when computed, what is waiting to be recomputed)."""

from __future__ import annotations

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy

from courses.models import ClassStatus, Programme
from enrollment.models import StaleClass
from reporting.models import (
    ALL_LEVELS,
    ALL_YEARS,
    ClassProgress,
    Dimension,
    GenerationStatus,
    RollupGeneration,
    StaleRollup,
)
from reporting.selectors.progress import rollup_rows
from reporting.selectors.reports_rows import ROW_FIELDS, level_label
from reporting.selectors.reports_scope import Scope, current_provinces, programme_ref, province_ref


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
