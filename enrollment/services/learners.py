"""Writes of learners and their user accounts, and the one rule for reading an identity number.

Identity numbers (`identity_number_parse`, used by the learner API, the enrolment list and the
platform reports alike):

* The personal identification number (số định danh cá nhân / CCCD) has 12 digits,
  `PPP G YY NNNNNN`: the code of the province of birth (001 Hà Nội … 096 Cà Mau), one digit for sex
  and century (0/1 a man/woman born in the 1900s, 2/3 the 2000s, 4/5 the 2100s, 6/7 the 2200s,
  8/9 the 1800s), the last two digits of the year of birth, then six random digits. An id whose
  first three digits are not 001–096 is refused.
* Spreadsheets often store it as a number, which drops its leading zeros. The province code is
  never 000, so at most two zeros can be lost: an id of 10 or 11 digits is such a number and is
  left-padded to 12 (and reported as padded).
* Nine digits is the old identity card number (chứng minh nhân dân, CMND), a different document:
  it is never padded into a 12-digit number. A learner may keep it as `legacy_id_number` (unique
  when set); a file row that gives only a CMND is the learner who has it stored, otherwise it is
  refused and asks for the 12-digit number. Eight digits is a CMND whose leading zero a
  spreadsheet dropped (several provinces' CMNDs start with 0) and gets it back.
* Digits grouped by spaces, dots, dashes or commas ("001 085 012 345", "001.085.012.345",
  "001-0-85-012345"), a leading apostrophe (Excel's mark for text) and a trailing ".0" are
  accepted. An id in scientific notation ("1.08501E+11", as a CSV saved by Excel may hold) has lost
  digits and is refused.

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

from courses.core.errors import DomainError, ErrorItem
from courses.core.permissions import is_central_admin, is_province_admin
from courses.core.text import nfc
from courses.models import Role, User
from courses.selectors.vocabularies import Vocabulary
from enrollment.models import MAJORITY_ETHNICITY, Gender, Learner

NATIONAL_ID = "national_id"
CMND = "cmnd"
NATIONAL_ID_LENGTH = 12
CMND_LENGTH = 9
# A 12-digit id stored as a number: the province code (001-096) keeps its last or middle digit, so
# one or two zeros at most were dropped. See the module docstring.
PADDED_LENGTHS = (10, 11)
# A CMND stored as a number: only its leading 0 can have been dropped.
PADDED_CMND_LENGTH = 8
PROVINCE_CODES = range(1, 97)
# The sex/century digit of a 12-digit id: digit -> (sex, first year of the century).
SEX_CENTURY = {
    "0": (Gender.MALE, 1900),
    "1": (Gender.FEMALE, 1900),
    "2": (Gender.MALE, 2000),
    "3": (Gender.FEMALE, 2000),
    "4": (Gender.MALE, 2100),
    "5": (Gender.FEMALE, 2100),
    "6": (Gender.MALE, 2200),
    "7": (Gender.FEMALE, 2200),
    "8": (Gender.MALE, 1800),
    "9": (Gender.FEMALE, 1800),
}

_SEPARATED_DIGITS = re.compile(r"^\d+([\s.,\-]+\d+)*$")
_SEPARATORS = re.compile(r"[\s.,\-]+")
_TRAILING_ZERO_DECIMALS = re.compile(r"^(\d+)[.,]0+$")
# One separator followed by one or two digits: a decimal number, not a grouping of an id.
_DECIMAL = re.compile(r"^\d+[.,]\d{1,2}$")
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
class IdentityNumber:
    """An identity number as read: a 12-digit personal identification number or a 9-digit CMND."""

    value: str
    kind: str = NATIONAL_ID  # NATIONAL_ID or CMND
    # Leading zeros a spreadsheet dropped were put back.
    padded: bool = False

    @property
    def is_national_id(self) -> bool:
        return self.kind == NATIONAL_ID

    @property
    def province_code(self) -> str | None:
        return self.value[:3] if self.is_national_id else None

    @property
    def sex_century_digit(self) -> str | None:
        return self.value[3] if self.is_national_id else None

    @property
    def sex(self) -> str | None:
        """Gender.MALE or Gender.FEMALE as the id encodes it; None for a CMND."""
        return SEX_CENTURY[self.value[3]][0] if self.is_national_id else None

    @property
    def birth_year(self) -> int | None:
        return SEX_CENTURY[self.value[3]][1] + int(self.value[4:6]) if self.is_national_id else None


def identity_number_parse(raw) -> IdentityNumber:
    """The one rule for reading an identity number (see the module docstring): a 12-digit
    personal identification number (10 or 11 digits padded) or a 9-digit CMND (8 digits padded to
    9); ValueError with a message saying what is wrong otherwise."""
    if raw is None or isinstance(raw, bool):
        raise ValueError(_("Cần số định danh cá nhân gồm 12 chữ số."))
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(_("“%(value)s” không phải là số định danh cá nhân.") % {"value": raw})
        raw = int(raw)
    text = str(raw).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    if _SCIENTIFIC.match(text):
        raise ValueError(
            _(
                "“%(value)s” đã bị bảng tính đổi sang dạng số mũ và mất chữ số: hãy định dạng cột là "
                "văn bản (Text) rồi nhập lại số định danh."
            )
            % {"value": text}
        )
    match = _TRAILING_ZERO_DECIMALS.match(text)
    if match:
        text = match.group(1)
    elif not _DECIMAL.match(text) and _SEPARATED_DIGITS.match(text):
        text = _SEPARATORS.sub("", text)
    if not text.isascii() or not text.isdigit():
        raise ValueError(_("“%(value)s” không phải là số định danh cá nhân (12 chữ số).") % {"value": raw})
    length = len(text)
    if length == NATIONAL_ID_LENGTH or length in PADDED_LENGTHS:
        value = text.zfill(NATIONAL_ID_LENGTH)
        if int(value[:3]) not in PROVINCE_CODES:
            raise ValueError(
                _(
                    "Số định danh %(id)s bắt đầu bằng %(code)s, không phải mã tỉnh nơi khai sinh "
                    "(001–096): hãy kiểm tra lại số."
                )
                % {"id": value, "code": value[:3]}
            )
        return IdentityNumber(value, NATIONAL_ID, padded=length != NATIONAL_ID_LENGTH)
    if length == CMND_LENGTH:
        return IdentityNumber(text, CMND)
    if length == PADDED_CMND_LENGTH:
        return IdentityNumber(text.zfill(CMND_LENGTH), CMND, padded=True)
    raise ValueError(_("Số định danh cá nhân có %(length)d chữ số; cần đúng 12 chữ số.") % {"length": length})


def cmnd_is_not_national_id_message(cmnd: str) -> str:
    return _(
        "“%(value)s” là số chứng minh nhân dân (CMND) cũ gồm 9 chữ số, không phải số định danh cá "
        "nhân: hãy ghi số định danh cá nhân 12 chữ số (số CMND có thể ghi riêng bên cạnh)."
    ) % {"value": cmnd}


def national_id_parse(raw) -> IdentityNumber:
    """The 12-digit personal identification number from what a user or a spreadsheet gave;
    ValueError with a message otherwise.

    The rule is `identity_number_parse`'s: 12 digits, grouped or not; 10 or 11 digits are a number
    whose one or two leading zeros a spreadsheet dropped (the province code 001-096 is never 000,
    so no more can be lost) and are left-padded; the first three digits must be a province code
    001-096. A 9-digit number is an old CMND, a different document: it is refused here, never
    padded into a 12-digit number (it is kept as `Learner.legacy_id_number`, and a file row giving
    only a CMND is the learner who has it stored).
    """
    identity = identity_number_parse(raw)
    if not identity.is_national_id:
        raise ValueError(cmnd_is_not_national_id_message(identity.value))
    return identity


def legacy_id_parse(raw) -> IdentityNumber:
    """An old CMND (9 digits, or 8 whose leading zero was dropped); ValueError otherwise."""
    try:
        identity = identity_number_parse(raw)
    except ValueError:
        raise ValueError(_("“%(value)s” không phải là số CMND (9 chữ số).") % {"value": raw}) from None
    if identity.is_national_id:
        raise ValueError(
            _(
                "“%(value)s” là số định danh cá nhân 12 chữ số, không phải số chứng minh nhân dân (CMND) "
                "cũ gồm 9 chữ số: hãy ghi nó vào cột số định danh."
            )
            % {"value": raw}
        )
    return identity


def _national_id_or_error(raw) -> str:
    try:
        return national_id_parse(raw).value
    except ValueError as exc:
        raise DomainError(message=str(exc), field="national_id") from None


def _legacy_id_or_error(raw) -> str:
    """The CMND to store, "" for none."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    try:
        return legacy_id_parse(raw).value
    except ValueError as exc:
        raise DomainError(message=str(exc), field="legacy_id_number") from None


def _legacy_id_taken_error() -> ErrorItem:
    return ErrorItem(field="legacy_id_number", code="unique", message=_("Đã có học viên mang số CMND này."))


def _legacy_id_taken(legacy_id_number: str, exclude_learner_id: int | None = None) -> bool:
    learners = Learner.objects.filter(legacy_id_number=legacy_id_number)
    if exclude_learner_id is not None:
        learners = learners.exclude(pk=exclude_learner_id)
    return bool(legacy_id_number) and learners.exists()


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


def _ethnicity_errors(values: dict) -> list[ErrorItem]:
    """The ethnicity stored by its official name, as the enrolment lists store it (one vocabulary:
    courses.selectors.vocabularies); blank means Kinh. An error naming the field when it is none of the 54."""
    if not values["ethnicity"]:
        values["ethnicity"] = MAJORITY_ETHNICITY
        return []
    try:
        values["ethnicity"] = Vocabulary.load_ethnicities().ethnicity(values["ethnicity"])
    except ValueError as exc:
        return [ErrorItem(field="ethnicity", message=str(exc))]
    return []


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
    legacy_id_number: str = "",
    with_password: bool = False,
) -> LearnerCreated:
    """Create a learner and their user account (username = the id).

    The province is derived from the commune when one is given; the ethnic-minority flag from
    the ethnicity (blank means Kinh). `with_password` generates a password returned once; otherwise
    the account cannot sign in until an admin generates one. `legacy_id_number` is the learner's
    old 9-digit CMND, if any (unique).
    """
    national_id = _national_id_or_error(national_id)
    legacy_id_number = _legacy_id_or_error(legacy_id_number)
    values = {
        "full_name": nfc(full_name or ""),
        "gender": gender,
        "date_of_birth": date_of_birth,
        "ethnicity": nfc(ethnicity or ""),
        "commune": commune,
        "province": province,
        "position": position,
        "area_type": area_type or "",
        "phone": (phone or "").strip(),
        "email": (email or "").strip(),
    }
    errors = _derive_place(values, province_given=province is not None) + _ethnicity_errors(values)
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
    if _legacy_id_taken(legacy_id_number):
        errors.append(_legacy_id_taken_error())
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
    learner = Learner.objects.create(
        user=user, national_id=national_id, legacy_id_number=legacy_id_number, **values
    )
    return LearnerCreated(learner=learner, password=password)


@transaction.atomic
def learner_update(*, actor, learner: Learner, data: Mapping[str, Any]) -> Learner:
    """Change a learner's record (admins) — national_id included, which renames the account, and
    legacy_id_number (blank clears it)."""
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    _check_learner_scope(actor, learner.province)
    values = {name: data.get(name, getattr(learner, name)) for name in LEARNER_FIELDS}
    for name in ("full_name", "ethnicity"):
        values[name] = nfc(values[name] or "")
    errors: list[ErrorItem] = _ethnicity_errors(values) if "ethnicity" in data else []
    values["ethnicity"] = values["ethnicity"] or MAJORITY_ETHNICITY
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
    legacy_id_number = learner.legacy_id_number
    if "legacy_id_number" in data:
        legacy_id_number = _legacy_id_or_error(data["legacy_id_number"])
        if _legacy_id_taken(legacy_id_number, exclude_learner_id=learner.pk):
            errors.append(_legacy_id_taken_error())
    if not values["full_name"]:
        errors.append(ErrorItem(field="full_name", code="required", message=_("Cần họ và tên.")))
    if errors:
        raise DomainError(message=errors[0].message, errors=errors)
    _check_learner_scope(actor, values["province"])

    for name, value in values.items():
        setattr(learner, name, value)
    learner.national_id = national_id
    learner.legacy_id_number = legacy_id_number
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
