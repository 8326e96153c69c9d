"""The score sheet a trainer sends: its layout (LAYOUT, shown in the API docs) and checking its rows
against the enrolments of the class (`score_rows_check`). The service that records it is
enrollment.services.score_import.

What a cell in the score column means:

* a number from 0 to 10 with at most two decimals, written "8,5" (a Vietnamese spreadsheet's decimal
  comma) or "8.5" or as an Excel number: the learner's final assessment score;
* blank: no score given on this sheet; the stored score is left as it is (a warning says so when
  there is one). A sheet often lists the whole class before everyone has sat the assessment, and a
  blank cell must not wipe a score recorded earlier. A score is cleared through the JSON endpoint;
* "Vắng" (absent, also "vắng thi", "không thi", "absent", "v"): the learner did not sit the
  assessment. No score is recorded and the stored one is left as it is, with a warning: an absence is
  not a score of 0 (the learner may sit a later session), and it is no reason to refuse the sheet;
* anything else (a word, a number out of range, more than two decimals): a row error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem
from courses.core.files.cells import as_int, as_text, heading_key
from courses.core.files.tabular import Column, TableRow, columns_table
from courses.core.text import fold
from enrollment.models import Enrollment
from enrollment.rules.identity import national_id_parse
from enrollment.services.scores import not_scorable_error, parse_score

COLUMNS: tuple[Column, ...] = (
    Column("stt", ("STT", "Số thứ tự", "TT"), help="Row number; ignored."),
    Column("full_name", ("Họ và tên", "Họ tên", "Họ và tên học viên", "Full name", "Name"), help="Checked against the stored name: a different name is a warning."),
    Column("national_id", ("Số định danh cá nhân", "Số định danh cá nhân/CCCD", "Số định danh", "Số CCCD", "CCCD", "CMND/CCCD", "National ID"), help="The learner's 12-digit id (leading zeros dropped by Excel are restored). This or the enrolment id identifies the row."),
    Column("enrollment", ("Mã ghi danh", "Mã đăng ký", "Enrolment id", "Enrollment id", "Enrollment"), help="The enrolment's id, as the roster export shows it; used when given."),
    Column("score", ("Điểm", "Điểm đánh giá", "Điểm đánh giá cuối khóa", "Điểm cuối khóa", "Điểm thi", "Kết quả", "Score", "Final score"), required=True, help="0 to 10, at most two decimals, “8,5” or “8.5”. Blank: no score given (the stored one is kept). “Vắng”: did not sit the assessment (kept, with a warning)."),
)  # fmt: skip

HEADINGS = {c.field: c.heading for c in COLUMNS}
# Columns identifying the learner: a sheet needs at least one of them.
IDENTIFYING_FIELDS = ("national_id", "enrollment")

# What people write for a learner who did not sit the assessment.
ABSENT_WORDS = frozenset(
    heading_key(word) for word in ("vắng", "vắng thi", "vắng mặt", "không thi", "v", "absent", "abs")
)


LAYOUT = f"""
A sheet of an .xlsx (the one with these headings, or the one named), or a .csv in any of the
encodings the file reader knows (courses.core.files.tabular), one learner per row: the score sheet as
trainers keep it, title block above the headings allowed. Headings are matched ignoring
case, diacritics and punctuation; other columns are ignored and listed in `report.file`. A column
`Số định danh cá nhân` or `Mã ghi danh` is needed to know each learner.

Each row must be a learner of the class (an id not in the class is an error), enrolled or in
progress (a withdrawn or waitlisted enrolment is an error). A name different from the stored one
is a warning; the stored learner is scored. The same learner on two rows with the same score is
taken once (a warning); with different scores it is an error naming both rows.
A blank score leaves the stored one as it is; "Vắng" (absent) too, with a warning.

{columns_table(COLUMNS)}
"""


@dataclass
class ScoreLine:
    """One learner of the sheet: the score to record (None: leave the stored one) and its rows."""

    row: int
    enrollment: Enrollment
    score: Decimal | None
    # "score", "blank" or "absent": what the score cell said.
    given: str
    rows: list[int] = field(default_factory=list)


@dataclass
class ScoreRowsChecked:
    lines: list[ScoreLine]
    errors: list[ErrorItem]
    warnings: list[ErrorItem]


def _score_of(raw) -> tuple[Decimal | None, str]:
    """(score, what the cell said); ValueError for a cell that is neither a score, blank nor absent."""
    if raw is None:
        return None, "blank"
    if isinstance(raw, str) and heading_key(raw) in ABSENT_WORDS:
        return None, "absent"
    if isinstance(raw, float):
        # Excel keeps 8.5 as a binary float; its shortest repr is what the user typed.
        raw = repr(raw)
    return parse_score(raw), "score"


def _shown(score: Decimal | None) -> str:
    return "—" if score is None else f"{score:.2f}".replace(".", ",")


def score_rows_check(rows: Sequence[TableRow], *, enrollments: Sequence[Enrollment]) -> ScoreRowsChecked:
    """Match every row to an enrolment of the class and read its score; every error and warning
    names its row and field. `enrollments` are the class's, with their learners."""
    by_id = {e.pk: e for e in enrollments}
    by_national_id = {e.learner.national_id: e for e in enrollments}
    errors: list[ErrorItem] = []
    warnings: list[ErrorItem] = []
    lines: dict[int, ScoreLine] = {}

    def error(row: int, name: str, message: str, code: str = "invalid") -> None:
        errors.append(ErrorItem(message=message, field=name, row=row, code=code))

    for row in rows:
        enrollment = None
        id_field = "national_id"
        raw_enrollment, raw_id = row.get("enrollment"), row.get("national_id")
        if raw_enrollment is not None:
            id_field = "enrollment"
            try:
                enrollment = by_id.get(as_int(raw_enrollment, minimum=1))
            except ValueError as exc:
                error(row.number, "enrollment", str(exc))
                continue
            if enrollment is None:
                error(
                    row.number,
                    "enrollment",
                    _("Mã ghi danh %(id)s không thuộc lớp này.") % {"id": raw_enrollment},
                    "not_in_class",
                )
                continue
        if raw_id is not None:
            try:
                parsed = national_id_parse(raw_id)
            except ValueError as exc:
                error(row.number, "national_id", str(exc))
                continue
            by_number = by_national_id.get(parsed.value)
            if enrollment is None and by_number is None:
                error(
                    row.number,
                    "national_id",
                    _("Số định danh %(id)s không phải học viên của lớp này.") % {"id": parsed.value},
                    "not_in_class",
                )
                continue
            if enrollment is not None and by_number is not enrollment:
                error(
                    row.number,
                    "national_id",
                    _("Số định danh %(id)s không khớp với mã ghi danh %(enrollment)s.")
                    % {"id": parsed.value, "enrollment": enrollment.pk},
                    "mismatch",
                )
                continue
            enrollment, id_field = by_number, "national_id"
            if parsed.padded:
                warnings.append(
                    ErrorItem(
                        row=row.number,
                        field="national_id",
                        code="padded",
                        message=_("Số “%(raw)s” đã được thêm số 0 ở đầu thành %(id)s.")
                        % {"raw": raw_id, "id": parsed.value},
                    )
                )
        if enrollment is None:
            error(
                row.number,
                "national_id",
                _("Thiếu số định danh cá nhân (hoặc mã ghi danh) của học viên."),
                "required",
            )
            continue
        if problem := not_scorable_error(enrollment, id_field):
            problem.row = row.number
            errors.append(problem)
            continue
        try:
            score, given = _score_of(row.get("score"))
        except ValueError as exc:
            error(row.number, "score", f"“{as_text(row.get('score'))}”: {exc}")
            continue

        name = row.get("full_name")
        if name is not None and fold(as_text(name)) != fold(enrollment.learner.full_name):
            warnings.append(
                ErrorItem(
                    row=row.number,
                    field="full_name",
                    code="name_differs",
                    message=_(
                        "Tên trong tệp “%(name)s” khác tên đã lưu “%(stored)s”: ghi điểm cho %(stored)s."
                    )
                    % {"name": " ".join(as_text(name).split()), "stored": enrollment.learner.full_name},
                )
            )

        first = lines.get(enrollment.pk)
        if first is not None:
            if score is not None and first.score is not None and score != first.score:
                error(
                    row.number,
                    "score",
                    _(
                        "Dòng %(row)d và dòng %(first)d cùng là học viên %(name)s nhưng khác điểm (%(score)s và %(first_score)s)."
                    )
                    % {
                        "row": row.number,
                        "first": first.row,
                        "name": enrollment.learner.full_name,
                        "score": _shown(score),
                        "first_score": _shown(first.score),
                    },
                    "duplicate_conflict",
                )
                continue
            if first.score is None and score is not None:
                first.score, first.given = score, given
            first.rows.append(row.number)
            warnings.append(
                ErrorItem(
                    row=row.number,
                    field=id_field,
                    code="duplicate_merged",
                    message=_("Dòng %(row)d lặp lại học viên ở dòng %(first)d: đã gộp làm một.")
                    % {"row": row.number, "first": first.row},
                )
            )
            continue
        lines[enrollment.pk] = ScoreLine(
            row=row.number, enrollment=enrollment, score=score, given=given, rows=[row.number]
        )

    for line in lines.values():
        stored = line.enrollment.final_score
        if line.given == "absent":
            warnings.append(
                ErrorItem(
                    row=line.row,
                    field="score",
                    code="absent",
                    message=_(
                        "Học viên vắng khi đánh giá: không ghi điểm; điểm đã lưu (%(stored)s) giữ nguyên."
                    )
                    % {"stored": _shown(stored)},
                )
            )
        elif line.given == "blank" and stored is not None:
            warnings.append(
                ErrorItem(
                    row=line.row,
                    field="score",
                    code="blank_kept",
                    message=_("Ô điểm để trống: giữ điểm đã lưu %(stored)s.") % {"stored": _shown(stored)},
                )
            )
    errors.sort(key=lambda e: (e.row or 0, e.field or ""))
    warnings.sort(key=lambda e: (e.row or 0, e.field or ""))
    return ScoreRowsChecked(list(lines.values()), errors, warnings)
