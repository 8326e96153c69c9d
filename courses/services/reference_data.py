"""Loads of the reference data: provinces and communes, positions, the starter catalogue, aliases.

Run by `manage.py load_reference_data`; every load is an upsert, so loading again changes nothing.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

import vietnam_provinces
from django.db import transaction

from courses.core.text import nfc
from courses.models import Commune, Curriculum, Position, Province, Region
from courses.reference import REFERENCE_DIR
from courses.services.aliases import aliases_load
from courses.services.catalogue import curriculum_upsert

# 63 provinces from 1 August 2008 (Hà Tây merged into Hà Nội) to 30 June 2025; 34 since 1 July 2025.
LEGACY_VALID_FROM = datetime.date(2008, 8, 1)
LEGACY_VALID_UNTIL = datetime.date(2025, 6, 30)
CURRENT_VALID_FROM = datetime.date(2025, 7, 1)


def region_for_code(code: str) -> str:
    """Macro-region of a province from its statistics-office code.

    Codes run north to south: up to Ninh Bình (37) the North, Thanh Hóa (38) to Lâm Đồng (68) the
    Centre and Central Highlands, from Bình Phước (70) the South. The ranges hold for both the 63
    and the 34 provinces.
    """
    number = int(code)
    if number <= 37:
        return Region.NORTH
    if number <= 68:
        return Region.CENTRAL
    return Region.SOUTH


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class ReferenceCounts:
    current_provinces: int = 0
    legacy_provinces: int = 0
    communes: int = 0
    positions: int = 0
    curricula: int = 0
    aliases: int = 0


@transaction.atomic
def provinces_load() -> tuple[int, int]:
    """Upsert the 34 current provinces and communes, then the 63 legacy provinces with successors."""
    current = _read_json(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH)
    by_code: dict[str, Province] = {}
    for item in current:
        code = f"{item['code']:02d}"
        province, _ = Province.objects.update_or_create(
            code=code,
            valid_from=CURRENT_VALID_FROM,
            defaults={
                "name": item["name"],
                "codename": item["codename"],
                "division_type": item["division_type"],
                "region": region_for_code(code),
                "valid_until": None,
                "successor": None,
            },
        )
        by_code[code] = province

    communes = [
        Commune(
            code=f"{ward['code']:05d}",
            name=nfc(ward["name"]),
            codename=ward["codename"],
            division_type=ward["division_type"],
            province=by_code[f"{item['code']:02d}"],
        )
        for item in current
        for ward in item["wards"]
    ]
    Commune.objects.bulk_create(
        communes,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "codename", "division_type", "province"],
    )

    legacy = _read_json(REFERENCE_DIR / "legacy_provinces.json")["provinces"]
    for item in legacy:
        Province.objects.update_or_create(
            code=item["code"],
            valid_from=LEGACY_VALID_FROM,
            defaults={
                "name": item["name"],
                "codename": item["codename"],
                "division_type": item["division_type"],
                "region": region_for_code(item["code"]),
                "valid_until": LEGACY_VALID_UNTIL,
                "successor": by_code[item["successor_code"]],
            },
        )
    return len(by_code), len(legacy)


@transaction.atomic
def positions_load() -> int:
    items = _read_json(REFERENCE_DIR / "positions.json")
    for order, item in enumerate(items, start=1):
        Position.objects.update_or_create(
            code=item["code"],
            defaults={
                "name_vi": item["name_vi"],
                "name_en": item["name_en"],
                "category": item["category"],
                "sort_order": order,
            },
        )
    return len(items)


@transaction.atomic
def starter_catalogue_load() -> int:
    """Load the starter catalogue, leaving alone any curriculum an admin has since imported, and
    any a class uses (its content is frozen, and its status is the catalogue's to decide: an
    imported newer version may have retired it)."""
    items = _read_json(REFERENCE_DIR / "starter_catalogue.json")["curricula"]
    loaded = 0
    for item in items:
        existing = Curriculum.objects.filter(code=item["code"], version=item.get("version", 1)).first()
        if existing is not None and (
            not existing.is_starter or Curriculum.objects.filter(pk=existing.pk).in_use().exists()
        ):
            continue
        curriculum_upsert(data=item, is_starter=True)
        loaded += 1
    return loaded


@transaction.atomic
def reference_data_load() -> ReferenceCounts:
    counts = ReferenceCounts()
    counts.current_provinces, counts.legacy_provinces = provinces_load()
    counts.communes = Commune.objects.count()
    counts.positions = positions_load()
    counts.curricula = starter_catalogue_load()
    # After the positions and communes: built-in aliases point at them.
    counts.aliases = aliases_load()
    return counts
