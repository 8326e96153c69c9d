"""Writes of allocations (chỉ tiêu giao): by the ministry through the API, or from its allocation
sheet (an import job: courses.services.import_jobs, settings.IMPORTERS["allocation"]).

An allocation is a Target (see reporting.selectors.allocations); every write goes through the
target services, which append the allocation's revision with who made it and mark the reports'
targets for a refresh (the report cache is replaced on each target's save).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from courses.core.errors import DomainError, ErrorItem, permission_denied_error
from courses.core.files.importing import ImportReport
from courses.core.files.tabular import TableRow
from courses.core.permissions import is_central_admin
from courses.models import ImportKind, Programme, Province
from reporting.files.allocation_file import COLUMNS, allocation_rows_check, figures_equal
from reporting.models import AllocationScope, Target
from reporting.selectors.allocations import ALLOCATION_Q, level_of
from reporting.services.programmes import target_create, target_figures, target_update

ALLOCATION_IMPORT_ACTIONS = ("created", "updated", "unchanged")
FIGURE_FIELDS = ("target_luot", "target_classes", "target_learners", "budget_million_vnd", "note")


def _programme_years(programme: Programme) -> range:
    return range(programme.period_start.year, programme.period_end.year + 1)


def _scope_errors(
    *, programme: Programme, scope: str, province: Province | None, year: int | None
) -> list[ErrorItem]:
    errors = []
    level = level_of(scope)
    if programme.levels and level not in programme.levels:
        errors.append(ErrorItem(message=_("Chương trình không thực hiện ở cấp này."), field="scope"))
    if scope == AllocationScope.PROVINCE and province is None:
        errors.append(ErrorItem(message=_("Hãy chọn tỉnh, thành phố."), field="province_id", code="required"))
    if scope == AllocationScope.CENTRAL and province is not None:
        errors.append(
            ErrorItem(
                message=_("Chỉ tiêu của các cơ sở đào tạo trung ương không thuộc tỉnh nào."),
                field="province_id",
            )
        )
    years = _programme_years(programme)
    if year is not None and year not in years:
        errors.append(
            ErrorItem(
                message=_("Năm %(year)s nằm ngoài giai đoạn %(start)s-%(end)s của chương trình.")
                % {"year": year, "start": years[0], "end": years[-1]},
                field="year",
            )
        )
    return errors


@transaction.atomic
def allocation_create(
    *,
    programme: Programme,
    scope: str,
    province: Province | None = None,
    year: int | None = None,
    figures: Mapping,
    user,
    source: str = "api",
) -> Target:
    """Allocate a programme's targets to a province or to the central institutions (for a year,
    or the whole period when `year` is None). 400 naming the field for a scope the programme does
    not run or a year outside its period; 409 when that scope and year already have one."""
    if user is not None and not is_central_admin(user):
        raise permission_denied_error()
    errors = _scope_errors(programme=programme, scope=scope, province=province, year=year)
    if errors:
        raise DomainError(message=errors[0].message, errors=errors)
    level = level_of(scope)
    taken = Target.objects.select_for_update().filter(
        programme=programme, level=level, province=province, curriculum=None, position=None, year=year
    )
    if taken.exists():
        raise DomainError(
            message=_("Phạm vi này đã có chỉ tiêu giao cho năm này: hãy sửa chỉ tiêu đó."),
            code="conflict",
            status=409,
        )
    data = {name: figures.get(name) for name in FIGURE_FIELDS if name in figures}
    data["note"] = data.get("note") or ""
    return target_create(
        data={"programme": programme, "level": level, "province": province, "year": year, **data},
        user=user,
        source=source,
    )


@transaction.atomic
def allocation_update(*, allocation: Target, figures: Mapping, user, source: str = "api") -> Target:
    """Change an allocation's figures (its scope and year stay); the earlier ones are kept in its
    history with who changed them."""
    if user is not None and not is_central_admin(user):
        raise permission_denied_error()
    allocation = Target.objects.select_for_update().get(pk=allocation.pk)
    data = {name: figures[name] for name in FIGURE_FIELDS if name in figures}
    if "note" in data and data["note"] is None:
        data["note"] = ""
    return target_update(target=allocation, data=data, user=user, source=source)


# --- the allocation sheet ---------------------------------------------------------------------


def allocation_import_check_params(*, user, programme_id=None, year=None) -> None:
    """The programme the sheet allocates must exist (400 on `programme_id`), and a year given for
    the whole sheet must lie in its period (400 on `year`)."""
    programme = (
        Programme.objects.filter(pk=programme_id).first() if str(programme_id or "").isdigit() else None
    )
    if programme is None:
        raise DomainError(message=_("Không có chương trình này."), field="programme_id")
    if year is not None and int(year) not in _programme_years(programme):
        raise DomainError(message=_("Năm nằm ngoài giai đoạn của chương trình."), field="year")


@transaction.atomic
def allocation_import(
    *,
    rows: Sequence[TableRow],
    dry_run: bool,
    user,
    progress: Callable[[int], None] | None = None,
    programme_id: int,
    year: int | None = None,
) -> ImportReport:
    """Import the ministry's allocation sheet for a programme: all of it, or nothing.

    Every row is checked first (reporting.files.allocation_file); any error refuses the whole
    file with every error by row and field. A dry run reports what would be created, updated or
    left unchanged. `year` applies to rows that name none (a sheet of one year's allocations).
    """
    if user is not None and not is_central_admin(user):
        raise permission_denied_error()
    programme = Programme.objects.get(pk=programme_id)
    report = ImportReport(kind=ImportKind.ALLOCATION, dry_run=dry_run, total_rows=len(rows))
    headings = {c.field: c.heading for c in COLUMNS}
    # The reader keys each row by the fields whose column the file has.
    found_fields = sorted({name for row in rows for name in row.values})
    drafts, report.errors, report.warnings = allocation_rows_check(
        list(rows), headings=headings, years=_programme_years(programme), found_fields=found_fields
    )
    if progress is not None:
        progress(len(rows))
    for draft in drafts:
        if draft.year is None and year is not None:
            draft.year = int(year)
        errors = _scope_errors(
            programme=programme, scope=draft.scope, province=draft.province, year=draft.year
        )
        report.errors.extend(
            ErrorItem(message=e.message, field="province" if e.field == "scope" else e.field, row=draft.row)
            for e in errors
        )
    if report.errors:
        report.error_status = 400
        return report

    stored = {
        (t.level, t.province_id, t.year): t
        for t in Target.objects.select_for_update(of=("self",)).filter(ALLOCATION_Q, programme=programme)
    }
    plan = []
    total_luot = 0
    for draft in drafts:
        current = stored.get(
            (level_of(draft.scope), draft.province.pk if draft.province else None, draft.year)
        )
        if current is None:
            action = "created"
        elif figures_equal(target_figures(current), draft.figures):
            action = "unchanged"
        else:
            action = "updated"
        setattr(report, action, getattr(report, action) + 1)
        report.items.append(
            {
                "row": draft.row,
                "scope": draft.scope,
                "province": draft.province.name if draft.province else None,
                "year": draft.year,
                "target_luot": draft.figures["target_luot"],
                "action": action,
            }
        )
        total_luot += draft.figures["target_luot"]
        plan.append((draft, current, action))
    report.details = {"programme_id": programme.pk, "target_luot": total_luot}
    report.warnings.extend(_national_total_warnings(programme, drafts))
    if dry_run:
        return report
    for draft, current, action in plan:
        if action == "created":
            allocation_create(
                programme=programme,
                scope=draft.scope,
                province=draft.province,
                year=draft.year,
                figures=draft.figures,
                user=user,
                source="import",
            )
        elif action == "updated":
            target_update(target=current, data=draft.figures, user=user, source="import")
    return report


def _national_total_warnings(programme: Programme, drafts) -> list[ErrorItem]:
    """The provinces' lượt for the period set against the programme's national provincial target:
    a sheet that does not add up to it is worth a look, and is imported all the same (the plan may
    have changed since the national target was set)."""
    national = Target.objects.filter(
        programme=programme,
        level=level_of(AllocationScope.PROVINCE),
        province=None,
        year=None,
        curriculum=None,
        position=None,
    ).first()
    provinces = [d for d in drafts if d.scope == AllocationScope.PROVINCE and d.year is None]
    if national is None or not provinces:
        return []
    total = sum(d.figures["target_luot"] for d in provinces)
    if total == national.target_luot:
        return []
    return [
        ErrorItem(
            message=_(
                "Tổng chỉ tiêu giao cho các tỉnh trong tệp là %(total)s lượt, chỉ tiêu toàn quốc của "
                "cấp địa phương là %(national)s lượt."
            )
            % {
                "total": f"{total:,}".replace(",", "."),
                "national": f"{national.target_luot:,}".replace(",", "."),
            },
            field="target_luot",
            code="total_differs",
        )
    ]
