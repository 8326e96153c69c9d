"""Record a class's final assessment scores from the score sheet a trainer uploads (layout:
enrollment.files.score_file).

The sheet is read by courses.core.files.tabular (title block, sheets, extra columns, a column mapping), every
row is checked against the class's enrolments, and only then are the scores written, through the
same `scores_apply` (enrollment.services.scores) as the JSON endpoint (audited, unchanged scores neither written nor audited).
A dry run takes exactly the same path and stops before the write, so its report is what the real
run does. Any row error refuses the whole sheet and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses.core.errors import DomainError
from courses.core.files.importing import ImportReport, upload_size_check
from courses.core.files.rows import file_error
from courses.core.files.tabular import read_table
from courses.models import MappingKind, TrainingClass
from enrollment.files.score_file import COLUMNS, HEADINGS, IDENTIFYING_FIELDS, score_rows_check
from enrollment.models import Enrollment
from enrollment.services.attendance_checks import ensure_may_change
from enrollment.services.scores import scores_apply

SCORE_IMPORT_KIND = MappingKind.SCORES.value


def _place(table) -> str:
    """The file, and its sheet for a workbook, as a refusal names them."""
    if table.sheet:
        return _("Tệp “%(file)s”, trang tính “%(sheet)s”") % {"file": table.file_name, "sheet": table.sheet}
    return _("Tệp “%(file)s”") % {"file": table.file_name}


@transaction.atomic
def enrollment_scores_import(
    *,
    training_class: TrainingClass,
    content: bytes,
    filename: str,
    actor,
    dry_run: bool = False,
    reason: str = "",
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ImportReport:
    """Check a score sheet and record its scores (or, in a dry run, report what would change).

    DomainError 400 listing every row error (row and field) when any row is wrong, 400 on `file`
    for a sheet that can't be read; the closed-class rule of every score write applies first.
    """
    ensure_may_change(classes=[training_class], actor=actor, reason=reason)
    upload_size_check(len(content))
    table = read_table(content=content, filename=filename, columns=COLUMNS, sheet=sheet, mapping=mapping)
    if not any(name in table.found_fields for name in IDENTIFYING_FIELDS):
        raise file_error(
            _("%(place)s: cần cột “%(id)s” hoặc cột “%(enrollment)s” để biết điểm của ai.")
            % {"place": _place(table), "id": HEADINGS["national_id"], "enrollment": HEADINGS["enrollment"]}
        )
    enrollments = list(
        Enrollment.objects.select_for_update(of=("self",))
        .filter(training_class=training_class)
        .select_related("learner")
    )
    checked = score_rows_check(table.rows, enrollments=enrollments)
    if checked.errors:
        count = len(checked.errors)
        raise DomainError(
            message=ngettext(
                "%(place)s: có %(count)d lỗi; chưa ghi điểm nào.",
                "%(place)s: có %(count)d lỗi; chưa ghi điểm nào.",
                count,
            )
            % {"place": _place(table), "count": count},
            errors=checked.errors,
        )

    scored = [line for line in checked.lines if line.score is not None]
    previous = {line.enrollment.pk: line.enrollment.final_score for line in checked.lines}
    outcome = scores_apply(
        pairs=[(line.enrollment, line.score) for line in scored], actor=actor, reason=reason, dry_run=dry_run
    )
    report = ImportReport(
        kind=SCORE_IMPORT_KIND,
        dry_run=dry_run,
        total_rows=len(table.rows),
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        warnings=checked.warnings,
        file=table.describe(),
    )
    for line in checked.lines:
        if line.score is None:
            action = "kept"
        elif line.enrollment.pk in outcome.changed_ids:
            action = "updated"
        else:
            action = "unchanged"
        stored = previous[line.enrollment.pk]
        report.items.append(
            {
                "row": line.row,
                "rows": list(line.rows),
                "enrollment": line.enrollment.pk,
                "national_id": line.enrollment.learner.national_id,
                "full_name": line.enrollment.learner.full_name,
                "previous_score": None if stored is None else f"{stored:.2f}",
                "score": None if line.score is None else f"{line.score:.2f}",
                "given": line.given,
                "action": action,
            }
        )
    report.details = {
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "blank": sum(1 for line in checked.lines if line.given == "blank"),
        "absent": sum(1 for line in checked.lines if line.given == "absent"),
    }
    return report
