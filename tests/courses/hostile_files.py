"""Hostile upload files, built by script: each is a few KB (the largest a few hundred) on disk.

Spreadsheets are assembled from their XML parts, streamed into the zip by chunks, so that a part of
hundreds of MB never exists whole in the test process.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable

MB = 1024 * 1024

CONTENT_TYPES = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<workbookPr%s/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
# Style 1 shows a number as a date (built-in format 14, d/m/yyyy).
STYLES = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
STRINGS_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def repeated(piece: bytes, times: int, *, chunk: int = 1 * MB) -> Iterable[bytes]:
    """`piece` `times` times over, in chunks of about `chunk` bytes."""
    per_chunk = max(1, chunk // len(piece))
    block = piece * per_chunk
    full, rest = divmod(times, per_chunk)
    for _ in range(full):
        yield block
    if rest:
        yield piece * rest


def xlsx(
    sheet_data: Iterable[bytes] | bytes,
    *,
    strings: Iterable[bytes] | bytes = b"",
    dimension: str | None = None,
    date1904: bool = False,
) -> bytes:
    """A workbook whose first sheet's <sheetData> holds `sheet_data` and whose shared strings
    table holds `strings` (<si> items), both raw XML, streamed in."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK % (b' date1904="1"' if date1904 else b""))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        _stream(archive, "xl/sharedStrings.xml", [STRINGS_HEAD, *_pieces(strings), b"</sst>"])
        head = SHEET_HEAD + (f'<dimension ref="{dimension}"/>'.encode() if dimension else b"")
        _stream(archive, "xl/worksheets/sheet1.xml", [head, b"<sheetData>", *_pieces(sheet_data), b"</sheetData></worksheet>"])  # fmt: skip
    return buffer.getvalue()


def _pieces(data: Iterable[bytes] | bytes) -> Iterable[bytes]:
    return [data] if isinstance(data, bytes) else data


def _stream(archive: zipfile.ZipFile, name: str, pieces: Iterable[bytes]) -> None:
    with archive.open(name, "w") as part:
        for piece in pieces:
            part.write(piece)


def inline_row(number: int, values: Iterable[str]) -> bytes:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'.encode()


def declare_small(content: bytes, name: str, size: int = 1000) -> bytes:
    """The same zip with the part `name` declaring `size` bytes, in its local header and in the
    central directory: a lie zipfile's own reader believes (it stops after `size` bytes)."""
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(name)
    data = bytearray(content)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    encoded = name.encode()
    position = data.rfind(b"PK\x01\x02", 0, len(data))
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == encoded:
            struct.pack_into("<I", data, position + 24, size)
            return bytes(data)
        position = data.rfind(b"PK\x01\x02", 0, position)
    raise ValueError(name)


# --- the corpus ---------------------------------------------------------------------------------
# Each builder takes the heading row the endpoint expects, so that the file would otherwise be read.


def declared_whole_sheet(headings: list[str]) -> bytes:
    """2 KB that declares A1:XFD1048576 and holds a heading row and the sheet's last row, empty:
    openpyxl yielded every row between, each padded to the declared 16,384 cells."""
    return xlsx([inline_row(1, headings), b'<row r="1048576"/>'], dimension="A1:XFD1048576")


def million_empty_rows(headings: list[str]) -> bytes:
    """A heading row, then 5,000,000 empty rows: 30 MB of XML in about 30 KB."""
    return xlsx([inline_row(1, headings), *repeated(b"<row/>", 5_000_000)])


def huge_shared_string(headings: list[str], chars: int = 300 * MB) -> bytes:
    """One shared string of 300 MB (openpyxl held it whole: 800 MB more in the worker)."""
    cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in headings)
    row = f'<row r="1">{cells}</row><row r="2"><c t="s"><v>0</v></c></row>'.encode()
    return xlsx(row, strings=[b"<si><t>", *repeated(b"a", chars), b"</t></si>"])


def huge_shared_string_declared_small(headings: list[str]) -> bytes:
    """The same, its directory claiming the strings part is 1,000 bytes."""
    return declare_small(huge_shared_string(headings), "xl/sharedStrings.xml")


def compression_bomb(headings: list[str]) -> bytes:
    """A sheet padded with 40 MB of blanks between two rows: no row, cell or string limit is
    reached, only the ratio (about 1,000 to 1)."""
    return xlsx([inline_row(1, headings), *repeated(b" ", 40 * MB), inline_row(2, headings)])


def compression_bomb_declared_small(headings: list[str]) -> bytes:
    return declare_small(compression_bomb(headings), "xl/worksheets/sheet1.xml")


def far_right_cell(headings: list[str]) -> bytes:
    """A value in the last column Excel has (XFD, the 16,384th)."""
    return xlsx(
        [inline_row(1, headings), b'<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>']
    )


def many_cells(headings: list[str]) -> bytes:
    """A heading row, then one row of 2,000,000 empty cells."""
    return xlsx([inline_row(1, headings), b'<row r="2">', *repeated(b"<c/>", 2_000_000), b"</row>"])


def entity_expansion(headings: list[str]) -> bytes:
    """A "billion laughs" DTD in the shared strings."""
    dtd = b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 10) for i in range(8)
    )
    strings = b'<?xml version="1.0"?>' + dtd + b"]><sst><si><t>&i;</t></si></sst>"
    buffer = io.BytesIO(xlsx(inline_row(1, headings)))
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = strings if info.filename == "xl/sharedStrings.xml" else source.read(info)
            target.writestr(info.filename, data)
    return rebuilt.getvalue()


def csv_huge_line(headings: list[str]) -> bytes:
    return (",".join(headings) + "\n" + "a" * (5 * MB) + "\n").encode()


def csv_huge_field(headings: list[str]) -> bytes:
    """A quoted field of 1 MB spread over short lines, so that no line is long."""
    field = '"' + ("a" * 70 + "\n") * 15_000 + '"'
    return (",".join(headings) + "\n" + field + "\n").encode()


def csv_million_empty_lines(headings: list[str]) -> bytes:
    return (",".join(headings) + "\n").encode() + b"\n" * 5_000_000


def csv_many_columns(headings: list[str]) -> bytes:
    return (",".join(headings) + "\n" + ",".join(["x"] * 1000) + "\n").encode()


XLSX_CORPUS = {
    "declared_whole_sheet": declared_whole_sheet,
    "million_empty_rows": million_empty_rows,
    "huge_shared_string": huge_shared_string,
    "huge_shared_string_declared_small": huge_shared_string_declared_small,
    "compression_bomb": compression_bomb,
    "compression_bomb_declared_small": compression_bomb_declared_small,
    "far_right_cell": far_right_cell,
    "many_cells": many_cells,
    "entity_expansion": entity_expansion,
}
CSV_CORPUS = {
    "csv_huge_line": csv_huge_line,
    "csv_huge_field": csv_huge_field,
    "csv_million_empty_lines": csv_million_empty_lines,
    "csv_many_columns": csv_many_columns,
}
