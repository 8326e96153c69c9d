"""Text helpers for Vietnamese: one stored form (NFC), an accent-free form for search, and the
control characters no text may hold."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(value):
    """Composed Unicode, trimmed; non-strings pass through unchanged.

    Files from provinces mix composed and decomposed Vietnamese; storing one form makes equal
    names compare equal.
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


def fold(value: str) -> str:
    """Lower-case, accent-free, single-spaced text, so "Bồi dưỡng" and "boi duong" match."""
    decomposed = unicodedata.normalize("NFD", value or "")
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    # đ/Đ are letters of their own, not d with a combining mark.
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", stripped).strip().lower()


# Characters no text of ours holds: the C0 controls but tab, line feed and carriage return; DEL
# and the C1 controls; lone surrogates (halves of a UTF-16 pair, which UTF-8 cannot encode); and
# U+FFFE, U+FFFF (not characters). PostgreSQL refuses NUL, XML (so XLSX) refuses most C0 controls,
# and none of them belongs in a name, a phone number or a note. The API refuses them
# (courses.parsers, courses.middleware); the exports strip them from what was stored before
# (courses.spreadsheet).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def strip_control_characters(value: str) -> str:
    return CONTROL_CHARACTERS.sub("", value)


def escape_control_characters(value: str) -> str:
    """The text with each control character spelt \\uXXXX: safe to show back in a message."""
    return CONTROL_CHARACTERS.sub(lambda match: f"\\u{ord(match.group()):04x}", value)
