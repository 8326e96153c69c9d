"""The ministry's allocation sheet (bảng phân bổ chỉ tiêu): its layout (LAYOUT, shown in the API
docs) and the check of its rows into allocations, before anything is written.

One row per province (or one for the central training institutions as a group), in the official
layout: a title block, headings possibly over two merged rows, figures for the whole period or a
column group per year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem
from courses.core.files.cells import as_decimal, as_int, as_text, heading_key
from courses.core.files.tabular import Column, TableRow, columns_table
from courses.models import Province
from courses.selectors.vocabulary_keys import province_key
from reporting.models import AllocationScope

# The figures of an allocation and the headings people give them.
FIGURE_HEADINGS = {
    "target_luot": ("Chỉ tiêu giao (lượt)", "Chỉ tiêu (lượt)", "Chỉ tiêu giao", "Số lượt", "Lượt", "Lượt người"),
    "target_classes": ("Số lớp", "Lớp"),
    "target_learners": ("Số học viên", "Học viên"),
    "budget_million_vnd": ("Kinh phí (triệu đồng)", "Kinh phí", "Kinh phí (tr.đ)"),
}  # fmt: skip
FIGURES = tuple(FIGURE_HEADINGS)
# Years a sheet may give a column group for (the periods 2021-2025 to 2031-2035).
YEARS = range(2021, 2036)


def _year_headings(year: int, figure_headings) -> tuple[str, ...]:
    # Headings over two merged rows are matched joined ("Năm 2021" over "Số lớp": "Năm 2021 Số lớp").
    return tuple(
        form.format(h=h, y=year)
        for h in figure_headings
        for form in ("{h} {y}", "{h} năm {y}", "Năm {y} {h}", "{y} {h}")
    )


COLUMNS: tuple[Column, ...] = (
    Column("province", ("Tỉnh, thành phố", "Tỉnh/thành phố", "Tỉnh", "Tỉnh, thành phố trực thuộc trung ương", "Địa phương", "Đơn vị"), required=True,
           help="Province as written in official documents ('Thái Nguyên', 'TP. Hồ Chí Minh', 'Thành phố Hà Nội'), its code, or a legacy province; 'Các cơ sở đào tạo trung ương' (or 'Trung ương') for the central institutions as a group."),
    Column("year", ("Năm",), help="Optional: the year of the row's figures; blank for the whole period."),
    Column("target_luot", FIGURE_HEADINGS["target_luot"], help="Allocated lượt (person-times), a whole number ≥ 0. Required on each row, here or in a year's column."),
    Column("target_classes", FIGURE_HEADINGS["target_classes"], help="Classes planned, a whole number ≥ 0; optional."),
    Column("target_learners", FIGURE_HEADINGS["target_learners"], help="Learners (people) planned, a whole number ≥ 0; optional."),
    Column("budget_million_vnd", FIGURE_HEADINGS["budget_million_vnd"], help="Budget in million VND, ≥ 0, at most one decimal ('1.250,5' or '1250.5'); optional."),
    Column("note", ("Ghi chú",), help="Optional."),
) + tuple(
    Column(f"{figure}_{year}", _year_headings(year, headings), help=f"{figure} of {year}")
    for year in YEARS
    for figure, headings in FIGURE_HEADINGS.items()
)  # fmt: skip

LAYOUT = f"""
An .xlsx sheet or a .csv (any encoding the file reader knows), one row per province and one for
the central training institutions as a group ('Các cơ sở đào tạo trung ương'). The headings are
found below any title block and may be merged over two rows; columns no field claims (STT) are
ignored; a row of column numbers and the total row ('Tổng cộng') are skipped.

Figures for the whole period are in the columns below. Figures per year are either one row per
province and year (a 'Năm' column), or a column group per year: 'Năm 2022' merged over 'Chỉ tiêu
giao (lượt) | Số lớp | Số học viên | Kinh phí (triệu đồng)', or headings such as 'Số lớp 2022'.
A year must lie within the programme's period. Numbers may use '.' for thousands and ',' for
decimals, as Vietnamese spreadsheets write them.

{columns_table(COLUMNS[:7])}

The whole file is checked first: an unknown province, a province given twice (for the same
year), a negative or non-numeric figure, a year outside the period refuse the whole file, each
error naming its row and column. A figure whose column the sheet lacks is left as stored; a blank
cell clears it. Importing the same file again changes nothing; a changed figure is kept in the
allocation's history with who imported it.
"""

_TOTAL = re.compile(r"^(tong|cong)( |$)")
_CENTRAL = {heading_key(t) for t in ("Trung ương", "Các cơ sở đào tạo trung ương", "Cơ sở đào tạo trung ương", "Các cơ sở đào tạo Trung ương", "Khối trung ương", "Các bộ, ngành trung ương")}  # fmt: skip
_THOUSANDS = re.compile(r"^-?\d{1,3}([.\s]\d{3})+(,\d+)?$")


@dataclass
class AllocationDraft:
    """One allocation as the file gives it: whose (scope, province), which year, its figures."""

    row: int
    scope: str
    province: Province | None
    year: int | None
    figures: dict

    @property
    def key(self) -> tuple:
        return self.scope, self.province.pk if self.province else None, self.year

    @property
    def label(self) -> str:
        return self.province.name if self.province else str(AllocationScope.CENTRAL.label)


def _number_text(value):
    """Vietnamese spreadsheets write 1.250,5: '.' groups thousands, ',' is the decimal mark."""
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", " ")
        if _THOUSANDS.match(text):
            return text.replace(".", "").replace(" ", "")
        return text
    return value


def _figure(name: str, value):
    value = _number_text(value)
    if name == "budget_million_vnd":
        number = as_decimal(value, decimal_places=1, max_digits=14)
        if number < 0:
            raise ValueError(_("Không được âm."))
        return number
    return as_int(value, minimum=0, maximum=2_000_000_000)


def province_names() -> dict[str, Province]:
    """Every spelling of every province (name, code, codename, as province_key folds them, and the
    admins' province aliases) → the province it names; a current province wins a spelling it
    shares with a legacy one (01: Hà Nội). A legacy province stays itself: a 2021-2025 sheet
    allocated to the 63 provinces, and the reports add a legacy unit's figures to its successor."""
    from courses.models import Alias, AliasKind

    provinces = sorted(Province.objects.all(), key=lambda p: (not p.is_current, p.pk))
    names: dict[str, Province] = {}
    for province in provinces:
        for spelling in (province.name, province.code, province.codename):
            if spelling:
                names.setdefault(province_key(spelling), province)
    by_id = {p.pk: p for p in provinces}
    for key, province_id in Alias.objects.filter(kind=AliasKind.PROVINCE).values_list("key", "province_id"):
        if province_id in by_id:
            names.setdefault(key, by_id[province_id])
    return names


def allocation_rows_check(
    rows: list[TableRow], *, headings: dict[str, str], years: range, found_fields
) -> tuple[list[AllocationDraft], list[ErrorItem], list[ErrorItem]]:
    """(drafts, errors, warnings) of the sheet's rows. `years` are the programme's."""
    names = province_names()
    drafts: list[AllocationDraft] = []
    errors: list[ErrorItem] = []
    warnings: list[ErrorItem] = []
    year_columns = sorted({int(f.rsplit("_", 1)[1]) for f in found_fields if f[-4:].isdigit()})
    has_whole = "target_luot" in found_fields
    if not has_whole and not any(f"target_luot_{y}" in found_fields for y in year_columns):
        errors.append(
            ErrorItem(
                message=_("Thiếu cột “%(column)s” (cả giai đoạn hoặc theo từng năm).")
                % {"column": headings["target_luot"]},
                field="target_luot",
            )
        )
        return [], errors, warnings
    for year in year_columns:
        if year not in years:
            errors.append(
                ErrorItem(
                    message=_("Năm %(year)s nằm ngoài giai đoạn %(start)s-%(end)s của chương trình.")
                    % {"year": year, "start": years[0], "end": years[-1]},
                    field=f"target_luot_{year}",
                )
            )
    if errors:
        return [], errors, warnings
    seen: dict[tuple, int] = {}

    def error(row: TableRow, field: str, message: str) -> None:
        shown = headings.get(field, field)
        errors.append(ErrorItem(message=f"{shown}: {message}", field=field, row=row.number))

    for row in rows:
        name = row.get("province")
        if name is None:
            error(row, "province", _("Chưa ghi tỉnh, thành phố."))
            continue
        key = heading_key(as_text(name))
        if _TOTAL.match(key):
            warnings.append(
                ErrorItem(
                    message=_("Dòng tổng cộng được bỏ qua."), field="province", row=row.number, code="skipped"
                )
            )
            continue
        if key in _CENTRAL:
            scope, province = AllocationScope.CENTRAL.value, None
        else:
            scope, province = AllocationScope.PROVINCE.value, names.get(province_key(as_text(name)))
            if province is None:
                error(row, "province", _("Không có tỉnh “%(value)s”.") % {"value": name})
                continue
        row_year = None
        if row.get("year") is not None:
            try:
                row_year = as_int(row.get("year"))
            except ValueError as exc:
                error(row, "year", str(exc))
                continue
            if row_year not in years:
                error(
                    row,
                    "year",
                    _("Năm %(year)s nằm ngoài giai đoạn %(start)s-%(end)s của chương trình.")
                    % {"year": row_year, "start": years[0], "end": years[-1]},
                )
                continue
        note = as_text(row.get("note", "")) if row.get("note") is not None else ""
        # The row's allocations: its whole-period figures (or its year's), then each year's group.
        groups = [(row_year, {f: f for f in FIGURES})] + [
            (year, {f: f"{f}_{year}" for f in FIGURES}) for year in year_columns
        ]
        made = 0
        for year, fields in groups:
            if all(row.get(field) is None for field in fields.values()):
                continue
            # A column the file lacks leaves the stored figure as it is (a sheet of lượt alone
            # keeps the classes planned); a blank cell in a column it has clears it.
            figures, bad = ({"note": note[:2000]} if note else {}), False
            for figure, field in fields.items():
                if field not in found_fields:
                    continue
                value = row.get(field)
                if value is None:
                    figures[figure] = None
                    continue
                try:
                    figures[figure] = _figure(figure, value)
                except ValueError as exc:
                    error(row, field, str(exc))
                    bad = True
            if bad:
                made += 1
                continue
            if figures.get("target_luot") is None:
                error(row, fields["target_luot"], _("Chưa ghi chỉ tiêu (lượt)."))
                made += 1
                continue
            draft = AllocationDraft(
                row=row.number, scope=scope, province=province, year=year, figures=figures
            )
            if draft.key in seen:
                error(
                    row,
                    "province",
                    _("“%(name)s” đã có ở dòng %(row)d.") % {"name": draft.label, "row": seen[draft.key]},
                )
            else:
                seen[draft.key] = row.number
                drafts.append(draft)
            made += 1
        if not made:
            error(row, "target_luot", _("Chưa ghi chỉ tiêu (lượt)."))
    return drafts, errors, warnings


def figures_equal(stored: dict, draft: dict) -> bool:
    def norm(name, value):
        if name == "budget_million_vnd" and value is not None:
            return Decimal(value)
        return value if value is not None or name != "note" else ""

    return all(norm(n, stored.get(n)) == norm(n, draft.get(n)) for n in draft)


if __doc__:  # absent under python -OO
    __doc__ += LAYOUT
