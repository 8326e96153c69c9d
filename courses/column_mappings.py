"""Column mappings: which field each heading of a layout the importers don't know is.

A trainer or an admin maps the headings of a file once, in a dry run (the `mapping` of an upload,
{heading as written: field}), reads the report (`report.file`: the columns found and those left
out), and saves the mapping under a name for their province; later uploads name it by id
(`mapping_id`). `courses.tabular.read_table(mapping=...)` applies it: a mapped heading wins over the
importer's own headings.

Who uses and who changes a mapping (the rule of `/api/v1/column-mappings`):

* trainers and provincial admins use their province's mappings and the national ones (no province);
  central admins use and change every mapping;
* trainers and provincial admins create mappings for their own province only (a trainer without a
  province creates none); a provincial admin changes and deletes every mapping of their province,
  a trainer those they created; national mappings are changed by central admins only;
* learners and anonymous callers neither read nor use any.

The fields a mapping may name are the fields of its kind's columns (`MAPPING_COLUMNS`); the kinds
of other apps register theirs (enrollment's AppConfig.ready), since courses may not import them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.catalogue_file import COLUMNS as CATALOGUE_COLUMNS
from courses.errors import DomainError, ErrorItem
from courses.models import ColumnMapping, MappingKind, Province, Role
from courses.permissions import is_admin, is_central_admin, is_province_admin
from courses.tabular import Column, heading_key
from courses.text import nfc

# kind -> the columns its importer reads. Filled by the apps owning the importers.
MAPPING_COLUMNS: dict[str, Sequence[Column]] = {MappingKind.CATALOGUE: CATALOGUE_COLUMNS}

# Bounds on what a mapping holds: a layout has tens of columns, not thousands.
MAX_HEADINGS = 60
HEADING_MAX_LENGTH = 200
FIELD_MAX_LENGTH = 50


def _forbidden(message: str | None = None) -> DomainError:
    return DomainError(
        message=message or _("Bạn không có quyền thực hiện thao tác này."),
        code="permission_denied",
        status=http.HTTP_403_FORBIDDEN,
    )


def may_use_mappings(user) -> bool:
    """Trainers and admins: the roles that upload files."""
    return bool(user and user.is_authenticated and (is_admin(user) or user.role == Role.TRAINER))


def mapping_fields(kind: str) -> list[str]:
    return [c.field for c in MAPPING_COLUMNS.get(kind, ())]


def mapping_clean(*, kind: str, mapping, field_name: str = "mapping") -> dict[str, str]:
    """The mapping as stored: headings NFC and trimmed, each naming a field of the kind's columns.

    DomainError (400) naming `field_name` (or `<field_name>.<heading>`) and what is expected.
    """
    columns = MAPPING_COLUMNS.get(kind)
    if columns is None:
        raise DomainError(
            message=_("Không có loại tệp “%(kind)s”.") % {"kind": kind}, field="kind", code="invalid_choice"
        )
    fields = [c.field for c in columns]
    expected = ", ".join(fields)
    if not isinstance(mapping, Mapping):
        raise DomainError(
            message=_("Ánh xạ cột phải là một đối tượng JSON {“tiêu đề trong tệp”: “trường”}."),
            field=field_name,
        )
    if not mapping:
        raise DomainError(message=_("Ánh xạ cột không có cột nào."), field=field_name, code="required")
    if len(mapping) > MAX_HEADINGS:
        raise DomainError(
            message=_("Ánh xạ cột có tối đa %(max)d cột.") % {"max": MAX_HEADINGS},
            field=field_name,
            code="max_length",
        )
    cleaned: dict[str, str] = {}
    by_key: dict[str, str] = {}
    errors: list[ErrorItem] = []
    for raw_heading, target in mapping.items():
        heading = " ".join(nfc(str(raw_heading)).split())
        where = f"{field_name}.{heading}" if heading else field_name
        if "\x00" in heading:
            # Neither a heading a spreadsheet holds nor text PostgreSQL's JSON can store.
            errors.append(
                ErrorItem(_("Tiêu đề cột có ký tự không hợp lệ."), field=field_name, code="invalid")
            )
            continue
        if not heading or not heading_key(heading):
            errors.append(ErrorItem(_("Tiêu đề cột không được để trống."), field=where, code="blank"))
            continue
        if len(heading) > HEADING_MAX_LENGTH:
            errors.append(
                ErrorItem(
                    _("Tiêu đề cột có tối đa %(max)d ký tự.") % {"max": HEADING_MAX_LENGTH},
                    field=field_name,
                    code="max_length",
                )
            )
            continue
        if not isinstance(target, str) or target not in fields:
            shown = str(target)[:FIELD_MAX_LENGTH]
            errors.append(
                ErrorItem(
                    _("Cột “%(heading)s”: không có trường “%(field)s”; các trường: %(fields)s.")
                    % {"heading": heading, "field": shown, "fields": expected},
                    field=where,
                    code="invalid_choice",
                )
            )
            continue
        key = heading_key(heading)
        if key in by_key and cleaned[by_key[key]] != target:
            errors.append(
                ErrorItem(
                    _("Cột “%(heading)s” và cột “%(other)s” là cùng một tiêu đề nhưng được gán hai trường.")
                    % {"heading": heading, "other": by_key[key]},
                    field=where,
                    code="ambiguous",
                )
            )
            continue
        by_key.setdefault(key, heading)
        cleaned[heading] = target
    if errors:
        raise DomainError(message=errors[0].message, errors=errors)
    return cleaned


# --- reads -------------------------------------------------------------------------------------------


def column_mappings_usable_by(user) -> QuerySet[ColumnMapping]:
    """The mappings the user may list and use (see the module docstring)."""
    mappings = ColumnMapping.objects.select_related("province", "created_by")
    if not may_use_mappings(user):
        return mappings.none()
    if is_central_admin(user):
        return mappings
    own = Q(province__isnull=True)
    if user.province_id is not None:
        own |= Q(province_id=user.province_id)
    return mappings.filter(own)


def column_mapping_may_change(user, column_mapping: ColumnMapping) -> bool:
    if is_central_admin(user):
        return True
    if column_mapping.province_id is None or column_mapping.province_id != getattr(user, "province_id", None):
        return False
    if is_province_admin(user):
        return True
    return user.role == Role.TRAINER and column_mapping.created_by_id == user.pk


def column_mapping_resolve(
    *, user, kind: str, mapping_id: int | None = None, mapping=None
) -> dict[str, str] | None:
    """The mapping an upload reads its file with: a saved one the user may use (`mapping_id`), or
    one given with the upload (`mapping`), checked against the kind's fields; None for neither."""
    if mapping_id is not None and mapping not in (None, {}):
        raise DomainError(
            message=_("Hãy gửi một trong hai: mapping_id (ánh xạ đã lưu) hoặc mapping (ánh xạ mới)."),
            field="mapping",
            code="conflict",
        )
    if mapping_id is not None:
        saved = column_mappings_usable_by(user).filter(pk=mapping_id, kind=kind).first()
        if saved is None:
            raise DomainError(
                message=_("Không có ánh xạ cột số %(id)s dùng được cho loại tệp này.") % {"id": mapping_id},
                field="mapping_id",
                code="does_not_exist",
            )
        return dict(saved.mapping)
    if mapping in (None, {}):
        return None
    return mapping_clean(kind=kind, mapping=mapping)


def upload_reader(*, user, kind: str, sheet=None, mapping_id: int | None = None, mapping=None) -> dict:
    """How an upload's file is read: {"sheet", "mapping", "mapping_id"} for read_table (the job keeps
    it in its params, courses.services.READER_PARAM). The mapping is resolved here, once: a queued
    job reads the file as the upload was checked, whatever becomes of the saved mapping."""
    resolved = column_mapping_resolve(user=user, kind=kind, mapping_id=mapping_id, mapping=mapping)
    options = {"sheet": None if sheet in (None, "") else str(sheet), "mapping": resolved}
    if mapping_id is not None:
        options["mapping_id"] = mapping_id
    return options


# --- writes ------------------------------------------------------------------------------------------


UNSET = object()


def _province_for(user, province) -> Province | None:
    """The province a mapping written by `user` belongs to; `province` UNSET: not stated."""
    if is_central_admin(user):
        return None if province is UNSET else province
    if not may_use_mappings(user):
        raise _forbidden()
    if user.province_id is None:
        raise _forbidden(_("Tài khoản chưa gắn với tỉnh nào: không lưu được ánh xạ cột."))
    if province is UNSET or (province is not None and province.pk == user.province_id):
        return user.province
    raise _forbidden(_("Chỉ lưu được ánh xạ cột cho tỉnh của mình; ánh xạ toàn quốc do trung ương quản lý."))


def _name_check(*, kind: str, name: str, province: Province | None, exclude: int | None = None) -> str:
    name = " ".join(nfc(name or "").split())
    if not name:
        raise DomainError(message=_("Cần tên của ánh xạ cột."), field="name", code="required")
    taken = ColumnMapping.objects.filter(kind=kind, name__iexact=name, province=province)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise DomainError(
            message=_("Đã có ánh xạ cột “%(name)s” cho loại tệp này.") % {"name": name},
            field="name",
            code="unique",
        )
    return name


@transaction.atomic
def column_mapping_create(*, user, kind: str, name: str, mapping, province=UNSET) -> ColumnMapping:
    """Save a mapping for the user's province (or, for a central admin, the one given or none)."""
    province = _province_for(user, province)
    cleaned = mapping_clean(kind=kind, mapping=mapping)
    name = _name_check(kind=kind, name=name, province=province)
    return ColumnMapping.objects.create(
        name=name, kind=kind, mapping=cleaned, province=province, created_by=user
    )


@transaction.atomic
def column_mapping_update(
    *, user, column_mapping: ColumnMapping, name=UNSET, kind=UNSET, mapping=UNSET, province=UNSET
) -> ColumnMapping:
    """Change a mapping the user may change; what is left out keeps its value."""
    column_mapping = ColumnMapping.objects.select_for_update().get(pk=column_mapping.pk)
    if not column_mapping_may_change(user, column_mapping):
        raise _forbidden()
    if province is UNSET:
        province = column_mapping.province
    province = _province_for(user, province)
    kind = column_mapping.kind if kind is UNSET else kind
    mapping = column_mapping.mapping if mapping is UNSET else mapping
    name = column_mapping.name if name is UNSET else name
    column_mapping.mapping = mapping_clean(kind=kind, mapping=mapping)
    column_mapping.name = _name_check(kind=kind, name=name, province=province, exclude=column_mapping.pk)
    column_mapping.kind = kind
    column_mapping.province = province
    column_mapping.save()
    return column_mapping


@transaction.atomic
def column_mapping_delete(*, user, column_mapping: ColumnMapping) -> None:
    if not column_mapping_may_change(user, column_mapping):
        raise _forbidden()
    column_mapping.delete()
