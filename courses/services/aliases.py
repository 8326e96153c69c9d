"""Writes of the alias table (courses.Alias): the built-in aliases loaded from the reference files,
and those admins add and remove.

Who may write: central admins any alias; a provincial admin commune aliases of their own province
only (they know how their communes are written). Built-in aliases are the reference files' and
are changed there, not through the API.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError, permission_denied_error
from courses.core.permissions import is_central_admin, is_province_admin
from courses.core.text import nfc
from courses.models import Alias, AliasKind, Commune, Position, Province
from courses.reference import REFERENCE_DIR
from courses.selectors.vocabulary_keys import KEY_FUNCTIONS, commune_key

# What makes one alias: its meaning is part of it, so reloading finds the same rows.
_IDENTITY = ("kind", "key", "position_id", "province_id", "commune_id", "value")


def _read(name: str):
    return json.loads((REFERENCE_DIR / name).read_text(encoding="utf-8"))


def _builtin_aliases() -> list[Alias]:
    aliases: list[Alias] = []

    def add(kind: str, spelling: str, note: str = "", **target) -> None:
        spelling = nfc(spelling)
        aliases.append(
            Alias(
                kind=kind,
                spelling=spelling,
                key=KEY_FUNCTIONS[kind](spelling),
                note=note,
                is_builtin=True,
                **target,
            )
        )

    data = _read("aliases.json")
    positions = {p.code: p for p in Position.objects.all()}
    for code, spellings in data["positions"].items():
        for spelling in spellings:
            add(AliasKind.POSITION, spelling, position=positions[code])
    for value, spellings in data["genders"].items():
        for spelling in spellings:
            add(AliasKind.GENDER, spelling, value=value)
    provinces = {(p.code, p.is_current): p for p in Province.objects.all()}
    for item in data["provinces"]:
        for spelling in item["spellings"]:
            add(AliasKind.PROVINCE, spelling, province=provinces[(item["code"], item["current"])])
    for item in _read("ethnicities.json")["ethnicities"]:
        for spelling in item["variants"]:
            add(AliasKind.ETHNICITY, spelling, value=item["name"])

    communes = {c.code: c for c in Commune.objects.only("id", "code", "name", "province_id")}
    for old_province in _read("legacy_communes.json")["provinces"].values():
        for district, wards in old_province["districts"].items():
            for ward, codes in wards.items():
                note = f"{ward}, {district}, {old_province['name']}"
                for code in [codes] if isinstance(codes, str) else codes:
                    commune = communes[code]
                    # An old name the commune kept needs no alias: the current name matches.
                    if commune_key(ward) != commune_key(commune.name):
                        add(AliasKind.COMMUNE, ward, note, commune=commune, province_id=commune.province_id)
    return aliases


def _identity(alias: Alias) -> tuple:
    return tuple(getattr(alias, name) for name in _IDENTITY)


@transaction.atomic
def aliases_load() -> int:
    """Bring the built-in aliases in line with the reference files; admins' aliases are kept (an
    admin's alias of the same spelling stays and the built-in one is not added). Idempotent."""
    wanted: dict[tuple, Alias] = {}
    for alias in _builtin_aliases():
        wanted.setdefault(_identity(alias), alias)
    stored = {_identity(a): a.pk for a in Alias.objects.filter(is_builtin=True).only(*_IDENTITY)}
    Alias.objects.filter(pk__in=[pk for identity, pk in stored.items() if identity not in wanted]).delete()
    Alias.objects.bulk_create(
        [alias for identity, alias in wanted.items() if identity not in stored],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(wanted)


def alias_write_check(*, user, kind: str, province: Province | None) -> None:
    """Refuse (403) an alias the user may not write."""
    if is_central_admin(user):
        return
    if is_province_admin(user) and kind == AliasKind.COMMUNE and province is not None:
        if province.pk == user.province_id:
            return
        raise permission_denied_error(_("Quản trị cấp tỉnh chỉ thêm cách viết xã, phường của tỉnh mình."))
    raise permission_denied_error(
        _("Chỉ quản trị trung ương thêm, xóa cách viết chức danh, dân tộc, giới tính và tỉnh.")
    )


@transaction.atomic
def alias_create(
    *,
    user,
    kind: str,
    spelling: str,
    position: Position | None = None,
    province: Province | None = None,
    commune: Commune | None = None,
    value: str = "",
    note: str = "",
) -> Alias:
    """Add an alias; a commune alias is read in the commune's province. 409 if the spelling
    already has that meaning (or, but for communes, any meaning)."""
    if kind == AliasKind.COMMUNE and commune is not None:
        province = commune.province
    alias_write_check(user=user, kind=kind, province=province)
    alias = Alias(
        kind=kind,
        spelling=nfc(spelling),
        position=position,
        province=province,
        commune=commune,
        value=value,
        note=note,
        created_by=user,
    )
    alias.key = KEY_FUNCTIONS[kind](alias.spelling)
    clash = Alias.objects.filter(kind=kind, key=alias.key)
    if kind == AliasKind.COMMUNE:
        clash = clash.filter(province=province, commune=commune)
    if clash.exists():
        raise DomainError(
            message=_("Cách viết “%(spelling)s” đã có.") % {"spelling": alias.spelling},
            field="spelling",
            code="conflict",
            status=http.HTTP_409_CONFLICT,
        )
    alias.save()
    return alias


@transaction.atomic
def alias_delete(*, user, alias: Alias) -> None:
    alias_write_check(user=user, kind=alias.kind, province=alias.province)
    if alias.is_builtin:
        raise DomainError(
            message=_("Cách viết có sẵn lấy từ dữ liệu tham chiếu: không xóa được qua API."),
            code="conflict",
            status=http.HTTP_409_CONFLICT,
        )
    alias.delete()
