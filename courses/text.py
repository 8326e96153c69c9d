"""Text helpers for Vietnamese: one stored form (NFC) and an accent-free form for search."""

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
