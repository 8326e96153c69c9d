"""Writes for the catalogue and the reference data."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

import vietnam_provinces
from django.db import transaction

from courses.models import Commune, Curriculum, Material, Position, Province, Region, Topic
from courses.text import nfc

REFERENCE_DIR = Path(__file__).parent / "reference"

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


def curriculum_upsert(*, data: dict, is_starter: bool = False) -> Curriculum:
    """Create or replace one curriculum version with its topics and materials.

    `data` is already validated: positions are Position objects or codes that exist.
    """
    positions = [
        p if isinstance(p, Position) else Position.objects.get(code=p) for p in data.get("positions", [])
    ]
    issued_on = data.get("issued_on")
    if isinstance(issued_on, str):
        issued_on = datetime.date.fromisoformat(issued_on)
    curriculum, _ = Curriculum.objects.update_or_create(
        code=data["code"],
        version=data.get("version", 1),
        defaults={
            "title_vi": data["title_vi"],
            "title_en": data.get("title_en", ""),
            "description": data.get("description", ""),
            "area_type": data.get("area_type", ""),
            "issued_on": issued_on,
            "issued_by": data.get("issued_by", ""),
            "status": data.get("status", "active"),
            "has_final_assessment": data.get("has_final_assessment", False),
            "is_starter": is_starter,
        },
    )
    curriculum.positions.set(positions)
    topics = data.get("topics", [])
    Topic.objects.bulk_create(
        [
            Topic(
                curriculum=curriculum,
                order=t["order"],
                title_vi=t["title_vi"],
                title_en=t.get("title_en", ""),
                hours=t["hours"],
            )
            for t in topics
        ],
        update_conflicts=True,
        unique_fields=["curriculum", "order"],
        update_fields=["title_vi", "title_en", "hours"],
    )
    curriculum.topics.exclude(order__in=[t["order"] for t in topics]).delete()
    materials = data.get("materials", [])
    Material.objects.bulk_create(
        [
            Material(curriculum=curriculum, kind=m["kind"], title=m["title"], url=m.get("url", ""), order=i)
            for i, m in enumerate(materials, start=1)
        ],
        update_conflicts=True,
        unique_fields=["curriculum", "order"],
        update_fields=["kind", "title", "url"],
    )
    curriculum.materials.filter(order__gt=len(materials)).delete()
    return curriculum


@transaction.atomic
def starter_catalogue_load() -> int:
    """Load the starter catalogue, leaving alone any curriculum an admin has since imported."""
    items = _read_json(REFERENCE_DIR / "starter_catalogue.json")["curricula"]
    loaded = 0
    for item in items:
        existing = Curriculum.objects.filter(code=item["code"], version=item.get("version", 1)).first()
        if existing is not None and not existing.is_starter:
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
    return counts
