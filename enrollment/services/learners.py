"""Writes of learners and their user accounts.

Identity numbers are read by the one rule of `enrollment.rules.identity` (`identity_number_parse`).

Each learner has a user account (role learner) whose username is the id. Its password is unusable
until an admin generates one, which is shown once.
"""

from __future__ import annotations

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
from courses.services.accounts import account_password_set
from enrollment.models import MAJORITY_ETHNICITY, Learner
from enrollment.rules.identity import legacy_id_parse, national_id_parse

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


def _learner_check(
    *,
    actor,
    values: Mapping[str, Any],
    national_id: str,
    legacy_id_number: str,
    errors: list[ErrorItem],
    learner: Learner | None = None,
) -> None:
    """The checks of a learner's record about to be created or changed (`learner`, whose own
    numbers are not taken by anyone else), after those of its place and ethnicity (`errors`): an
    id number it takes must be no other learner's (nor, the 12-digit one, another account's
    username), and it must have a name. Raises a DomainError naming every error found; then one
    of 403 when the record's province is outside the actor's.
    """
    others = Learner.objects.exclude(pk=learner.pk) if learner else Learner.objects.all()
    if national_id != (learner.national_id if learner else None):
        if others.filter(national_id=national_id).exists():
            errors.append(
                ErrorItem(
                    field="national_id", code="unique", message=_("Đã có học viên mang số định danh này.")
                )
            )
        elif _username_taken(national_id, exclude_user_id=learner.user_id if learner else None):
            errors.append(
                ErrorItem(
                    field="national_id",
                    code="unique",
                    message=_("Số định danh này đã là tên đăng nhập của một tài khoản khác."),
                )
            )
    legacy_changed = legacy_id_number != (learner.legacy_id_number if learner else "")
    if legacy_id_number and legacy_changed and others.filter(legacy_id_number=legacy_id_number).exists():
        errors.append(
            ErrorItem(field="legacy_id_number", code="unique", message=_("Đã có học viên mang số CMND này."))
        )
    if not values["full_name"]:
        errors.append(ErrorItem(field="full_name", code="required", message=_("Cần họ và tên.")))
    if errors:
        raise DomainError(message=errors[0].message, errors=errors)
    _check_learner_scope(actor, values["province"])


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
    _learner_check(
        actor=actor, values=values, national_id=national_id, legacy_id_number=legacy_id_number, errors=errors
    )

    password = generate_password() if with_password else None
    user = User(
        username=national_id,
        full_name=values["full_name"],
        email=values["email"],
        role=Role.LEARNER,
        province=values["province"],
        # Generated (or none yet): the learner chooses their own at their first sign-in.
        password_change_required=True,
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
    legacy_id_number = learner.legacy_id_number
    if "legacy_id_number" in data:
        legacy_id_number = _legacy_id_or_error(data["legacy_id_number"])
    _learner_check(
        actor=actor,
        values=values,
        national_id=national_id,
        legacy_id_number=legacy_id_number,
        errors=errors,
        learner=learner,
    )

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
    """Generate a new password for the learner's account; returned once, stored only hashed. The
    learner must change it at their next sign-in."""
    _check_learner_scope(actor, learner.province)
    password = generate_password()
    account_password_set(user=learner.user, password=password, change_required=True)
    return password


@transaction.atomic
def learner_reminders_set(*, learner: Learner, enabled: bool) -> Learner:
    """A learner turns their session reminders by email off or on (the portal's preferences page,
    PATCH /api/v1/me/preferences). The enrolment and certificate emails are not reminders: they
    are sent whatever this says, as a record of what happened to the learner's place."""
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    if learner.reminders_enabled != enabled:
        learner.reminders_enabled = enabled
        learner.save(update_fields=["reminders_enabled", "updated_at"])
    return learner
