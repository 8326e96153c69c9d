"""Column mappings: which field each heading of a layout the importers don't know is.

A trainer or an admin maps the headings of a file once, in a dry run (the `mapping` of an upload,
{heading as written: field}), reads the report (`report.file`: the columns found and those left
out), and saves the mapping under a name for their province or their training institution; later
uploads name it by id (`mapping_id`). `courses.core.files.tabular.read_table(mapping=...)` applies it: a
mapped heading wins over the importer's own headings.

Who uses and who changes a mapping (the rule of `/api/v1/column-mappings`):

* a mapping belongs to a province, or to a training institution, or to neither (national); never
  to both;
* trainers and provincial admins use their province's mappings and the national ones (neither);
  central admins use and change every mapping;
* an institution's mappings are used by the trainers of a class it organises, the provincial admins
  of its province, and their creator; this is how a trainer of a central school (no province) saves
  one;
* trainers and provincial admins create mappings for their own province; a trainer for an
  institution organising a class they train, a provincial admin for an institution of their
  province; central admins for any province or institution, or national ones;
* a provincial admin changes and deletes every mapping of their province and of its institutions,
  a trainer those they created (for their province or an institution); national mappings are
  changed by central admins only;
* a mapping the caller may not use is not found (404, and 400 on `mapping_id` in an upload);
  one they use but may not change is refused (403);
* learners and anonymous callers neither read nor use any.

The fields a mapping may name are the fields of its kind's columns, named by dotted path in
settings.MAPPING_COLUMNS (mapping_columns): most layouts are enrollment's files, which courses may
not import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from courses.core.errors import DomainError, ErrorItem, permission_denied_error
from courses.core.files.cells import heading_key
from courses.core.files.tabular import Column
from courses.core.permissions import is_admin, is_central_admin, is_province_admin
from courses.core.text import nfc
from courses.models import ColumnMapping, Province, Role, TrainingClass, TrainingInstitution

# Bounds on what a mapping holds: a layout has tens of columns, not thousands.
MAX_HEADINGS = 60
HEADING_MAX_LENGTH = 200
FIELD_MAX_LENGTH = 50


def mapping_columns(kind: str) -> Sequence[Column] | None:
    """The columns a kind's importer reads, None for an unknown kind. settings.MAPPING_COLUMNS names
    them by dotted path, resolved here (courses may not import enrollment's files)."""
    path = settings.MAPPING_COLUMNS.get(kind)
    return import_string(path) if path is not None else None


def may_use_mappings(user) -> bool:
    """Trainers and admins: the roles that upload files."""
    return bool(user and user.is_authenticated and (is_admin(user) or user.role == Role.TRAINER))


def mapping_fields(kind: str) -> list[str]:
    return [c.field for c in mapping_columns(kind) or ()]


def mapping_clean(*, kind: str, mapping, field_name: str = "mapping") -> dict[str, str]:
    """The mapping as stored: headings NFC and trimmed, each naming a field of the kind's columns.

    DomainError (400) naming `field_name` (or `<field_name>.<heading>`) and what is expected.
    """
    columns = mapping_columns(kind)
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
    mappings = ColumnMapping.objects.select_related("province", "institution", "created_by")
    if not may_use_mappings(user):
        return mappings.none()
    if is_central_admin(user):
        return mappings
    own = Q(province__isnull=True, institution__isnull=True) | Q(institution__isnull=False, created_by=user)
    if user.province_id is not None:
        own |= Q(province_id=user.province_id)
        if is_province_admin(user):
            own |= Q(institution__province_id=user.province_id)
    if user.role == Role.TRAINER:
        taught = TrainingClass.objects.taught_by(user).filter(institution__isnull=False)
        own |= Q(institution_id__in=taught.values("institution_id"))
    return mappings.filter(own)


def _trains_for(user, institution: TrainingInstitution) -> bool:
    return TrainingClass.objects.taught_by(user).filter(institution=institution).exists()


def column_mapping_may_change(user, column_mapping: ColumnMapping) -> bool:
    if is_central_admin(user):
        return True
    if not may_use_mappings(user):
        return False
    if column_mapping.institution_id is not None:
        if column_mapping.created_by_id == user.pk:
            return True
        province_id = column_mapping.institution.province_id
        return is_province_admin(user) and province_id is not None and province_id == user.province_id
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
    it in its params, courses.services.import_jobs.READER_PARAM). The mapping is resolved here, once: a queued
    job reads the file as the upload was checked, whatever becomes of the saved mapping."""
    resolved = column_mapping_resolve(user=user, kind=kind, mapping_id=mapping_id, mapping=mapping)
    options = {"sheet": None if sheet in (None, "") else str(sheet), "mapping": resolved}
    if mapping_id is not None:
        options["mapping_id"] = mapping_id
    return options


# --- writes ------------------------------------------------------------------------------------------


UNSET = object()


def _owner_for(user, province, institution) -> tuple[Province | None, TrainingInstitution | None]:
    """The (province, institution) a mapping written by `user` belongs to, at most one of them;
    either UNSET: not stated."""
    if province not in (UNSET, None) and institution not in (UNSET, None):
        raise DomainError(
            message=_("Ánh xạ cột thuộc một tỉnh hoặc một cơ sở đào tạo, không thuộc cả hai."),
            field="institution_id",
            code="conflict",
        )
    if institution in (UNSET, None):
        return _province_for(user, province), None
    if not (
        is_central_admin(user)
        or (
            is_province_admin(user)
            and institution.province_id is not None
            and institution.province_id == user.province_id
        )
        or (may_use_mappings(user) and user.role == Role.TRAINER and _trains_for(user, institution))
    ):
        raise permission_denied_error(
            _(
                "Chỉ lưu được ánh xạ cột cho cơ sở đào tạo tổ chức lớp mình dạy "
                "(quản trị tỉnh: cơ sở đào tạo của tỉnh mình)."
            )
        )
    return None, institution


def _province_for(user, province) -> Province | None:
    """The province a mapping written by `user` belongs to; `province` UNSET: not stated."""
    if is_central_admin(user):
        return None if province is UNSET else province
    if not may_use_mappings(user):
        raise permission_denied_error()
    if user.province_id is None:
        raise permission_denied_error(
            _(
                "Tài khoản chưa gắn với tỉnh nào: chỉ lưu được ánh xạ cột cho cơ sở đào tạo "
                "tổ chức lớp mình dạy (institution_id)."
            )
        )
    if province is UNSET or (province is not None and province.pk == user.province_id):
        return user.province
    raise permission_denied_error(
        _("Chỉ lưu được ánh xạ cột cho tỉnh của mình; ánh xạ toàn quốc do trung ương quản lý.")
    )


def _name_check(
    *,
    kind: str,
    name: str,
    province: Province | None,
    institution: TrainingInstitution | None,
    exclude: int | None = None,
) -> str:
    name = " ".join(nfc(name or "").split())
    if not name:
        raise DomainError(message=_("Cần tên của ánh xạ cột."), field="name", code="required")
    taken = ColumnMapping.objects.filter(
        kind=kind, name__iexact=name, province=province, institution=institution
    )
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
def column_mapping_create(
    *, user, kind: str, name: str, mapping, province=UNSET, institution=UNSET
) -> ColumnMapping:
    """Save a mapping for the institution given, else the user's province (or, for a central admin,
    the province given or none)."""
    province, institution = _owner_for(user, province, institution)
    cleaned = mapping_clean(kind=kind, mapping=mapping)
    name = _name_check(kind=kind, name=name, province=province, institution=institution)
    return ColumnMapping.objects.create(
        name=name, kind=kind, mapping=cleaned, province=province, institution=institution, created_by=user
    )


@transaction.atomic
def column_mapping_update(
    *,
    user,
    column_mapping: ColumnMapping,
    name=UNSET,
    kind=UNSET,
    mapping=UNSET,
    province=UNSET,
    institution=UNSET,
) -> ColumnMapping:
    """Change a mapping the user may change; what is left out keeps its value. Its owner (province
    and institution) is kept when neither is stated, else is what is stated, as on creation."""
    column_mapping = ColumnMapping.objects.select_for_update().get(pk=column_mapping.pk)
    if not column_mapping_may_change(user, column_mapping):
        raise permission_denied_error()
    if province is UNSET and institution is UNSET:
        # The owner kept: may_change is the whole rule (a trainer who no longer teaches for the
        # institution still renames the mapping they made).
        province, institution = column_mapping.province, column_mapping.institution
    else:
        province, institution = _owner_for(user, province, institution)
    kind = column_mapping.kind if kind is UNSET else kind
    mapping = column_mapping.mapping if mapping is UNSET else mapping
    name = column_mapping.name if name is UNSET else name
    column_mapping.mapping = mapping_clean(kind=kind, mapping=mapping)
    column_mapping.name = _name_check(
        kind=kind, name=name, province=province, institution=institution, exclude=column_mapping.pk
    )
    column_mapping.kind = kind
    column_mapping.province = province
    column_mapping.institution = institution
    column_mapping.save()
    return column_mapping


@transaction.atomic
def column_mapping_delete(*, user, column_mapping: ColumnMapping) -> None:
    if not column_mapping_may_change(user, column_mapping):
        raise permission_denied_error()
    column_mapping.delete()
