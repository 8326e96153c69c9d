"""Rosters as people really send them: CSV in UTF-8, UTF-16, Windows-1258, and text typed for the
legacy Vietnamese fonts (TCVN3, VNI) in CSV bytes and in XLSX cells. Made-up people only."""

from __future__ import annotations

import io
import unicodedata

import openpyxl

from courses.core.files.legacy_fonts import TCVN3_TABLE, VNI_TABLE
from courses.core.files.tabular import Column

COLUMNS = [
    Column("full_name", ["Họ và tên"], required=True),
    Column("ethnicity", ["Dân tộc"]),
    Column("position", ["Chức vụ"]),
]
HEADINGS = ("Họ và tên", "Dân tộc", "Chức vụ")
PEOPLE = (
    ("Nguyễn Thị Hồng Nhung", "Kinh", "Chủ tịch Hội Liên hiệp Phụ nữ"),
    ("Đặng Văn Ước", "Tày", "Phó Chủ tịch UBND xã"),
    ("Lò Thị Mỷ", "Thái", "Công chức Tư pháp - Hộ tịch"),
    ("Hoàng Văn Nam", "Nùng", "Bí thư Đoàn"),
    ("Trần Quốc Tuấn", "Kinh", "Chỉ huy trưởng Quân sự"),
    ("Phạm Thị Huyền Trang", "Mường", "Văn phòng - Thống kê"),
)

# The test's own way back: each letter to what the legacy font's keyboard driver typed.
_TCVN3_OF = {letter: char for char, letter in TCVN3_TABLE.items()}
_VNI_OF = {letter: spelling for spelling, letter in VNI_TABLE.items()}


def typed_for_tcvn3(text: str) -> str:
    """The text as a .VnTime font shows it, i.e. as Windows-1252 characters ("Hoµng")."""
    return "".join(_TCVN3_OF.get(char, char) for char in unicodedata.normalize("NFC", text))


def typed_for_vni(text: str) -> str:
    """The text as a VNI-Times font shows it ("Hoaøng")."""
    return "".join(_VNI_OF.get(char, char) for char in unicodedata.normalize("NFC", text))


def font_bytes(font_text: str) -> bytes:
    """The bytes a legacy font's text is saved as: Windows-1252, C1 controls for its gaps."""
    out = bytearray()
    for char in font_text:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            out += char.encode("latin-1")
    return bytes(out)


def windows_1258_bytes(text: str) -> bytes:
    """The text as Windows saves it in code page 1258: letters it has whole, the rest as the
    letter and a combining tone mark (Windows' own conversion does the same)."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            tone = next(c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", decomposed.replace(tone, ""))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def roster_lines(people=PEOPLE, headings=HEADINGS, delimiter=";") -> str:
    return "".join(delimiter.join(row) + "\r\n" for row in (headings, *people))


def xlsx_of(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
