"""Who reads a learner's personal data: the one rule, used by every endpoint and export.

A learner's record is shown at one of two levels:

* **full** (id number and old CMND number, date of birth, ethnicity, phone, email and the rest): the learner
  themselves, central admins, and the provincial admins of the learner's province (legacy units
  rolled up into their successor);
* **roster** (name, last four digits of the id number and of the CMND, gender, province, commune, position,
  area type): the trainers and admins of a class the learner is actively on (enrolled,
  waitlisted, completed or not completed). That is what marking attendance and recognising a
  person needs; contact details and the rest stay with the province that keeps the record.

A withdrawn enrolment grants nothing: the learner drops out of the reach of the class's trainers
and admins (a provincial admin of the learner's province keeps full access as such). Everyone else
reads nothing (404). Every read by someone other than the learner is recorded
(`enrollment.services.data_access`).

The level is decided per learner from rows already loaded (the learner and their province), so a
page of any size costs no extra query.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from django.db.models import Q

from courses.core.permissions import is_central_admin, is_province_admin
from courses.models import Role
from courses.selectors.classes import province_scope_q
from enrollment.models import EnrollmentStatus, Learner

# Shown at the full level only; cleared at the roster level.
PERSONAL_FIELDS = ("date_of_birth", "ethnicity", "is_ethnic_minority", "phone", "email")
SHOWN_ID_DIGITS = 4


def mask_national_id(national_id: str) -> str:
    """The last four digits, the rest starred: enough to tell two namesakes apart on a roster."""
    if not national_id:
        return ""
    return "*" * max(len(national_id) - SHOWN_ID_DIGITS, 0) + national_id[-SHOWN_ID_DIGITS:]


def full_access_q(user, prefix: str = "") -> Q:
    """Learners (reached through `prefix`, e.g. "learner__") whose full record the user reads."""
    if is_central_admin(user):
        return Q()
    if is_province_admin(user):
        return province_scope_q(user.province_id, f"{prefix}province")
    if user is not None and user.is_authenticated and user.role == Role.LEARNER:
        return Q(**{f"{prefix}user_id": user.pk})
    return Q(pk__in=[])


def readable_enrollments_q(user) -> Q:
    """Enrolments of a class the user manages whose learner shows on its roster to them: all but
    the withdrawn ones, which show only to those who read the learner's full record anyway."""
    full = full_access_q(user, "learner__")
    if not full:
        # An empty Q is everyone's record (a central admin's): `|` would drop it, not match all.
        return Q()
    return ~Q(status=EnrollmentStatus.WITHDRAWN) | full


def full_record_reader(user) -> Callable[[int | None, int | None, int | None], bool]:
    """`reads_full_record` decided once for the reader, then per learner from three of their values:
    their account's id, their province's and its successor's (for a roster of thousands read with
    .values(), with no learner instance)."""
    if not (user and user.is_authenticated):
        return lambda user_id, province_id, successor_id: False
    if is_central_admin(user):
        return lambda user_id, province_id, successor_id: True
    if is_province_admin(user):
        return lambda user_id, province_id, successor_id: (
            user_id == user.pk or user.province_id in (province_id, successor_id)
        )
    return lambda user_id, province_id, successor_id: user_id == user.pk


def reads_full_record(user, learner: Learner) -> bool:
    """Whether the user reads the learner's full record. No query when the learner's province is
    loaded with them (every selector here does), as its successor decides for a legacy unit."""
    # Only a provincial admin's rule reads the successor: nobody else's costs the province.
    successor_id = learner.province.successor_id if is_province_admin(user) else None
    return full_record_reader(user)(learner.user_id, learner.province_id, successor_id)


def roster_view(learner: Learner) -> Learner:
    """A copy of the learner holding the roster fields only (for writers that read attributes,
    such as the exports); the original is left as it was."""
    shown = copy.copy(learner)
    shown.national_id = mask_national_id(learner.national_id)
    shown.legacy_id_number = mask_national_id(learner.legacy_id_number)
    shown.date_of_birth = None
    shown.ethnicity = ""
    shown.is_ethnic_minority = None
    shown.phone = ""
    shown.email = ""
    return shown


def reader_of(context) -> object | None:
    """The user a serializer's output is for: its request's, else its `reader` (None: nobody, who
    gets the roster level)."""
    request = context.get("request")
    return getattr(request, "user", None) if request is not None else context.get("reader")


def as_seen_by(user, learner: Learner) -> Learner:
    """The learner as the user may read them: as stored, or their roster view."""
    return learner if reads_full_record(user, learner) else roster_view(learner)
