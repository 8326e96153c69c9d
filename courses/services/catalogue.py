"""Writes of the curriculum catalogue: one curriculum version (the API, the starter catalogue) or the
whole catalogue from a file (the catalogue import, run as an import job: courses.services.import_jobs)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

from django.db import transaction
from django.utils import timezone

from courses.core.errors import permission_denied_error
from courses.core.files.importing import ImportReport
from courses.core.files.tabular import TableRow
from courses.core.permissions import is_central_admin
from courses.files.catalogue_forms import draft_stored_form, stored_form
from courses.files.catalogue_rows import catalogue_rows_check
from courses.models import Curriculum, CurriculumStatus, ImportKind, Material, Position, Topic
from courses.rules.curriculum_versions import (
    catalogue_versions_in_use_kept,
    curriculum_content_errors,
    curriculum_in_use_error,
)

# What the catalogue import does to a curriculum version, each also a count of its report
# (settings.IMPORTERS names them as the actions of its report items).
CATALOGUE_IMPORT_ACTIONS = ("created", "updated", "unchanged")


@transaction.atomic
def curriculum_upsert(*, data: dict, is_starter: bool = False) -> Curriculum:
    """Create or replace one curriculum version with its topics and materials.

    `data` is already validated: positions are Position objects or codes that exist. The teaching
    content of a version classes use does not change (curriculum_content_errors): such a write is
    refused with a 400 naming each topic it would change; the catalogue import makes a new version
    instead.
    """
    # Locked, as a class created on it locks it (courses.services.classes): a version is either
    # unused while its content changes, or in use and left as it is.
    existing = (
        Curriculum.objects.select_for_update()
        .filter(code=data["code"], version=data.get("version", 1))
        .first()
    )
    if existing is not None:
        errors = curriculum_content_errors(curriculum=existing, data=data)
        if errors:
            raise curriculum_in_use_error(existing, errors)
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
def catalogue_import(
    *,
    rows: Sequence[TableRow],
    dry_run: bool,
    user,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the curriculum catalogue from checked-in file rows (see courses.files.catalogue_file).

    Every row is checked first; if any is wrong nothing is written and the report lists every
    error. A dry run reports what the import would do and writes nothing. `user` None is the
    command line. Importing the same file again changes nothing.
    """
    if user is not None and not is_central_admin(user):
        raise permission_denied_error()
    report = ImportReport(kind=ImportKind.CATALOGUE, dry_run=dry_run, total_rows=len(rows))
    drafts, report.errors = catalogue_rows_check(list(rows), progress=progress)
    if report.errors:
        report.error_status = 400
        return report

    codes = {d.code for d in drafts}
    # Locked so that two imports of the same codes run one after the other.
    stored = {
        (c.code, c.version): c
        for c in Curriculum.objects.select_for_update()
        .filter(code__in=codes)
        .prefetch_related("positions", "topics", "materials")
    }
    in_place_of = catalogue_versions_in_use_kept(drafts, stored, report)
    to_retire = _catalogue_versions_to_retire(drafts, stored, report)

    actions = []
    for draft in sorted(drafts, key=lambda d: d.key):
        current = stored.get(draft.key)
        if current is None:
            action = "created"
        elif stored_form(current) == draft_stored_form(draft):
            action = "unchanged"
        else:
            # Only columns other than the teaching content, for a version in use.
            action = "updated"
        actions.append((draft, action))
        setattr(report, action, getattr(report, action) + 1)
        item = {"code": draft.code, "version": draft.version, "row": draft.first_row, "action": action}
        if draft.key in in_place_of:
            item["in_place_of_version"] = in_place_of[draft.key]
        report.items.append(item)

    if dry_run:
        return report
    for draft, action in actions:
        if action != "unchanged":
            curriculum_upsert(data=draft.as_data(), is_starter=False)
    if to_retire:
        Curriculum.objects.filter(pk__in=[c.pk for c in to_retire]).update(
            status=CurriculumStatus.RETIRED, updated_at=timezone.now()
        )
    return report


def _catalogue_versions_to_retire(drafts, stored, report: ImportReport) -> list[Curriculum]:
    """Apply the rule "the active version of a code is its newest active one".

    Versions the file marks active below a newer active version are stored retired; stored
    versions the file leaves out are returned to be retired. Retired versions stay in the
    catalogue, so classes keep the version they ran.
    """
    statuses = {key: c.status for key, c in stored.items()}
    statuses.update({d.key: d.status for d in drafts})
    newest_active: dict[str, int] = {}
    for (code, version), status in statuses.items():
        if status == CurriculumStatus.ACTIVE and version > newest_active.get(code, 0):
            newest_active[code] = version

    def superseded(code: str, version: int) -> bool:
        return version < newest_active.get(code, 0)

    for draft in drafts:
        if draft.status == CurriculumStatus.ACTIVE and superseded(*draft.key):
            draft.values["status"] = CurriculumStatus.RETIRED.value
            current = stored.get(draft.key)
            if current is None or current.status == CurriculumStatus.ACTIVE:
                report.retired.append(f"{draft.code} v{draft.version}")
    in_file = {d.key for d in drafts}
    to_retire = [
        c
        for key, c in sorted(stored.items())
        if key not in in_file and c.status == CurriculumStatus.ACTIVE and superseded(*key)
    ]
    report.retired.extend(f"{c.code} v{c.version}" for c in to_retire)
    return to_retire
