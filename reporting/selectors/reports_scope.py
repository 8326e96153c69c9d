"""What a report covers and for whom: the scope (the nation or one current province) a user may
read, the programme shown by default, and the references of programmes and provinces in answers.

A provincial admin reads their province's slice only (report_scope); the figures of one slice are
the same rows whoever reads them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.core.permissions import is_central_admin, is_province_admin
from courses.models import Programme, Province
from reporting.models import (
    ALL_LEVELS,
    ALL_YEARS,
    Dimension,
)
from reporting.selectors.progress import rollup_rows


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
    """'tỉnh Thái Nguyên' ('Thái Nguyên province' in English), 'Thành phố Hà Nội' (city names
    carry their kind already: they are the name)."""
    name = province.name
    if name.lower().startswith(("thành phố", "tỉnh")):
        return name
    if province.division_type.lower() == "tỉnh":
        return _("tỉnh %(name)s") % {"name": name}
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
