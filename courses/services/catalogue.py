"""Writes for the catalogue and the reference data."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vietnam_provinces
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.core.errors import DomainError, ErrorItem
from courses.core.files.importing import ImportReport, JobProgress, upload_size_check
from courses.core.files.tabular import Column, TableRow, read_table
from courses.core.permissions import is_central_admin
from courses.core.text import nfc
from courses.files.catalogue_file import COLUMNS as CATALOGUE_COLUMNS
from courses.files.catalogue_file import catalogue_rows_check, draft_stored_form, stored_form
from courses.models import (
    Commune,
    Curriculum,
    CurriculumStatus,
    ImportJob,
    ImportKind,
    ImportStatus,
    Material,
    Position,
    Province,
    Region,
    Topic,
)
from courses.reference import REFERENCE_DIR
from courses.rules.curriculum_versions import (
    catalogue_versions_in_use_kept,
    curriculum_content_errors,
    curriculum_in_use_error,
)
from courses.services.aliases import aliases_load

logger = logging.getLogger(__name__)


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


# --- imports of CSV/XLSX files ---------------------------------------------------------------------


@dataclass(frozen=True)
class Importer:
    """What an import kind reads, who may run it, and the service that runs it."""

    columns: Sequence[Column]
    may_run: Callable[[Any], bool]
    run: Callable[..., ImportReport]
    # Checks the job's parameters (e.g. the class an enrolment list is for) and the user's right to
    # them, raising DomainError; run() then receives them as keyword arguments. Importers registered
    # by other apps (enrollment, from its AppConfig.ready) use it, since courses may not import them.
    check_params: Callable[..., None] | None = None


def _forbidden() -> DomainError:
    return DomainError(
        message=_("Bạn không có quyền thực hiện thao tác này."),
        code="permission_denied",
        status=403,
    )


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
        raise _forbidden()
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


IMPORTERS: dict[str, Importer] = {
    ImportKind.CATALOGUE: Importer(columns=CATALOGUE_COLUMNS, may_run=is_central_admin, run=catalogue_import),
}


# The key of ImportJob.params holding how the file is read, kept apart from what the importer's run()
# receives: {"sheet": name or number or None, "mapping": {heading: field} or None, "mapping_id": the
# saved mapping it came from or None}. The mapping itself is kept, not only its id, so that a queued
# job reads the file as the dry run did even if the saved mapping changes meanwhile.
READER_PARAM = "reader"


def _job_params(params: dict | None) -> tuple[dict, dict]:
    """(read_table's options, the importer's parameters) of a job's params."""
    params = dict(params or {})
    reader = params.pop(READER_PARAM, None) or {}
    return {"sheet": reader.get("sheet"), "mapping": reader.get("mapping")}, params


def import_job_submit(
    *,
    kind: str,
    file_name: str,
    content: bytes,
    dry_run: bool,
    user,
    params: dict | None = None,
    reader: dict | None = None,
) -> ImportJob:
    """Store an uploaded file as an import job; run it now when small, otherwise queue it.

    The file is read here so that an unreadable one is refused at once (DomainError on "file")
    and the job knows its row count for progress. `reader` (see reader_options) says which sheet
    to read and how its headings map to fields (courses.services.column_mappings.upload_reader); the job keeps it, and the importer never sees it.
    The returned job is finished when it ran now and pending when queued.
    """
    importer = IMPORTERS[kind]
    params = dict(params or {})
    if not importer.may_run(user):
        raise _forbidden()
    if importer.check_params is not None:
        importer.check_params(user=user, **params)
    upload_size_check(len(content))
    # Kept only when it says something: a job read the default way has the params it always had.
    reader = {name: value for name, value in (reader or {}).items() if value is not None}
    if reader:
        params[READER_PARAM] = reader
    options, _importer_params = _job_params(params)
    table = read_table(content=content, filename=file_name, columns=importer.columns, **options)
    job = ImportJob.objects.create(
        kind=kind,
        dry_run=dry_run,
        file_name=Path(file_name).name[:255],
        file_content=content,
        created_by=user,
        total_rows=len(table.rows),
        params=params,
    )
    if job.total_rows <= settings.IMPORT_SYNC_MAX_ROWS:
        return import_job_run(job_id=job.pk)
    import_job_enqueue(job=job)
    return job


def import_job_enqueue(*, job: ImportJob) -> None:
    """Queue the job for a worker once the transaction that created it has committed.

    The job is stored by then, and the upload answers 202 with it whatever the broker does: a job
    whose task could not be queued (Redis down) stays pending, and import_jobs_requeue_lost queues
    it again, as it does a task a restarted Redis lost."""
    from courses.core.queue import enqueue_on_commit
    from courses.tasks import IMPORT_JOB_RUN_TASK

    enqueue_on_commit(IMPORT_JOB_RUN_TASK, job.pk)


def _is_abandoned(job: ImportJob) -> bool:
    """A running job older than the task hard time limit lost its worker: Celery kills a task
    that runs longer, and the import's transaction rolled back with it, so running it again is safe."""
    limit = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return job.started_at is not None and job.started_at < timezone.now() - limit


def import_jobs_requeue_lost(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue again the jobs whose task is gone: pending for longer than the broker's visibility
    timeout (a task Redis still held would have been delivered by then; one it lost in a restart
    never will be), or abandoned while running (_is_abandoned). A duplicate costs nothing:
    import_job_run leaves alone a job finished or running elsewhere."""
    from courses.core.queue import enqueue_committed
    from courses.tasks import IMPORT_JOB_RUN_TASK

    now = now or timezone.now()
    pending_since = now - datetime.timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT)
    running_since = now - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    lost = list(
        ImportJob.objects.filter(
            Q(status=ImportStatus.PENDING, created_at__lt=pending_since)
            | Q(status=ImportStatus.RUNNING, started_at__lt=running_since)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for job_id in lost:
        enqueue_committed(IMPORT_JOB_RUN_TASK, job_id)
    if lost:
        logger.warning("import jobs %s had lost their task: queued again", lost)
    return lost


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a pending import job once and store its report.

    Safe under redelivery of the task: a job that has finished, or is running elsewhere, is
    left alone. Row errors, an unreadable file or a crash end the job as failed with a report;
    nothing is imported then.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished or (job.status == ImportStatus.RUNNING and not _is_abandoned(job)):
            return job
        job.status = ImportStatus.RUNNING
        job.started_at = timezone.now()
        job.processed_rows = 0
        job.save(update_fields=["status", "started_at", "processed_rows"])

    importer = IMPORTERS[job.kind]
    user = job.created_by
    report = ImportReport(kind=job.kind, dry_run=job.dry_run, total_rows=job.total_rows)
    processed = 0
    table = None
    try:
        options, params = _job_params(job.params)
        table = read_table(
            content=bytes(job.file_content), filename=job.file_name, columns=importer.columns, **options
        )
        # Checked again: the role may have changed while the job waited.
        if user is not None and not importer.may_run(user):
            raise _forbidden()
        if user is not None and importer.check_params is not None:
            importer.check_params(user=user, **params)
        with JobProgress(job.pk, table=ImportJob._meta.db_table) as progress:
            report = importer.run(
                rows=table.rows, dry_run=job.dry_run, user=user, progress=progress, **params
            )
        report.file = table.describe()
        processed = len(table.rows)
    except DomainError as exc:
        report.errors = exc.errors or [ErrorItem(message=exc.message, code=exc.code)]
        report.error_status = exc.status
        if table is not None:
            report.file = table.describe()
    except Exception:
        # The import's transaction rolled back; the job must still end, not stay "running".
        logger.exception("import job %s failed", job.pk)
        report.errors = [
            ErrorItem(
                message=_("Lỗi ngoài dự kiến khi nhập; chưa có dữ liệu nào được nhập."), code="server_error"
            )
        ]
        report.error_status = 500

    job.status = ImportStatus.SUCCEEDED if report.ok else ImportStatus.FAILED
    job.finished_at = timezone.now()
    job.report = report.as_dict()
    job.total_rows = max(job.total_rows, processed)
    job.processed_rows = processed
    job.save(update_fields=["status", "finished_at", "report", "total_rows", "processed_rows"])
    return job
