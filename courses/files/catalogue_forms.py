"""A curriculum version of the file and a stored one in one comparable form, to tell an unchanged
version and a changed teaching content."""

from __future__ import annotations

from decimal import Decimal

from courses.files.catalogue_file import CurriculumDraft


def draft_stored_form(draft: CurriculumDraft) -> dict:
    """What the draft would store, in the form of stored_form(), to tell an unchanged version."""
    data = draft.as_data()
    return {
        "title_vi": data["title_vi"],
        "title_en": data["title_en"],
        "description": data["description"],
        "area_type": data["area_type"],
        "issued_on": data["issued_on"],
        "issued_by": data["issued_by"],
        "status": data["status"],
        "has_final_assessment": data["has_final_assessment"],
        "is_starter": False,
        "positions": sorted(p.pk for p in data["positions"]),
        "topics": [(t["order"], t["title_vi"], t["title_en"], Decimal(t["hours"])) for t in data["topics"]],
        "materials": [(m["kind"], m["title"], m["url"]) for m in data["materials"]],
    }


def stored_form(curriculum) -> dict:
    """A stored curriculum version in a comparable form (expects positions/topics/materials prefetched)."""
    return {
        "title_vi": curriculum.title_vi,
        "title_en": curriculum.title_en,
        "description": curriculum.description,
        "area_type": curriculum.area_type,
        "issued_on": curriculum.issued_on,
        "issued_by": curriculum.issued_by,
        "status": curriculum.status,
        "has_final_assessment": curriculum.has_final_assessment,
        "is_starter": curriculum.is_starter,
        "positions": sorted(p.pk for p in curriculum.positions.all()),
        "topics": [(t.order, t.title_vi, t.title_en, t.hours) for t in curriculum.topics.all()],
        "materials": [(m.kind, m.title, m.url) for m in curriculum.materials.all()],
    }


# What a class ran and is counted by: frozen once a class uses the version (courses.rules.curriculum_versions).
CONTENT_KEYS = ("topics", "has_final_assessment")


def content_form(form: dict) -> dict:
    """The teaching content of a stored_form() or draft_stored_form()."""
    return {key: form[key] for key in CONTENT_KEYS}
