"""Turn the bytes of an uploaded text file into Unicode text, and undo the legacy Vietnamese
font encodings wherever they hide (in CSV bytes and inside XLSX cells).

What people really send, and how each is told apart:

* UTF-8, with or without BOM (Excel's "CSV UTF-8", LibreOffice, Google Sheets);
* UTF-16 with a BOM, little- or big-endian (Microsoft Teams writes its attendance report as
  UTF-16 LE with BOM; Excel's "Unicode Text"), and UTF-16 without a BOM, told by the NUL byte
  every ASCII character carries in it;
* Windows-1258, the Vietnamese ANSI code page (Excel's plain "CSV" on a Vietnamese Windows): its
  tone marks are combining characters, so the text is composed (NFC) after decoding;
* Windows-1252 (plain "CSV" on a Western Windows): names such as "Müller" stay as they are;
* TCVN3 (ABC, the ".VnTime" fonts) and VNI (VNI-Windows, the "VNI-Times" fonts): before Unicode,
  Vietnamese was typed as Latin-1/Windows-1252 characters that these fonts *drew* as Vietnamese
  letters. Such text is Windows-1252 text to every program but the font: "Hoµng V¨n Nam" (TCVN3)
  and "Hoaøng Vaên Nam" (VNI) are "Hoàng Văn Nam". It survives into XLSX cells (a string of those
  characters) and into CSV files (their bytes, or the same characters in UTF-8).

A legacy font is decided once for a whole file from all of its words, never cell by cell: a
word counts for a legacy font when it is no Vietnamese syllable as written (nor as Windows-1258
or -1252 bytes) and becomes one once converted; it counts against when the conversion leaves it
no syllable (plain Unicode Vietnamese: "Nguyễn" has no character a legacy font uses). Words that
read as Vietnamese both ways ("Lý", "Tú") count for nothing. When at least 80 % of the counting
words speak for one legacy font the file is converted; when only some do, the file mixes
encodings and is refused with the encoding named, since converting would turn its Unicode
cells into mojibake and not converting would store the legacy ones as mojibake. English, ASCII
and foreign names ("Müller", "Hélène") have no word a legacy font turns into Vietnamese, so they
are never converted.

Within a file decided as a legacy font, a cell holding a character no legacy font can produce
(such as "ọ", "ư" or "ễ", which are beyond Windows-1252) is already Unicode and left as it is:
a heading row retyped in Unicode above TCVN3 data stays readable.

TCVN3 leaves capital letters with tones out: they were typed with the lower-case codes in the
capitals font (".VnTimeH"). A cell whose ASCII letters are all capitals ("NGUYÔN THÞ") is
converted in capitals ("NGUYỄN THỊ"); otherwise those codes can't be told from lower case.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from courses.core.errors import DomainError

TCVN3 = "tcvn3"
VNI = "vni"
UTF_8 = "utf-8"
UTF_16_LE = "utf-16-le"
UTF_16_BE = "utf-16-be"
WINDOWS_1258 = "windows-1258"
WINDOWS_1252 = "windows-1252"

# How each legacy font is named to the user.
_FONT_NAMES = {TCVN3: "TCVN3 (ABC, .VnTime)", VNI: "VNI (VNI-Times)"}

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
_C1_CONTROLS = "courses.core.files.text_encodings.c1_controls"


def _c1_controls(error: UnicodeError) -> tuple[str | bytes, int]:
    """Windows-1252's five undefined bytes as the C1 controls of the same number, both ways."""
    if isinstance(error, UnicodeDecodeError):
        return "".join(chr(byte) for byte in error.object[error.start : error.end]), error.end
    if isinstance(error, UnicodeEncodeError):
        chars = error.object[error.start : error.end]
        return bytes(ord(char) if ord(char) < 256 else ord("?") for char in chars), error.end
    raise error


codecs.register_error(_C1_CONTROLS, _c1_controls)


def _font_text_of_bytes(content: bytes) -> str:
    return content.decode("cp1252", errors=_C1_CONTROLS)


def _bytes_of_font_text(text: str) -> bytes:
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
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_TONES = (_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT)
_VNI_TONE = dict(zip(("", *_TONES), ("", "ù", "ø", "û", "õ", "ï"), strict=True))
_VNI_CIRCUMFLEX = dict(zip(("", *_TONES), ("â", "á", "à", "å", "ã", "ä"), strict=True))
_VNI_BREVE = dict(zip(("", *_TONES), ("ê", "é", "è", "ú", "ü", "ë"), strict=True))
_VNI_I = dict(zip(("", *_TONES), ("i", "í", "ì", "æ", "ó", "ò"), strict=True))
_VNI_OWN_BASE = {"ơ": "ô", "ư": "ö"}
# The 67 lower-case letters Vietnamese writes with a mark (with the 67 capitals, 134).
VIETNAMESE_LETTERS = tuple(
    unicodedata.normalize("NFC", base + tone)
    for base in ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
    for tone in ("", *_TONES)
    if base + tone not in "aeiouy"
) + ("đ",)


def _vni_of_letter(letter: str) -> str:
    """The VNI spelling of one lower-case Vietnamese letter."""
    if letter == "đ":
        return "ñ"
    # In NFD the dot below comes before a circumflex or breve ("ậ" is a, dot, circumflex).
    decomposed = unicodedata.normalize("NFD", letter)
    tone = next((char for char in decomposed if char in _TONES), "")
    base = unicodedata.normalize("NFC", decomposed.replace(tone, "")) if tone else letter
    if base == "i":
        return _VNI_I[tone]
    if base == "y" and tone == _DOT:
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

# --- Vietnamese syllables --------------------------------------------------------------------------
# A written syllable: an initial consonant, a vowel group, a final consonant, at most one tone on a
# vowel; the stop finals c, ch, p, t take only the sắc or nặng tone. Permissive where Vietnamese
# is (the initials f, j, w, z of minority names), strict where mojibake is not Vietnamese.
_INITIAL = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvxfjwz])?"
_FINAL = "(?:ng|nh|ch|[cmnpt])"
_VOWELS_OPEN_OR_CLOSED = "oa|oe|uê|uy|[aeêioôơuưy]"
_VOWELS_CLOSED = "uyê|oă|uâ|iê|yê|uô|ươ|oo|[ăâ]"
_VOWELS_OPEN = (
    "oai|oay|oeo|uây|uôi|ươi|ươu|iêu|yêu|uyu|uya|ai|ao|au|ay|âu|ây|eo|êu|iu|oi|ôi|ơi|ui|ưi|ưu|ia|ưa|ua|uơ"
)
_SYLLABLE = re.compile(
    f"{_INITIAL}(?:(?:{_VOWELS_OPEN_OR_CLOSED}){_FINAL}?|(?:{_VOWELS_CLOSED}){_FINAL}|(?:{_VOWELS_OPEN}))"
)
_STOP_FINAL = re.compile("(?:c|ch|p|t)$")
_VOWEL_MARKS = "\u0302\u0306\u031b"  # circumflex, breve, horn


# The longest syllables have seven letters ("nghiêng"); VNI spells them in up to nine characters,
# Windows-1258 in up to eight. A longer word is no syllable in any encoding, and is not looked at.
_LONGEST_WORD = 12


def is_vietnamese_syllable(word: str) -> bool:
    """Whether `word` (any case, composed or not) is spelt as a Vietnamese syllable."""
    if len(word) > _LONGEST_WORD:
        return False
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [index for index, char in enumerate(decomposed) if char in _TONES]
    if len(tones) > 1:
        return False
    tone = ""
    if tones:
        index = tones[0]
        tone = decomposed[index]
        before = decomposed[:index].rstrip(_VOWEL_MARKS)
        if not before or before[-1] not in "aeiouy":
            return False
        decomposed = decomposed[:index] + decomposed[index + 1 :]
    base = unicodedata.normalize("NFC", decomposed)
    if not _SYLLABLE.fullmatch(base):
        return False
    return not (_STOP_FINAL.search(base) and tone not in ("", _ACUTE, _DOT))


# --- Converting ------------------------------------------------------------------------------------
_NOT_ASCII_LETTERS = bytes(byte for byte in range(256) if not bytes([byte]).isalpha())
# A word, as far as a legacy font is concerned: ASCII letters and every character that is no
# ASCII space, digit or punctuation (legacy letters are drawn on Latin-1 symbols such as "¸" or
# "§", and TCVN3 capitals even on C0 controls).
_WORD_CHARS = "[^\\t\\n\\r\\x00 -@\\[-`{-\\x7f]"
_WORD = re.compile(f"{_WORD_CHARS}+")
# A word holding at least one character that is no ASCII letter: the only words that can tell.
# Matched from the start of a word only, and without backtracking, so a long run of ASCII letters
# costs one pass, not one per letter.
_TELLING_WORD = re.compile(f"(?<![A-Za-z])[A-Za-z]*+[^\\t\\n\\r\\x00 -\\x7f]{_WORD_CHARS}*+")


def _vni_letter(match: re.Match) -> str:
    return VNI_TABLE[match.group()]


def _tcvn3_capitals(match: re.Match) -> str:
    word = match.group()
    converted = word.translate(_TCVN3_CAPITALS)
    if converted == word or (len(word) == 1 and unicodedata.category(word).startswith("P")):
        return word
    return converted if is_vietnamese_syllable(converted) else word


def _convert(text: str, encoding: str) -> str:
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
    return unicodedata.normalize("NFC", _convert(value, encoding))


# --- Deciding --------------------------------------------------------------------------------------
_MIN_SHARE = 0.8  # of the words that tell, speaking for one legacy font, to convert the file


def _core(word: str) -> str:
    """The word without the punctuation around it (“Nam”, “Hà,”), for reading it as Unicode."""
    start, end = 0, len(word)
    while start < end and unicodedata.category(word[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(word[end - 1]).startswith("P"):
        end -= 1
    return word[start:end]


# Vietnamese has some 7,000 syllables, so a real file, in any encoding, holds a few thousand distinct
# words. A file with far more is no Vietnamese text: the words judged are a sample spread evenly
# over the file, in a bounded time, and the same on every run.
_MAX_DISTINCT_WORDS = 100_000
_SAMPLE_WORDS = 4_000


_CHUNK_CHARS = 1 << 20


def _chunks(texts: Iterable[str]) -> Iterator[str]:
    """The texts joined into pieces of about a megabyte, cut between words."""
    batch: list[str] = []
    size = 0
    for text in texts:
        start = 0
        while len(text) - start > _CHUNK_CHARS:
            cut = text.find("\n", start + _CHUNK_CHARS)
            cut = len(text) if cut < 0 else cut
            yield text[start:cut]
            start = cut
        batch.append(text[start:] if start else text)
        size += len(batch[-1])
        if size > _CHUNK_CHARS:
            yield "\n".join(batch)
            batch, size = [], 0
    if batch:
        yield "\n".join(batch)


def _telling_words(texts: Iterable[str]) -> list[str]:
    # Cells repeat (an ethnicity, a position, a commune): each distinct text is read once, by the
    # megabyte.
    distinct = dict.fromkeys(text for text in texts if not text.isascii())
    words: dict[str, None] = {}
    for chunk in _chunks(distinct):
        words.update(dict.fromkeys(_TELLING_WORD.findall(chunk)))
        if len(words) >= _MAX_DISTINCT_WORDS:
            break
    found = list(words)
    step = max(1, len(found) // _SAMPLE_WORDS)
    return found[::step][:_SAMPLE_WORDS]


def _reads_as_unicode(word: str) -> bool | None:
    """Whether the word is Vietnamese as written; None when it is punctuation or ASCII."""
    core = _core(word)
    if core.isascii() and core.isprintable():
        return None
    return is_vietnamese_syllable(core)


def _reads_as_windows_code_page(word: str) -> bool | None:
    """Whether the word's bytes are Vietnamese in Windows-1258 or Windows-1252."""
    if _reads_as_unicode(word) is None:
        return None
    data = _bytes_of_font_text(word)
    as_1258 = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    return is_vietnamese_syllable(_core(as_1258)) or is_vietnamese_syllable(_core(word))


def _decide_legacy_font(words: list[str], reads_as_written) -> str | None:
    """The legacy font the words are in, None when they are not; refused when they are mixed."""
    support = dict.fromkeys((TCVN3, VNI), 0)
    against = dict.fromkeys((TCVN3, VNI), 0)
    for word in words:
        if len(word) > _LONGEST_WORD:
            continue
        as_written = reads_as_written(word)
        if as_written is None:
            continue
        for encoding in (TCVN3, VNI):
            converted = _convert(word, encoding)
            as_font = converted != word and is_vietnamese_syllable(_core(converted))
            if as_font and not as_written:
                support[encoding] += 1
            elif not as_font:
                against[encoding] += 1
    best = max((TCVN3, VNI), key=lambda encoding: support[encoding])
    other = VNI if best == TCVN3 else TCVN3
    if support[best] == 0:
        return None
    share = support[best] / (support[best] + against[best])
    if share >= _MIN_SHARE and support[other] < support[best]:
        return best
    if support[best] >= 2 or share >= 0.5:
        raise mixed_encoding_error(best if support[other] < support[best] else None)
    return None


def mixed_encoding_error(encoding: str | None) -> DomainError:
    """A file that looks partly typed for a legacy font: converting it, or not, would store
    mojibake. `encoding` None means TCVN3 and VNI fit alike."""
    name = _FONT_NAMES[encoding] if encoding else f"{_FONT_NAMES[TCVN3]} / {_FONT_NAMES[VNI]}"
    return DomainError(
        message=_(
            "Tệp có vẻ dùng bảng mã %(encoding)s ở một phần nội dung nhưng không chắc chắn, nên "
            "không chuyển được sang Unicode: hãy chuyển cả tệp sang Unicode (ví dụ bằng chức năng "
            "chuyển mã của Unikey) rồi tải lên lại."
        )
        % {"encoding": name},
        field="file",
    )


def legacy_font_of(texts: Iterable[str]) -> str | None:
    """TCVN3 or VNI when the texts (all the string cells of a file) are typed for that legacy
    font, None when they are not; DomainError(field="file") when they mix encodings."""
    return _decide_legacy_font(_telling_words(texts), _reads_as_unicode)


def legacy_font_text(value: str) -> tuple[str, str | None]:
    """One string converted from TCVN3 or VNI to NFC Unicode and the encoding it was in, or the
    string unchanged and None when it isn't (or can't be told from itself alone)."""
    try:
        encoding = legacy_font_of([value])
    except DomainError:
        encoding = None
    if encoding is None:
        return value, None
    return from_legacy_font(value, encoding), encoding


# --- Decoding bytes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # one of the names above: "utf-8", "utf-16-le", …, "tcvn3", "vni"


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8", UTF_8),
    (b"\xff\xfe", "utf-16-le", UTF_16_LE),
    (b"\xfe\xff", "utf-16-be", UTF_16_BE),
)
# Bytes Windows-1258 reads as Vietnamese where Windows-1252 reads other Latin letters.
_WINDOWS_1258_OWN = frozenset(b"\xc3\xcc\xd0\xd2\xd5\xdd\xde\xe3\xec\xf0\xf2\xf5\xfd\xfe")
# Fields of a CSV line: a legacy font never draws a letter on these ASCII characters.
_CSV_FIELD = re.compile('[^\\t\\r\\n,;"]+')


def not_text_error() -> DomainError:
    return DomainError(message=_("Tệp không phải là tệp CSV dạng văn bản."), field="file")


def decode_text(content: bytes) -> DecodedText:
    """The text of a CSV (or other text) file in NFC Unicode, and the encoding it was read in.

    DomainError(field="file") when the bytes are no text, or the encoding can't be decided.
    """
    for bom, codec, name in _BOMS:
        if content.startswith(bom):
            try:
                text = content[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise not_text_error() from exc
            return _unicode_text(text, name)
    codec = _utf_16_without_bom(content)
    if codec:
        try:
            text = content.decode(codec)
        except UnicodeDecodeError as exc:
            raise not_text_error() from exc
        return _unicode_text(text, codec)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return _eight_bit_text(content)
    return _unicode_text(text, UTF_8)


def _utf_16_without_bom(content: bytes) -> str | None:
    """UTF-16 told by its NUL bytes: every ASCII character (spaces, digits, delimiters, line ends
    and most letters of a roster) has one, in the second byte of a pair (LE) or the first (BE)."""
    sample = content[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    first, second = sample[0 : 2 * pairs : 2].count(0), sample[1 : 2 * pairs : 2].count(0)
    if second >= 0.3 * pairs and first <= 0.02 * pairs:
        return UTF_16_LE
    if first >= 0.3 * pairs and second <= 0.02 * pairs:
        return UTF_16_BE
    return None


def _unicode_text(text: str, encoding: str) -> DecodedText:
    legacy = legacy_font_of([text])
    if legacy is None:
        return DecodedText(unicodedata.normalize("NFC", text), encoding)
    return DecodedText(_from_legacy_font_fields(text, legacy), legacy)


def _from_legacy_font_fields(text: str, encoding: str) -> str:
    """A CSV's text converted field by field (a field is a cell: see from_legacy_font)."""
    converted: dict[str, str] = {}  # cells repeat: each distinct text is converted once

    def field(match: re.Match) -> str:
        value = match.group()
        if value not in converted:
            converted[value] = from_legacy_font(value, encoding)
        return converted[value]

    return unicodedata.normalize("NFC", _CSV_FIELD.sub(field, text))


def _eight_bit_text(content: bytes) -> DecodedText:
    """Bytes that are no UTF: a Windows code page, or a legacy font's bytes."""
    font_text = _font_text_of_bytes(content)
    legacy = _decide_legacy_font(_telling_words([font_text]), _reads_as_windows_code_page)
    if legacy is not None:
        return DecodedText(_from_legacy_font_fields(font_text, legacy), legacy)
    if _is_windows_1258(content):
        return DecodedText(unicodedata.normalize("NFC", content.decode("cp1258")), WINDOWS_1258)
    return DecodedText(unicodedata.normalize("NFC", font_text), WINDOWS_1252)


def _is_windows_1258(content: bytes) -> bool:
    """Windows-1258 rather than -1252: its own bytes make Vietnamese words, not Western ones.

    Only the words with a byte the two read differently tell ("Tr\\xecn" is "Trín" in one and
    "Trìn" in the other; "M\\xfcller" is "Müller" in both).
    """
    if not _WINDOWS_1258_OWN.intersection(content):
        return False
    try:
        content.decode("cp1258")
    except UnicodeDecodeError:
        return False  # a byte Windows-1258 leaves undefined
    for_1258 = for_1252 = 0
    vietnamese_in_1258 = False
    for word in _telling_words([_font_text_of_bytes(content)]):
        data = _bytes_of_font_text(word)
        if len(word) > _LONGEST_WORD or not _WINDOWS_1258_OWN.intersection(data):
            continue
        as_1258 = is_vietnamese_syllable(_core(unicodedata.normalize("NFC", data.decode("cp1258"))))
        as_1252 = is_vietnamese_syllable(_core(word))
        vietnamese_in_1258 |= as_1258
        for_1258 += as_1258 and not as_1252
        for_1252 += as_1252 and not as_1258
    if for_1258 == for_1252 == 0:
        # Vietnamese either way (this is a Vietnamese service), or Vietnamese in neither.
        return vietnamese_in_1258
    share = for_1258 / (for_1258 + for_1252)
    if share >= _MIN_SHARE:
        return True
    if share <= 1 - _MIN_SHARE:
        return False
    raise DomainError(
        message=_(
            "Không xác định được bảng mã của tệp CSV (có thể là Windows-1258 tiếng Việt, hoặc "
            "Windows-1252): trong Excel hãy lưu tệp dưới dạng “CSV UTF-8 (Comma delimited)” rồi "
            "tải lên lại."
        ),
        field="file",
    )
