"""The one rule for reading an identity number, as pure functions.

Identity numbers (`identity_number_parse`, used by the learner API, the enrolment list, the score
sheets, the platform reports and the integrations' batches alike):

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from enrollment.models import Gender

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


def national_id_or_blank(raw) -> str:
    """The 12 digits of a personal identification number (`national_id_parse`), or "" when `raw`
    is not one (a 9-digit CMND is not one): for matching rows to learners, where a value that is
    no id matches nobody."""
    try:
        return national_id_parse(raw).value
    except ValueError:
        return ""
