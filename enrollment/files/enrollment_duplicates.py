"""One person on several rows of an enrolment list: rows giving only an old CMND matched to a
12-digit id, then rows of the same id merged (with a warning) or refused (an error).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem
from enrollment.files.enrollment_file import HEADINGS, LearnerDraft, given_number
from enrollment.models import Gender

# Fields compared when the same person appears on several rows. Two rows whose identifying fields
# both hold different values are two people under one id (an error); any other difference (a
# blank beside a value included) is merged, keeping the first row's value, with a warning.
IDENTIFYING_FIELDS = ("full_name", "date_of_birth", "legacy_id_number")
COMPARED_FIELDS = (
    "full_name",
    "date_of_birth",
    "legacy_id_number",
    "gender",
    "ethnicity",
    "position",
    "commune",
    "province",
    "phone",
    "email",
)


def _comparable(value):
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _compared(draft: LearnerDraft) -> dict[str, Any]:
    return {name: _comparable(draft.values.get(name)) for name in COMPARED_FIELDS}


def _shown(value) -> str:
    """A compared value as a message shows it."""
    if value is None or value == "":
        return _("trống")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and value in Gender.values:
        return f"“{Gender(value).label}”"
    name = getattr(value, "name_vi", None) or getattr(value, "name", None)
    return f"“{name if name is not None else value}”"


def _differences(first: LearnerDraft, later: LearnerDraft, names: Sequence[str]) -> str:
    return ", ".join(
        _("“%(field)s” (dòng %(first)d: %(first_value)s; dòng %(row)d: %(value)s)")
        % {
            "field": HEADINGS[name],
            "first": first.row,
            "first_value": _shown(first.values.get(name)),
            "row": later.row,
            "value": _shown(later.values.get(name)),
        }
        for name in names
    )


def same_people_merge(
    candidates: list[LearnerDraft],
    errors: list[ErrorItem],
    warnings: list[ErrorItem],
    cmnd_owners: Callable[[set[str]], Mapping[str, str]] | None,
) -> list[LearnerDraft]:
    """One draft per person, in file order: rows giving only a CMND matched to a 12-digit id, then
    rows of the same id merged or refused (see COMPARED_FIELDS). Adds to `errors` and `warnings`."""
    refused: set[int] = set()

    def error(draft: LearnerDraft, name: str, message: str, code: str) -> None:
        errors.append(ErrorItem(row=draft.row, field=name, message=message, code=code))
        refused.add(draft.row)

    cmnds = {d.values["legacy_id_number"] for d in candidates if d.values.get("legacy_id_number")}
    owners = dict(cmnd_owners(cmnds)) if cmnds and cmnd_owners is not None else {}
    # CMNDs a row gives beside a 12-digit id: the file itself links the two numbers.
    linked: dict[str, LearnerDraft] = {}
    for draft in candidates:
        cmnd = draft.values.get("legacy_id_number")
        if not draft.national_id or not cmnd:
            continue
        owner = owners.get(cmnd)
        if owner is not None and owner != draft.national_id:
            error(
                draft,
                "legacy_id_number",
                _("Số CMND %(cmnd)s đã được lưu cho một học viên khác, không phải %(who)s.")
                % {"cmnd": cmnd, "who": given_number(draft)},
                "unique",
            )
            continue
        first = linked.setdefault(cmnd, draft)
        if first.national_id != draft.national_id:
            error(
                draft,
                "legacy_id_number",
                _("Dòng %(first)d và dòng %(row)d ghi cùng số CMND %(cmnd)s cho hai số định danh khác nhau.")
                % {"row": draft.row, "first": first.row, "cmnd": cmnd},
                "duplicate_conflict",
            )
    for draft in candidates:
        if draft.national_id:
            continue
        cmnd = draft.given_id
        national_id = owners.get(cmnd) or (linked[cmnd].national_id if cmnd in linked else None)
        if national_id is None:
            error(
                draft,
                "national_id",
                _(
                    "“%(value)s” là số chứng minh nhân dân (CMND) cũ gồm 9 chữ số, không phải số định "
                    "danh cá nhân, và chưa có học viên nào được lưu với số CMND này: hãy ghi số định danh "
                    "cá nhân 12 chữ số (số CMND có thể ghi bên cạnh, ở cột “%(column)s”)."
                )
                % {"value": cmnd, "column": HEADINGS["legacy_id_number"]},
                "cmnd_not_national_id",
            )
        else:
            draft.national_id = national_id

    drafts: dict[str, LearnerDraft] = {}
    for draft in candidates:
        if draft.row in refused:
            continue
        first = drafts.get(draft.national_id)
        if first is None:
            drafts[draft.national_id] = draft
            continue
        first_values, these = _compared(first), _compared(draft)
        differing = [n for n in COMPARED_FIELDS if these[n] != first_values[n]]
        conflicts = [
            n
            for n in differing
            if n in IDENTIFYING_FIELDS and these[n] is not None and first_values[n] is not None
        ]
        if conflicts:
            error(
                draft,
                "national_id",
                _(
                    "Dòng %(first)d (%(first_who)s) và dòng %(row)d (%(who)s) là cùng một học viên nhưng "
                    "khác %(differences)s: hãy sửa dòng sai."
                )
                % {
                    "row": draft.row,
                    "who": given_number(draft),
                    "first": first.row,
                    "first_who": given_number(first),
                    "differences": _differences(first, draft, conflicts),
                },
                "duplicate_conflict",
            )
            continue
        if differing:
            message = _(
                "Dòng %(row)d (%(who)s) là học viên ở dòng %(first)d (%(first_who)s), khác ở "
                "%(differences)s: đã gộp làm một, giữ giá trị của dòng %(first)d."
            ) % {
                "row": draft.row,
                "who": given_number(draft),
                "first": first.row,
                "first_who": given_number(first),
                "differences": _differences(first, draft, differing),
            }
            if any(first.values.get(n) is None for n in differing):
                message += " " + _("Ô trống ở dòng %(first)d lấy giá trị của dòng %(row)d.") % {
                    "first": first.row,
                    "row": draft.row,
                }
            warnings.append(
                ErrorItem(row=draft.row, field="national_id", code="duplicate_merged", message=message)
            )
        # Same person: keep the first row's values, fill what it left blank.
        for name_, value in draft.values.items():
            if first.values.get(name_) is None:
                first.values[name_] = value
        first.rows.append(draft.row)
    return list(drafts.values())
