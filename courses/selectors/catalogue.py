"""Reads for the catalogue and the reference data: querysets ready for the API to filter and page.

Each list selector loads its related rows up front so that the number of queries of a page does
not depend on its size.
"""

from __future__ import annotations

import re

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from courses.core.filter_fields import as_id
from courses.core.permissions import is_central_admin, is_province_admin
from courses.core.text import fold
from courses.models import Alias, Commune, Curriculum, ImportJob, Position, Province, Topic

_NOT_SLUG = re.compile(r"[^a-z0-9 ]+")


class ProvinceStatus(models.TextChoices):
    CURRENT = "current", _("Đang hiệu lực")
    LEGACY = "legacy", _("Trước 01/7/2025")


class ScopeKind(models.TextChoices):
    NATIONAL = "national", _("Toàn quốc")
    PROVINCE = "province", _("Một tỉnh")
    OWN = "own", _("Của bản thân")


def position_list() -> QuerySet[Position]:
    return Position.objects.all()


def _province_summaries() -> QuerySet[Province]:
    return Province.objects.only("id", "code", "name", "successor_id").order_by("code")


def province_list() -> QuerySet[Province]:
    return Province.objects.select_related("successor").prefetch_related(
        Prefetch("predecessors", queryset=_province_summaries())
    )


def province_mapping() -> QuerySet[Province]:
    """Each of the 63 legacy provinces with the current province it is now part of."""
    return Province.objects.legacy().select_related("successor").order_by("code")


def commune_list() -> QuerySet[Commune]:
    return Commune.objects.select_related("province")


def commune_search_key(query: str) -> str:
    """The form a commune name takes in `codename`: folded, punctuation dropped, words joined by "_".

    "Phường Xuân Hương - Đà Lạt" is stored as "phuong_xuan_huong_da_lat" and "Xã M’Drắk" as
    "xa_mdrak", so matching on this key finds a commune whether or not the query has diacritics.
    """
    return "_".join(_NOT_SLUG.sub("", fold(query)).split())


def commune_search(queryset: QuerySet[Commune], query: str) -> QuerySet[Commune]:
    key = commune_search_key(query)
    return queryset.filter(codename__contains=key) if key else queryset


def curriculum_list() -> QuerySet[Curriculum]:
    # Meta.ordering does not apply to an aggregating query: order explicitly for stable pages.
    curricula = Curriculum.objects.with_total_hours().order_by(*Curriculum._meta.ordering)
    return curricula.prefetch_related(
        Prefetch("positions", queryset=Position.objects.order_by("sort_order", "code"))
    )


def curriculum_detail() -> QuerySet[Curriculum]:
    return curriculum_list().prefetch_related("topics", "materials")


def curricula_for_position(queryset: QuerySet[Curriculum], position: str) -> QuerySet[Curriculum]:
    """Curricula serving a position given by id or by code.

    Filtered through a subquery rather than a join so that the total-hours sum is not multiplied
    by the joined rows and no DISTINCT is needed.
    """
    links = Curriculum.positions.through.objects
    position_id = as_id(position)
    links = (
        links.filter(position_id=position_id)
        if position_id is not None
        else links.filter(position__code=position)
    )
    return queryset.filter(pk__in=links.values("curriculum_id"))


def curriculum_as_data(curriculum: Curriculum) -> dict:
    """A stored curriculum in the shape `curriculum_upsert` takes, so that a partial update can be
    merged over it."""
    return {
        "code": curriculum.code,
        "version": curriculum.version,
        "title_vi": curriculum.title_vi,
        "title_en": curriculum.title_en,
        "description": curriculum.description,
        "area_type": curriculum.area_type,
        "issued_on": curriculum.issued_on,
        "issued_by": curriculum.issued_by,
        "status": curriculum.status,
        "has_final_assessment": curriculum.has_final_assessment,
        "positions": list(curriculum.positions.all()),
        "topics": [
            {"order": t.order, "title_vi": t.title_vi, "title_en": t.title_en, "hours": t.hours}
            for t in curriculum.topics.all()
        ],
        "materials": [
            {"kind": m.kind, "title": m.title, "url": m.url} for m in curriculum.materials.order_by("order")
        ],
    }


def topic_list() -> QuerySet[Topic]:
    return Topic.objects.select_related("curriculum")


def alias_list() -> QuerySet[Alias]:
    return Alias.objects.select_related("position", "province", "commune", "created_by").order_by(
        "kind", "key", "id"
    )


def import_job_list(user) -> QuerySet[ImportJob]:
    """The import jobs the user sees (their own; central admins everyone's)."""
    # The uploaded bytes are only for the worker.
    return ImportJob.objects.visible_to(user).select_related("created_by").defer("file_content")


def user_scope(user) -> dict:
    """What part of the data the user's role reaches: the whole country, one province, or their own."""
    if is_central_admin(user):
        return {"kind": ScopeKind.NATIONAL, "province": None}
    if is_province_admin(user):
        return {"kind": ScopeKind.PROVINCE, "province": user.province}
    return {"kind": ScopeKind.OWN, "province": user.province}


def curriculum_contents(curriculum: Curriculum) -> dict:
    """What a class's people read of the version it follows: its topics in teaching order and its
    materials, with the fields the API's curriculum shows them (CurriculumTopicSerializer,
    MaterialSerializer) and no other: two queries."""
    return {
        "topics": list(
            curriculum.topics.order_by("order").only(
                "id", "curriculum_id", "order", "title_vi", "title_en", "hours"
            )
        ),
        "materials": list(
            curriculum.materials.order_by("order").only(
                "id", "curriculum_id", "order", "kind", "title", "url"
            )
        ),
    }
