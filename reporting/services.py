"""Writes for programmes, targets and reports."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.db import transaction

from courses.models import Programme
from reporting.models import Baseline, Target

REFERENCE_DIR = Path(__file__).parent / "reference"


@transaction.atomic
def programmes_load() -> int:
    """Upsert the programmes with their targets and historical baselines (idempotent)."""
    items = json.loads((REFERENCE_DIR / "programmes.json").read_text(encoding="utf-8"))["programmes"]
    for item in items:
        programme, _ = Programme.objects.update_or_create(
            code=item["code"],
            defaults={
                "decision_number": item["decision_number"],
                "title_vi": item["title_vi"],
                "title_en": item["title_en"],
                "period_start": datetime.date.fromisoformat(item["period_start"]),
                "period_end": datetime.date.fromisoformat(item["period_end"]),
                "levels": item["levels"],
            },
        )
        for target in item.get("targets", []):
            values = dict(target)
            Target.objects.update_or_create(
                programme=programme,
                level=values.pop("level"),
                province=None,
                curriculum=None,
                position=None,
                year=None,
                defaults=values,
            )
        for baseline in item.get("baselines", []):
            values = dict(baseline)
            Baseline.objects.update_or_create(
                programme=programme, level=values.pop("level"), province=None, defaults=values
            )
    return len(items)
