"""Encodings of uploaded text (courses.core.files.text_encodings): UTF-8/16, Windows-1258/1252 and the legacy
Vietnamese fonts TCVN3 and VNI, converted to NFC Unicode or refused, never stored as mojibake."""

import codecs
import unicodedata

import pytest

from courses.core.errors import DomainError
from courses.core.files.legacy_fonts import TCVN3, VNI, from_legacy_font
from courses.core.files.text_encodings import decode_text, legacy_font_of, legacy_font_text
from courses.core.files.vietnamese_syllables import VIETNAMESE_LETTERS, is_vietnamese_syllable
from tests.courses.encoded_files import (
    PEOPLE,
    font_bytes,
    roster_lines,
    typed_for_tcvn3,
    typed_for_vni,
    windows_1258_bytes,
)

ALL_LETTERS = [*VIETNAMESE_LETTERS, *(letter.upper() for letter in VIETNAMESE_LETTERS)]
ROSTER = roster_lines()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- The tables ------------------------------------------------------------------------------------


def test_the_vietnamese_alphabet_has_134_letters_with_marks():
    assert len(set(ALL_LETTERS)) == 134
    assert {"ă", "ẵ", "ự", "ỵ", "đ", "Đ", "Ỹ", "Ặ"} <= set(ALL_LETTERS)


@pytest.mark.parametrize(
    ("encoding", "typed", "written_as_itself"),
    # TCVN3 puts ý where Windows-1252 has it; VNI writes í and ì as themselves.
    [(TCVN3, typed_for_tcvn3, "ý"), (VNI, typed_for_vni, "íìÍÌ")],
)
def test_every_letter_round_trips_through_each_legacy_font(encoding, typed, written_as_itself):
    wrong = {}
    for letter in ALL_LETTERS:
        word = f"t{letter}n" if letter.islower() else f"T{letter}N"
        for text in (letter, word):
            spelling = typed(text)
            back = from_legacy_font(spelling, encoding)
            if back != text or (spelling == text and letter not in written_as_itself):
                wrong[text] = (spelling, back)
    # TCVN 5712 puts some capitals on Windows-1252's punctuation (bytes 0x80-0x9F): alone, "–"
    # stays a dash.
    on_punctuation = {
        letter: (typed(letter), typed(letter))
        for letter in ALL_LETTERS
        if 0x80 <= font_bytes(typed(letter))[0] < 0xA0 and unicodedata.category(typed(letter)).startswith("P")
    }
    assert wrong == on_punctuation
    assert ("Ọ", ("–", "–")) in on_punctuation.items() if encoding == TCVN3 else on_punctuation == {}


def test_tcvn3_leaves_quotes_and_dashes_of_a_converted_file_alone():
    assert from_legacy_font("“Hoµng” – V¨n ¦íc", TCVN3) == "“Hoàng” – Văn Ước"
    assert from_legacy_font("Ch©u ƒ, H– vµ tªn", TCVN3) == "Châu Á, HỌ và tên"


@pytest.mark.parametrize(
    ("letter", "byte"),
    # Positions of TCVN 5712 (GNU libiconv's tcvn.h), checked independently of the module's table.
    [("à", 0xB5), ("ă", 0xA8), ("Ă", 0xA1), ("đ", 0xAE), ("Đ", 0xA7), ("ơ", 0xAC), ("ư", 0xAD),
     ("Ư", 0xA6), ("ặ", 0xC6), ("ễ", 0xD4), ("ị", 0xDE), ("ồ", 0xE5), ("ớ", 0xED), ("ỷ", 0xFB),
     ("ỵ", 0xFE), ("Á", 0x83), ("Ợ", 0x9C)],
)  # fmt: skip
def test_tcvn3_bytes_are_the_standards(letter, byte):
    assert from_legacy_font(bytes([byte]).decode("cp1252"), TCVN3) == letter
    assert font_bytes(typed_for_tcvn3(letter)) == bytes([byte])


@pytest.mark.parametrize(
    ("typed", "unicode"),
    [
        # Public examples of each font's text (vietnamese-conversion's README; xvnkb's vni.h and
        # a TCVN3 converter's own test: "B¶o Th¾ng", "Mêng Kh¬ng", "B¸t X¸t").
        ("Xin chaøo caùc baïn", "Xin chào các bạn"),
        ("Hoaøng Vaên Nam", "Hoàng Văn Nam"),
        ("Ñaëng Vaên Öôùc", "Đặng Văn Ước"),
        ("Loø Thò Myû", "Lò Thị Mỷ"),
        ("NGUYEÃN THÒ HOÀNG NHUNG", "NGUYỄN THỊ HỒNG NHUNG"),
    ],
)
def test_vni_spellings_read_as_vietnamese(typed, unicode):
    assert legacy_font_text(typed) == (unicode, VNI)


@pytest.mark.parametrize(
    ("typed", "unicode"),
    [
        ("B¶o Th¾ng", "Bảo Thắng"),
        # ư is 0xAD, the soft hyphen: invisible, but there.
        ("M\u00adêng Kh\u00ad¬ng", "Mường Khương"),
        ("B¸t X¸t", "Bát Xát"),
        ("Hoµng V¨n Nam", "Hoàng Văn Nam"),
        ("§Æng V¨n ¦íc", "Đặng Văn Ước"),
        ("Lß ThÞ Mû", "Lò Thị Mỷ"),
        # Capitals typed with the capitals font (.VnTimeH): the same codes as lower case.
        ("NGUYÔN THÞ HåNG NHUNG", "NGUYỄN THỊ HỒNG NHUNG"),
    ],
)
def test_tcvn3_spellings_read_as_vietnamese(typed, unicode):
    assert legacy_font_text(typed) == (unicode, TCVN3)


@pytest.mark.parametrize(
    "text",
    [
        "Nguyễn Thị Hồng Nhung",
        "Hoàng Văn Nam",  # "Hoàng" is also VNI for "Hồng": Unicode that reads as Vietnamese wins
        "Lò Thị Mỷ",
        "Anna Müller",
        "Hélène Dupont",
        "São Paulo",
        "John Smith, UBND xã",
        "“Nam” – 12° ± 2",
    ],
)
def test_unicode_english_and_foreign_text_is_never_converted(text):
    assert legacy_font_text(text) == (text, None)


def test_a_cell_with_letters_beyond_the_legacy_fonts_is_kept_in_a_converted_file():
    assert from_legacy_font("Họ và tên", TCVN3) == "Họ và tên"
    assert from_legacy_font("Hä vµ tªn", TCVN3) == "Họ và tên"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Nguyễn", True), ("Ước", True), ("khuỷu", True), ("Quỳnh", True), ("Giàng", True), ("Mỷ", True),
     ("Hoổng", False), ("Săo", False), ("Mờc", False), ("ThÞ", False), ("Müller", False), ("Vaên", False)],
)  # fmt: skip
def test_vietnamese_syllables(word, expected):
    assert is_vietnamese_syllable(word) is expected


# --- Whole files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (ROSTER.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + ROSTER.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + ROSTER.replace(";", "\t").encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + ROSTER.encode("utf-16-be"), "utf-16-be"),
        (ROSTER.encode("utf-16-le"), "utf-16-le"),
        (windows_1258_bytes(ROSTER), "windows-1258"),
        (font_bytes(typed_for_tcvn3(ROSTER)), "tcvn3"),
        (font_bytes(typed_for_vni(ROSTER)), "vni"),
        # Excel's "CSV UTF-8" of a sheet typed in .VnTime: the font's characters, in UTF-8.
        (typed_for_tcvn3(ROSTER).encode("utf-8"), "tcvn3"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom-tabs", "utf-16-be-bom", "utf-16-le", "cp1258", "tcvn3",
         "vni", "tcvn3-in-utf-8"],
)  # fmt: skip
def test_a_roster_reads_back_as_the_same_nfc_text_whatever_its_encoding(content, encoding):
    decoded = decode_text(content)

    assert decoded.encoding == encoding
    assert decoded.text.replace("\t", ";") == nfc(ROSTER)
    assert unicodedata.is_normalized("NFC", decoded.text)


def test_windows_1258_tone_marks_are_composed():
    content = windows_1258_bytes("Nguyễn Thị Hồng Nhung")
    assert b"\xde" in content  # ễ is ê and a combining tilde in code page 1258

    assert decode_text(content).text == "Nguyễn Thị Hồng Nhung"


def test_a_latin_1_file_keeps_its_western_names():
    text = "Ho va ten;Ghi chu\r\nAnna Müller;Hélène\r\nJosé Ibáñez;São Tomé\r\nJohn Smith;ok\r\n"

    decoded = decode_text(text.encode("cp1252"))

    assert decoded.text == text
    assert decoded.encoding == "windows-1252"


def test_ascii_is_utf_8_and_unchanged():
    text = "Ho va ten;Dan toc\r\nNguyen Van An;Kinh\r\n"
    assert decode_text(text.encode()) == decode_text(text.encode("ascii"))
    assert decode_text(text.encode()).text == text
    assert decode_text(text.encode()).encoding == "utf-8"


def test_a_file_half_unicode_half_tcvn3_is_refused_naming_tcvn3():
    unicode_half = roster_lines(PEOPLE[:3])
    tcvn3_half = typed_for_tcvn3(roster_lines(PEOPLE[3:], headings=()))

    with pytest.raises(DomainError) as caught:
        decode_text((unicode_half + tcvn3_half).encode("utf-8"))

    assert caught.value.status == 400
    assert caught.value.errors[0].field == "file"
    assert "TCVN3" in caught.value.message


def test_vni_bytes_mixed_with_windows_1258_bytes_are_refused_naming_vni():
    content = windows_1258_bytes(roster_lines(PEOPLE[:3])) + font_bytes(
        typed_for_vni(roster_lines(PEOPLE[3:], headings=()))
    )

    with pytest.raises(DomainError) as caught:
        decode_text(content)

    assert "VNI" in caught.value.message


def test_refusals_are_in_vietnamese_for_the_users(production_language):
    with pytest.raises(DomainError) as caught:
        legacy_font_of(["Nguyễn Thị Hồng", "Trần Văn Minh", typed_for_tcvn3("Hoàng Văn Nam, Lò Thị Mỷ")])

    assert caught.value.message.startswith("Tệp có vẻ dùng bảng mã TCVN3")


def test_a_windows_code_page_that_cannot_be_told_is_refused():
    # "Mã" reads as Vietnamese only in 1252 (1258 makes it "Mă"); "Nguyễn" and "Ước" only in 1258:
    # too many words speak for each.
    content = "Mã;Tên\r\n".encode("cp1252") + windows_1258_bytes("Nguyễn Văn Ước\r\n")

    with pytest.raises(DomainError) as caught:
        decode_text(content)

    assert "Windows-1258" in caught.value.message


def test_binary_bytes_claiming_utf_16_are_no_text():
    with pytest.raises(DomainError) as caught:
        decode_text(codecs.BOM_UTF16_LE + b"\x00\xd8a")  # a lone surrogate

    assert caught.value.errors[0].field == "file"
