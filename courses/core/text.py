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
# (courses.core.parsers, courses.core.middleware); the exports strip them from what was stored before
# (courses.core.files.spreadsheet).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def strip_control_characters(value: str) -> str:
    return CONTROL_CHARACTERS.sub("", value)


def escape_control_characters(value: str) -> str:
    """The text with each control character spelt \\uXXXX: safe to show back in a message."""
    return CONTROL_CHARACTERS.sub(lambda match: f"\\u{ord(match.group()):04x}", value)


# --- Vietnamese order --------------------------------------------------------------------------
# Official lists (danh sách học viên, bảng điểm danh) sort people by given name (tên, the last
# word), then family name (họ, the first word), then middle names (tên đệm) in order. Each word
# compares letter by letter in the Vietnamese alphabet, with f, j, w and z (found in the names of
# some ethnic minorities) placed beside their neighbours, and digits before letters:
#     a ă â b c d đ e ê (f) g h i (j) k l m n o ô ơ p q r s t u ư v (w) x y (z)
# then, between words whose letters are the same, by tone, as CLDR/ICU's vi collation and the
# dictionaries order them: unmarked, huyền (grave), hỏi (hook), ngã (tilde), sắc (acute),
# nặng (dot below). So "Ma" < "Mà" < "Mả" < "Mã" < "Má" < "Mạ" < "Mác". Case does not count;
# punctuation (the apostrophe of "H'Hen") is skipped; any other character sorts after the letters
# by code point.
#
# The key is a string of ASCII digits only, so that PostgreSQL (under any collation: glibc, ICU
# or C) and SQLite (binary) order it the same way, character by character. Each letter is two
# digits, "00" ends a word, and the word's tones follow, one digit a letter: two words whose
# letters are equal have tones of the same length, and the word that runs out of letters first
# ends with "00", below any letter.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_DIGITS = "0123456789"
_LETTER_CODES = {ch: f"{n:02d}" for n, ch in enumerate(_DIGITS + _ALPHABET, start=10)}
_OTHER_CODE = "99"  # then the character's code point in seven digits
_END_OF_WORD = "00"
_VOWEL_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


def _word_key(word: str) -> str:
    letters, tones = [], []
    base, tone = "", "0"

    def flush():
        if not base:
            return
        letter = unicodedata.normalize("NFC", base)
        code = _LETTER_CODES.get(letter) or _LETTER_CODES.get(letter[0])
        if code is None:
            if not letter[0].isalnum():
                return  # punctuation within a name does not count
            code = f"{_OTHER_CODE}{ord(letter[0]):07d}"
        letters.append(code)
        tones.append(tone)

    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            tone = _TONES[ch]
        elif ch in _VOWEL_MARKS:
            base += ch
        elif unicodedata.category(ch) == "Mn":
            continue  # a mark Vietnamese does not use: the letter counts as its base
        else:
            flush()
            base, tone = ch, "0"
    flush()
    return "".join(letters) + _END_OF_WORD + "".join(tones)


def vietnamese_name_key(full_name: str) -> str:
    """The key that sorts full names as Vietnamese official lists do (see above): given name,
    family name, then middle names, in the Vietnamese alphabet, tones after letters."""
    words = [w for w in _SPACES.split(nfc(full_name or "")) if w]
    if len(words) > 1:
        words = [words[-1], words[0], *words[1:-1]]
    return "".join(_word_key(word) for word in words)
