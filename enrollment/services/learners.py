"""Writes of learners and their user accounts.

The personal identification number (số định danh cá nhân / CCCD) has 12 digits. Spreadsheets from
provinces often store it as a number, which drops its leading zeros: the number starts with the
3-digit code of the province of birth (001 Hà Nội … 096 Cà Mau) and then a digit that is 0 for men
born in the 1900s, so up to three leading zeros can be lost. An id of 9 to 11 digits is therefore
taken as such a number and left-padded with zeros to 12 digits; any other length is refused. The
same rule applies to ids typed into the API and read from files. Grouped digits as a spreadsheet
shows them ("001 085 012 345", "1.085.012.345") and a trailing ".0" are accepted; an id in
scientific notation ("1.08501E+11", as a CSV saved by Excel may hold) has lost digits and is refused.

Each learner has a user account (role learner) whose username is the id. Its password is unusable
until an admin generates one, which is shown once.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.errors import DomainError, ErrorItem
from courses.models import Role, User
from courses.permissions import is_central_admin, is_province_admin
from courses.text import nfc
from enrollment.models import MAJORITY_ETHNICITY, Learner

NATIONAL_ID_LENGTH = 12
# Ids this long are numbers whose leading zeros a spreadsheet dropped; see the module docstring.
PADDED_LENGTHS = range(9, NATIONAL_ID_LENGTH)

_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")
_TRAILING_ZERO_DECIMALS = re.compile(r"^(\d+)[.,]0+$")
_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?[eE][+]?\d+$")

LEARNER_FIELDS = (
    "full_name",
    "gender",
    "date_of_birth",
    "ethnicity",
    "commune",
    "province",
    "position",
    "area_type",
    "phone",
    "email",
)
CONTACT_FIELDS = ("phone", "email")


@dataclass(frozen=True)
class NationalId:
    value: str
    padded: bool = False


def national_id_parse(raw) -> NationalId:
    """The 12-digit id from what a user or a spreadsheet gave; ValueError with a message otherwise."""
    if raw is None or isinstance(raw, bool):
        raise ValueError(_("Cần số định danh cá nhân gồm 12 chữ số."))
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(_("“%(value)s” không phải là số định danh cá nhân.") % {"value": raw})
        raw = int(raw)
    text = str(raw).strip()
    if _SCIENTIFIC.match(text):
        raise ValueError(
            _(
                "“%(value)s” đã bị bảng tính đổi sang dạng số mũ và mất chữ số: hãy định dạng cột là "
                "văn bản (Text) rồi nhập lại số định danh."
            )
            % {"value": text}
        )
    text = re.sub(r"\s+", "", text)
    match = _TRAILING_ZERO_DECIMALS.match(text)
    if match:
        text = match.group(1)
    elif _GROUPED.match(text):
        text = re.sub(r"[.,]", "", text)
    if not text.isascii() or not text.isdigit():
        raise ValueError(_("“%(value)s” không phải là số định danh cá nhân (12 chữ số).") % {"value": raw})
    if len(text) == NATIONAL_ID_LENGTH:
        return NationalId(text)
    if len(text) in PADDED_LENGTHS:
        return NationalId(text.zfill(NATIONAL_ID_LENGTH), padded=True)
    raise ValueError(
        _("Số định danh cá nhân có %(length)d chữ số; cần đúng 12 chữ số.") % {"length": len(text)}
    )


def _national_id_or_error(raw) -> str:
    try:
        return national_id_parse(raw).value
    except ValueError as exc:
        raise DomainError(message=str(exc), field="national_id") from None


def generate_password() -> str:
    """A 12-character password of letters and digits without look-alikes (0/O, 1/l/I)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    return "".join(secrets.choice(alphabet) for _ in range(12))


@dataclass
class LearnerCreated:
    learner: Learner
    # Shown once to the admin who asked for it; None when the account has no usable password yet.
    password: str | None = None


def _derive_place(values: dict, *, province_given: bool) -> list[ErrorItem]:
    """Province from the commune; the province must be one of the current 34."""
    errors: list[ErrorItem] = []
    commune, province = values.get("commune"), values.get("province")
    if commune is not None:
        if province_given and province is not None and province.pk != commune.province_id:
            errors.append(
                ErrorItem(
                    field="province_id",
                    message=_("Xã, phường %(commune)s không thuộc %(province)s.")
                    % {"commune": commune, "province": province},
                )
            )
        values["province"] = commune.province
        if not values.get("area_type") and commune.area_type:
            values["area_type"] = commune.area_type
    elif values.get("province") is None:
        errors.append(
            ErrorItem(
                field="province_id", code="required", message=_("Cần tỉnh hoặc xã, phường của học viên.")
            )
        )
    province = values.get("province")
    if province is not None and not province.is_current:
        errors.append(
            ErrorItem(
                field="province_id",
                message=_(
                    "Hãy chọn tỉnh hiện hành (34 tỉnh từ 01/7/2025): %(province)s đã sáp nhập vào %(successor)s."
                )
                % {"province": province, "successor": province.successor},
            )
        )
    return errors


def _check_learner_scope(actor, province) -> None:
    if actor is None or is_central_admin(actor):
        return
    if is_province_admin(actor) and province is not None and province.pk == actor.province_id:
        return
    raise DomainError(
        message=_("Bạn chỉ quản lý học viên của tỉnh mình."),
        code="permission_denied",
        status=http.HTTP_403_FORBIDDEN,
        field="province_id",
    )


def _username_taken(national_id: str, exclude_user_id: int | None = None) -> bool:
    users = User.objects.filter(username=national_id)
    if exclude_user_id is not None:
        users = users.exclude(pk=exclude_user_id)
    return users.exists()


@transaction.atomic
def learner_create(
    *,
    actor,
    national_id,
    full_name: str,
    gender: str,
    date_of_birth=None,
    ethnicity: str = "",
    commune=None,
    province=None,
    position=None,
    area_type: str = "",
    phone: str = "",
    email: str = "",
    with_password: bool = False,
) -> LearnerCreated:
    """Create a learner and their user account (username = the id).

    The province is derived from the commune when one is given; the ethnic-minority flag from
    the ethnicity (blank means Kinh). `with_password` generates a password returned once; otherwise
    the account cannot sign in until an admin generates one.
    """
    national_id = _national_id_or_error(national_id)
    values = {
        "full_name": nfc(full_name or ""),
        "gender": gender,
        "date_of_birth": date_of_birth,
        "ethnicity": nfc(ethnicity or "") or MAJORITY_ETHNICITY,
        "commune": commune,
        "province": province,
        "position": position,
        "area_type": area_type or "",
        "phone": (phone or "").strip(),
        "email": (email or "").strip(),
    }
    errors = _derive_place(values, province_given=province is not None)
    if Learner.objects.filter(national_id=national_id).exists():
        errors.append(
            ErrorItem(field="national_id", code="unique", message=_("Đã có học viên mang số định danh này."))
        )
    elif _username_taken(national_id):
        errors.append(
            ErrorItem(
                field="national_id",
                code="unique",
                message=_("Số định danh này đã là tên đăng nhập của một tài khoản khác."),
            )
        )
    if not values["full_name"]:
        errors.append(ErrorItem(field="full_name", code="required", message=_("Cần họ và tên.")))
    if errors:
        raise DomainError(message=errors[0].message, errors=errors)
    _check_learner_scope(actor, values["province"])

    password = generate_password() if with_password else None
    user = User(
        username=national_id,
        full_name=values["full_name"],
        email=values["email"],
        role=Role.LEARNER,
        province=values["province"],
    )
    user.set_password(password)  # None sets an unusable password
    user.save()
    learner = Learner.objects.create(user=user, national_id=national_id, **values)
    return LearnerCreated(learner=learner, password=password)


@transaction.atomic
def learner_update(*, actor, learner: Learner, data: Mapping[str, Any]) -> Learner:
    """Change a learner's record (admins) — national_id included, which renames the account."""
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    _check_learner_scope(actor, learner.province)
    values = {name: data.get(name, getattr(learner, name)) for name in LEARNER_FIELDS}
    for name in ("full_name", "ethnicity"):
        values[name] = nfc(values[name] or "")
    values["ethnicity"] = values["ethnicity"] or MAJORITY_ETHNICITY
    errors: list[ErrorItem] = []
    if "commune" in data or "province" in data:
        commune, province = values["commune"], values["province"]
        kept_commune = "commune" not in data and commune is not None
        if kept_commune and province is not None and commune.province_id != province.pk:
            errors.append(
                ErrorItem(
                    field="commune_id",
                    message=_("Xã, phường hiện tại không thuộc tỉnh mới: hãy chọn lại hoặc để trống."),
                )
            )
        errors += _derive_place(values, province_given="province" in data)
    national_id = learner.national_id
    if "national_id" in data:
        national_id = _national_id_or_error(data["national_id"])
        if national_id != learner.national_id:
            if Learner.objects.filter(national_id=national_id).exclude(pk=learner.pk).exists():
                errors.append(
                    ErrorItem(
                        field="national_id", code="unique", message=_("Đã có học viên mang số định danh này.")
                    )
                )
            elif _username_taken(national_id, exclude_user_id=learner.user_id):
                errors.append(
                    ErrorItem(
                        field="national_id",
                        code="unique",
                        message=_("Số định danh này đã là tên đăng nhập của một tài khoản khác."),
                    )
                )
    if not values["full_name"]:
        errors.append(ErrorItem(field="full_name", code="required", message=_("Cần họ và tên.")))
    if errors:
        raise DomainError(message=errors[0].message, errors=errors)
    _check_learner_scope(actor, values["province"])

    for name, value in values.items():
        setattr(learner, name, value)
    learner.national_id = national_id
    learner.save()
    user = learner.user
    user.username = national_id
    user.full_name = learner.full_name
    user.email = learner.email
    user.province = learner.province
    user.save(update_fields=["username", "full_name", "email", "province"])
    return learner


@transaction.atomic
def learner_contact_update(
    *, learner: Learner, phone: str | None = None, email: str | None = None
) -> Learner:
    """A learner changes their own contact details; nothing else of their record."""
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    fields = []
    if phone is not None:
        learner.phone = phone.strip()
        fields.append("phone")
    if email is not None:
        learner.email = email.strip()
        fields.append("email")
        learner.user.email = learner.email
        learner.user.save(update_fields=["email"])
    if fields:
        learner.save(update_fields=[*fields, "updated_at"])
    return learner


@transaction.atomic
def learner_password_reset(*, actor, learner: Learner) -> str:
    """Generate a new password for the learner's account; returned once, stored only hashed."""
    _check_learner_scope(actor, learner.province)
    password = generate_password()
    user = learner.user
    user.set_password(password)
    user.save(update_fields=["password"])
    return password
