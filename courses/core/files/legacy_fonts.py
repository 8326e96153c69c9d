"""The legacy Vietnamese fonts TCVN3 (ABC, the ".VnTime" fonts) and VNI (VNI-Windows, the
"VNI-Times" fonts), and the conversion of text typed for them to Unicode.

Before Unicode, Vietnamese was typed as Latin-1/Windows-1252 characters that these fonts *drew* as
Vietnamese letters: "Hoµng V¨n Nam" (TCVN3) and "Hoaøng Vaên Nam" (VNI) are "Hoàng Văn Nam".
Whether a file is typed for one of them is decided for the whole file by
courses.core.files.text_encodings; this module holds the fonts' tables and converts a cell.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from courses.core.files.vietnamese_syllables import DOT, TONES, VIETNAMESE_LETTERS, is_vietnamese_syllable

TCVN3 = "tcvn3"
VNI = "vni"

# How each legacy font is named to the user.
FONT_NAMES = {TCVN3: "TCVN3 (ABC, .VnTime)", VNI: "VNI (VNI-Times)"}

# --- The characters legacy font text is made of ----------------------------------------------------
# A font "encoding" is a byte per glyph; programs store the byte as its Windows-1252 character
# (bytes 0x81, 0x8D, 0x8F, 0x90 and 0x9D, undefined there, as the C1 control of the same number,
# as Windows does).


def _windows_1252_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


_BYTE_CHARS = [_windows_1252_char(byte) for byte in range(256)]
# A cell with a character beyond these was not typed for a legacy font.
_BEYOND_FONT_CHARACTERS = re.compile("[^" + re.escape("".join(_BYTE_CHARS)) + "]")
_C1_CONTROLS = "courses.core.files.legacy_fonts.c1_controls"


def _c1_controls(error: UnicodeError) -> tuple[str | bytes, int]:
    """Windows-1252's five undefined bytes as the C1 controls of the same number, both ways."""
    if isinstance(error, UnicodeDecodeError):
        return "".join(chr(byte) for byte in error.object[error.start : error.end]), error.end
    if isinstance(error, UnicodeEncodeError):
        chars = error.object[error.start : error.end]
        return bytes(ord(char) if ord(char) < 256 else ord("?") for char in chars), error.end
    raise error


codecs.register_error(_C1_CONTROLS, _c1_controls)


def font_text_of_bytes(content: bytes) -> str:
    return content.decode("cp1252", errors=_C1_CONTROLS)


def bytes_of_font_text(text: str) -> bytes:
    return text.encode("cp1252", errors=_C1_CONTROLS)


# --- TCVN3 -----------------------------------------------------------------------------------------
# Byte positions of TCVN 5712:1993 (VN1), as in GNU libiconv's lib/tcvn.h (tables tcvn_2uni_1 and
# tcvn_2uni_2), which agree with xvnkb's tcvn.h (github.com/lamdao/xvnkb) letter for letter. TCVN3
# (VN3, the ABC fonts) is VN1 without the capitals that carry a tone; those positions are unused
# in VN3, so reading them too costs nothing and converts files typed with a full VN1 font.
# "-" marks a byte that is no letter. VN1's combining tone marks (0xB0-0xB4) are not read: in
# Windows-1252 they are "°", "±", "²", "³" and "´", which Unicode text uses for themselves.
_TCVN3_RANGES = (
    (0x01, "ÚỤ-ỪỬỮ----------ỨỰỲỶỸÝỴ"),
    (0x80, "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"),
    (0xA1, "ĂÂÊÔƠƯĐăâêôơưđẰ"),
    (0xB5, "àảãáạẲằẳẵắẴẮẦẨẪẤỀặầẩẫấậèỂẻẽéẹềểễếệìỉỄẾỒĩíịòỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵỐ"),
)
TCVN3_TABLE: dict[str, str] = {
    _BYTE_CHARS[start + offset]: letter
    for start, letters in _TCVN3_RANGES
    for offset, letter in enumerate(letters)
    if letter != "-"
}
# VN1's capitals with a tone sit on C0 controls and on Windows-1252's punctuation (“ ” – … •), which
# Unicode text uses for itself: such a character is read as a capital only inside a word it makes
# Vietnamese ("H–" is "HỌ"), or alone when it is no punctuation ("ƒ" is "Á"); never the dash
# between two words or the quotes around one.
_TCVN3_CAPITAL_POSITIONS = frozenset(_BYTE_CHARS[byte] for byte in (*range(0x01, 0x18), *range(0x80, 0xA0)))
_TCVN3_LETTERS = str.maketrans(
    {char: letter for char, letter in TCVN3_TABLE.items() if char not in _TCVN3_CAPITAL_POSITIONS}
)
_TCVN3_CAPITALS = str.maketrans(
    {char: letter for char, letter in TCVN3_TABLE.items() if char in _TCVN3_CAPITAL_POSITIONS}
)
_TCVN3_CAPITAL = re.compile(
    "[" + re.escape("".join(sorted(char for char in TCVN3_TABLE if char in _TCVN3_CAPITAL_POSITIONS))) + "]"
)

# --- VNI -------------------------------------------------------------------------------------------
# VNI-Windows writes a Vietnamese letter as its base letter followed by one character drawn as
# the marks, or as one character of its own (ơ ư đ and the i's); as in xvnkb's vni.h
# (github.com/lamdao/xvnkb) and the vietnamese-conversion package ("Xin chaøo caùc baïn"):
#   tone after a, e, o, u, y, ơ, ư:  sắc ù, huyền ø, hỏi û, ngã õ, nặng ï (but ỵ is î);
#   â, ê, ô (with their tone):       a/e/o + â, á, à, å, ã, ä;
#   ă (with its tone):               a + ê, é, è, ú, ü, ë;
#   ơ ô, ư ö, đ ñ, ỉ æ, ĩ ó, ị ò (í and ì are themselves);
# capitals are the same with every character in capitals ("AÙ" is "Á").
_VNI_TONE = dict(zip(("", *TONES), ("", "ù", "ø", "û", "õ", "ï"), strict=True))
_VNI_CIRCUMFLEX = dict(zip(("", *TONES), ("â", "á", "à", "å", "ã", "ä"), strict=True))
_VNI_BREVE = dict(zip(("", *TONES), ("ê", "é", "è", "ú", "ü", "ë"), strict=True))
_VNI_I = dict(zip(("", *TONES), ("i", "í", "ì", "æ", "ó", "ò"), strict=True))
_VNI_OWN_BASE = {"ơ": "ô", "ư": "ö"}


def _vni_of_letter(letter: str) -> str:
    """The VNI spelling of one lower-case Vietnamese letter."""
    if letter == "đ":
        return "ñ"
    # In NFD the dot below comes before a circumflex or breve ("ậ" is a, dot, circumflex).
    decomposed = unicodedata.normalize("NFD", letter)
    tone = next((char for char in decomposed if char in TONES), "")
    base = unicodedata.normalize("NFC", decomposed.replace(tone, "")) if tone else letter
    if base == "i":
        return _VNI_I[tone]
    if base == "y" and tone == DOT:
        return "î"
    if base in ("â", "ê", "ô"):
        return unicodedata.normalize("NFD", base)[0] + _VNI_CIRCUMFLEX[tone]
    if base == "ă":
        return "a" + _VNI_BREVE[tone]
    return _VNI_OWN_BASE.get(base, base) + _VNI_TONE[tone]


VNI_TABLE: dict[str, str] = {}
for _letter in VIETNAMESE_LETTERS:
    VNI_TABLE[_vni_of_letter(_letter)] = _letter
    VNI_TABLE[_vni_of_letter(_letter).upper()] = _letter.upper()
# "í" and "ì" are written as themselves: nothing to convert.
VNI_TABLE = {spelling: letter for spelling, letter in VNI_TABLE.items() if spelling != letter}
# Two-character spellings first, so "oâ" is read as "ô" before "o" is left alone.
_VNI_SPELLING = re.compile("|".join(re.escape(s) for s in sorted(VNI_TABLE, key=len, reverse=True)))

# --- Converting ------------------------------------------------------------------------------------
_NOT_ASCII_LETTERS = bytes(byte for byte in range(256) if not bytes([byte]).isalpha())
# A word, as far as a legacy font is concerned: ASCII letters and every character that is no
# ASCII space, digit or punctuation (legacy letters are drawn on Latin-1 symbols such as "¸" or
# "§", and TCVN3 capitals even on C0 controls).
WORD_CHARS = "[^\\t\\n\\r\\x00 -@\\[-`{-\\x7f]"
_WORD = re.compile(f"{WORD_CHARS}+")


def _vni_letter(match: re.Match) -> str:
    return VNI_TABLE[match.group()]


def _tcvn3_capitals(match: re.Match) -> str:
    word = match.group()
    converted = word.translate(_TCVN3_CAPITALS)
    if converted == word or (len(word) == 1 and unicodedata.category(word).startswith("P")):
        return word
    return converted if is_vietnamese_syllable(converted) else word


def legacy_font_convert(text: str, encoding: str) -> str:
    if encoding == VNI:
        return _VNI_SPELLING.sub(_vni_letter, text)
    converted = text.translate(_TCVN3_LETTERS)
    if _TCVN3_CAPITAL.search(converted):
        converted = _WORD.sub(_tcvn3_capitals, converted)
    if converted == text:
        return converted
    # Typed in the capitals font (".VnTimeH"): the text's ASCII letters are all capitals. One
    # capital alone tells nothing ("Lß" is "Lò" as often as "LÒ").
    ascii_letters = text.encode("ascii", errors="ignore").translate(None, _NOT_ASCII_LETTERS)
    if len(ascii_letters) > 1 and ascii_letters.isupper():
        return converted.upper()
    return converted


def from_legacy_font(value: str, encoding: str) -> str:
    """One cell of a file decided as `encoding` (TCVN3 or VNI), in NFC Unicode.

    A cell with a character no legacy font produces is Unicode already and stays as it is.
    """
    # Printable ASCII has nothing to convert (TCVN3 draws capitals on some C0 controls).
    if (value.isascii() and value.isprintable()) or _BEYOND_FONT_CHARACTERS.search(value):
        return value
    return unicodedata.normalize("NFC", legacy_font_convert(value, encoding))
