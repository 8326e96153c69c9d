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

This module decides and decodes; the fonts' tables and the conversion of a cell are
courses.core.files.legacy_fonts', and what a Vietnamese syllable is courses.core.files.vietnamese_syllables'.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from courses.core.errors import DomainError
from courses.core.files.legacy_fonts import (
    FONT_NAMES,
    TCVN3,
    VNI,
    WORD_CHARS,
    bytes_of_font_text,
    font_text_of_bytes,
    from_legacy_font,
    legacy_font_convert,
)
from courses.core.files.vietnamese_syllables import LONGEST_WORD, is_vietnamese_syllable

UTF_8 = "utf-8"
UTF_16_LE = "utf-16-le"
UTF_16_BE = "utf-16-be"
WINDOWS_1258 = "windows-1258"
WINDOWS_1252 = "windows-1252"

# --- Deciding --------------------------------------------------------------------------------------
_MIN_SHARE = 0.8  # of the words that tell, speaking for one legacy font, to convert the file
# A word holding at least one character that is no ASCII letter: the only words that can tell.
# Matched from the start of a word only, and without backtracking, so a long run of ASCII letters
# costs one pass, not one per letter.
_TELLING_WORD = re.compile(f"(?<![A-Za-z])[A-Za-z]*+[^\\t\\n\\r\\x00 -\\x7f]{WORD_CHARS}*+")


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
    data = bytes_of_font_text(word)
    as_1258 = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    return is_vietnamese_syllable(_core(as_1258)) or is_vietnamese_syllable(_core(word))


def _decide_legacy_font(words: list[str], reads_as_written) -> str | None:
    """The legacy font the words are in, None when they are not; refused when they are mixed."""
    support = dict.fromkeys((TCVN3, VNI), 0)
    against = dict.fromkeys((TCVN3, VNI), 0)
    for word in words:
        if len(word) > LONGEST_WORD:
            continue
        as_written = reads_as_written(word)
        if as_written is None:
            continue
        for encoding in (TCVN3, VNI):
            converted = legacy_font_convert(word, encoding)
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
    name = FONT_NAMES[encoding] if encoding else f"{FONT_NAMES[TCVN3]} / {FONT_NAMES[VNI]}"
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
    font_text = font_text_of_bytes(content)
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
    for word in _telling_words([font_text_of_bytes(content)]):
        data = bytes_of_font_text(word)
        if len(word) > LONGEST_WORD or not _WINDOWS_1258_OWN.intersection(data):
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
