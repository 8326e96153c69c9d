"""Read the first worksheet of an .xlsx file as rows of cell values, within courses.read_limits.

openpyxl is not used to read uploads, not even in read-only mode: it loads the shared strings table
whole (one 300 MB string costs 800 MB), pads every row and the sheet itself to the size its
<dimension> element declares (A1:XFD1048576 is 17 billion cells), and inflates zip parts without a
bound. Here each part the sheet needs is inflated by chunks through a counting reader and parsed by
expat as the chunks arrive; only the shared strings (each bounded) and the current row are held.

Values come out as openpyxl gives them (load_workbook(read_only=True, data_only=True) and
iter_rows(values_only=True)), so the importers' lenient reading is unchanged: numbers as int or
float, Excel dates as datetimes (through openpyxl's own date-format rules), booleans, the cached
result of a formula, text of shared and inline strings without phonetic runs. A row is the list of
its values from column A to its last cell holding a value; rows come with the number the sheet shows.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from xml.parsers import expat

from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

from courses.errors import DomainError
from courses.read_limits import (
    RATIO_FREE_BYTES,
    ReadBudget,
    cell_too_long,
    part_too_large,
    ratio_too_high,
    too_many_cells,
    too_many_columns,
    too_many_sheet_rows,
)

_CHUNK = 64 * 1024
_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_LOCAL_HEADER = b"PK\x03\x04"
# A workbook's directory lists a few dozen parts (a few KB); zipfile builds an object per entry,
# so a forged directory of hundreds of thousands of entries is refused before zipfile reads it.
_MAX_DIRECTORY_BYTES = 1024 * 1024
_OFFICE_DOCUMENT = "/officeDocument"
_COORDINATE = re.compile(r"\$?([A-Za-z]{1,3})\$?[0-9]*")


def invalid_workbook() -> DomainError:
    return DomainError(message=_("Tệp không phải là bảng tính .xlsx hợp lệ."), field="file")


def damaged_sheet() -> DomainError:
    return DomainError(message=_("Không đọc được trang tính: tệp bị hỏng."), field="file")


def xlsx_rows(content: bytes, budget: ReadBudget) -> Iterator[tuple[int, list]]:
    """(row number, values) for each row present in the first worksheet, in the sheet's order."""
    parts = _ZipParts(content, budget)
    root = _relationships(parts, "_rels/.rels")
    workbook_path = next(
        (target for kind, target in root.values() if kind.endswith(_OFFICE_DOCUMENT)), "xl/workbook.xml"
    )
    workbook = _Workbook()
    parts.parse(workbook_path, workbook)
    folder, name = posixpath.split(workbook_path)
    related = _relationships(parts, posixpath.join(folder, "_rels", f"{name}.rels"), base=folder)
    sheet_path = next(
        (
            related[rel_id][1]
            for rel_id in workbook.sheet_ids
            if rel_id in related and related[rel_id][0].endswith("/worksheet")
        ),
        None,
    )
    if sheet_path is None:
        raise DomainError(message=_("Bảng tính không có trang tính nào."), field="file")
    styles = _Styles()
    strings = _SharedStrings(budget)
    for kind, target in related.values():
        if kind.endswith("/styles"):
            parts.parse(target, styles)
        elif kind.endswith("/sharedStrings"):
            parts.parse(target, strings)
    sheet = _Sheet(
        budget,
        strings=strings.values,
        date_styles=styles.date_styles(),
        epoch=CALENDAR_MAC_1904 if workbook.date1904 else WINDOWS_EPOCH,
    )
    yield from parts.parse_rows(sheet_path, sheet)


# --- the zip ----------------------------------------------------------------------------------------


class _ZipParts:
    """The parts of a zip held in memory, each inflated by chunks under the read's budget."""

    def __init__(self, content: bytes, budget: ReadBudget):
        self._content = content
        self._budget = budget
        _check_directory(content)
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            NotImplementedError,
            ValueError,
            OSError,
            EOFError,
        ) as exc:
            raise invalid_workbook() from exc
        self._parts = {info.filename: info for info in archive.infolist()}

    def __contains__(self, name: str) -> bool:
        return name in self._parts

    def chunks(self, name: str) -> Iterator[bytes]:
        """The part's bytes as they inflate, refused past the part, total and ratio limits."""
        limits = self._budget.limits
        info = self._parts.get(name)
        if info is None:
            raise invalid_workbook()
        # What the directory declares is checked first because it is free; what counts is measured below.
        if info.file_size > limits.part_bytes:
            raise part_too_large(limits, name)
        if (
            info.file_size > RATIO_FREE_BYTES
            and info.file_size > limits.compression_ratio * info.compress_size
        ):
            raise ratio_too_high(limits, name)
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise invalid_workbook()  # encrypted, or a method no spreadsheet program writes
        start = info.header_offset
        header = self._content[start : start + 30]
        if len(header) < 30 or header[:4] != _LOCAL_HEADER:
            raise invalid_workbook()
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        data_start = start + 30 + name_length + extra_length
        data = memoryview(self._content)[data_start : data_start + info.compress_size]

        inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
        consumed = produced = crc = 0
        while True:
            self._budget.check_time()
            if inflater is None:
                chunk = bytes(data[consumed : consumed + _CHUNK])
                consumed += len(chunk)
                read = consumed
                if not chunk:
                    break
            else:
                if inflater.eof:
                    break
                pending = inflater.unconsumed_tail
                if not pending:
                    pending = bytes(data[consumed : consumed + _CHUNK])
                    consumed += len(pending)
                    if not pending:
                        break  # the stream ends early: caught by the size check below
                try:
                    # max_length bounds what one call inflates, whatever the ratio of the input.
                    chunk = inflater.decompress(pending, _CHUNK)
                except zlib.error as exc:
                    raise invalid_workbook() from exc
                read = consumed - len(inflater.unconsumed_tail)
                if not chunk:
                    continue
            produced += len(chunk)
            if produced > limits.part_bytes:
                raise part_too_large(limits, name)
            if produced > RATIO_FREE_BYTES and produced > limits.compression_ratio * read:
                raise ratio_too_high(limits, name)
            self._budget.add_inflated(len(chunk))
            crc = zlib.crc32(chunk, crc)
            yield chunk
        if produced != info.file_size or crc != info.CRC:
            raise invalid_workbook()  # truncated or altered: not what its directory says

    def parse(self, name: str, handler: _Handler) -> None:
        for _rows in self.parse_rows(name, handler):
            pass

    def parse_rows(self, name: str, handler: _Handler) -> Iterator:
        """Feed the part to the handler, yielding what it has emitted after each chunk."""
        parser = expat.ParserCreate(namespace_separator="}")
        # Namespaces are dropped: parts are matched by their local names, as Excel, LibreOffice and
        # Google Sheets spell them alike.
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        budget = self._budget

        def start(tag, attributes):
            budget.add_elements(1)
            handler.start(tag.rpartition("}")[2], attributes)

        def refuse_dtd(*args):
            # No spreadsheet part has one; a DTD is how entity expansion bombs are declared.
            raise invalid_workbook()

        parser.StartElementHandler = start
        parser.EndElementHandler = lambda tag: handler.end(tag.rpartition("}")[2])
        parser.CharacterDataHandler = handler.text
        parser.StartDoctypeDeclHandler = refuse_dtd
        parser.EntityDeclHandler = refuse_dtd
        try:
            for chunk in self.chunks(name):
                parser.Parse(chunk, False)
                if handler.emitted:
                    yield from handler.emitted
                    handler.emitted.clear()
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise damaged_sheet() from exc
        yield from handler.emitted
        handler.emitted.clear()


def _check_directory(content: bytes) -> None:
    """Refuse a zip whose central directory is too big to be a workbook's, before zipfile reads it.

    Finds the end-of-directory record as zipfile does (at the very end, else the last one within a
    comment's reach), so the size checked is the size zipfile would read.
    """
    if len(content) >= 22 and content[-22:-18] == _END_OF_DIRECTORY and content[-2:] == b"\x00\x00":
        position = len(content) - 22
    else:
        position = content.rfind(_END_OF_DIRECTORY, max(0, len(content) - 22 - 0xFFFF))
    if position < 0 or len(content) - position < 22:
        raise invalid_workbook()
    (directory_size,) = struct.unpack("<I", content[position + 12 : position + 16])
    # Zip64 serves files over 4 GB or 65,535 parts; an upload of a few MB has no use for it.
    zip64 = position >= 20 and content[position - 20 : position - 16] == _ZIP64_LOCATOR
    if zip64 or directory_size > _MAX_DIRECTORY_BYTES:
        raise invalid_workbook()


# --- the XML parts ------------------------------------------------------------------------------


class _Handler:
    """Receives one part's elements by local name; `emitted` is what the caller takes after a chunk."""

    def __init__(self):
        self.emitted: list = []

    def start(self, tag: str, attributes: dict) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


def _local(attributes: dict, name: str, default=None):
    """An attribute by its local name, whatever its namespace (r:id arrives as "…/relationships}id")."""
    if name in attributes:
        return attributes[name]
    for key, value in attributes.items():
        if key.rpartition("}")[2] == name:
            return value
    return default


class _Relationships(_Handler):
    def __init__(self, base: str):
        super().__init__()
        self.base = base
        self.targets: dict[str, tuple[str, str]] = {}

    def start(self, tag, attributes):
        if tag != "Relationship" or attributes.get("TargetMode") == "External":
            return
        target = attributes.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.join(self.base, target)
        self.targets[attributes.get("Id", "")] = (attributes.get("Type", ""), posixpath.normpath(path))


def _relationships(parts: _ZipParts, name: str, base: str = "") -> dict[str, tuple[str, str]]:
    """{id: (type, part path)} of a relationships part; none when the file has no such part."""
    handler = _Relationships(base)
    if name in parts:
        parts.parse(name, handler)
    return handler.targets


class _Workbook(_Handler):
    def __init__(self):
        super().__init__()
        self.sheet_ids: list[str] = []
        self.date1904 = False

    def start(self, tag, attributes):
        if tag == "sheet":
            self.sheet_ids.append(_local(attributes, "id", ""))
        elif tag == "workbookPr":
            self.date1904 = attributes.get("date1904", "").lower() in ("1", "true")


class _Styles(_Handler):
    """Which cell styles show a number as a date or a duration, by openpyxl's rules."""

    def __init__(self):
        super().__init__()
        self.custom_formats: dict[int, str] = {}
        self.cell_formats: list[int] = []
        self._in_cell_xfs = False

    def start(self, tag, attributes):
        try:
            if tag == "numFmt":
                self.custom_formats[int(attributes.get("numFmtId", -1))] = attributes.get("formatCode", "")
            elif tag == "cellXfs":
                self._in_cell_xfs = True
            elif tag == "xf" and self._in_cell_xfs:
                self.cell_formats.append(int(attributes.get("numFmtId", 0)))
        except ValueError as exc:
            raise damaged_sheet() from exc

    def end(self, tag):
        if tag == "cellXfs":
            self._in_cell_xfs = False

    def date_styles(self) -> dict[int, bool]:
        """{style index: is a duration} for the styles that hold dates."""
        styles = {}
        for index, format_id in enumerate(self.cell_formats):
            code = self.custom_formats.get(format_id) or BUILTIN_FORMATS.get(format_id)
            if is_date_format(code):
                styles[index] = is_timedelta_format(code)
        return styles


class _Text:
    """Character data of the <t> elements of a string item, phonetic runs (<rPh>) left out."""

    def __init__(self, budget: ReadBudget):
        self.limits = budget.limits
        self.pieces: list[str] = []
        self.length = 0
        self.in_t = False
        self.in_phonetic = 0

    def start(self, tag):
        if tag == "t":
            self.in_t = not self.in_phonetic
        elif tag == "rPh":
            self.in_phonetic += 1

    def end(self, tag):
        if tag == "t":
            self.in_t = False
        elif tag == "rPh":
            self.in_phonetic -= 1

    def add(self, data: str):
        if self.in_t:
            self.length += len(data)
            if self.length > self.limits.cell_chars:
                raise cell_too_long(self.limits)
            self.pieces.append(data)

    def take(self) -> str:
        text = "".join(self.pieces)
        self.pieces, self.length, self.in_t, self.in_phonetic = [], 0, False, 0
        return text


class _SharedStrings(_Handler):
    def __init__(self, budget: ReadBudget):
        super().__init__()
        self.limits = budget.limits
        self.values: list[str] = []
        self._text = _Text(budget)
        self._in_item = False

    def start(self, tag, attributes):
        if tag == "si":
            self._in_item = True
        elif self._in_item:
            self._text.start(tag)

    def end(self, tag):
        if tag == "si":
            self._in_item = False
            # More distinct strings than cells can't be of use, and each costs memory.
            if len(self.values) >= self.limits.cells:
                raise too_many_cells(self.limits)
            self.values.append(self._text.take())
        elif self._in_item:
            self._text.end(tag)

    def text(self, data):
        self._text.add(data)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


class _Sheet(_Handler):
    """Emits (row number, values) at the end of each <row>, counting rows and cells present."""

    def __init__(self, budget: ReadBudget, *, strings: list[str], date_styles: dict[int, bool], epoch):
        super().__init__()
        self.limits = budget.limits
        self.strings = strings
        self.date_styles = date_styles
        self.epoch = epoch
        self.rows = self.cells = 0
        self.row_number = 0
        self.column = 0
        self.values: dict[int, object] = {}
        self.cell: dict | None = None
        self.in_value = False
        self.value_pieces: list[str] = []
        self.value_length = 0
        self.inline: _Text | None = None
        self._budget = budget

    def start(self, tag, attributes):
        if tag == "c":
            self._start_cell(attributes)
        elif self.cell is not None:
            if tag == "v":
                self.in_value, self.value_pieces, self.value_length = True, [], 0
            elif tag == "is":
                self.inline = _Text(self._budget)
            elif self.inline is not None:
                self.inline.start(tag)
        elif tag == "row":
            self.rows += 1
            if self.rows > self.limits.sheet_rows:
                raise too_many_sheet_rows(self.limits)
            number = attributes.get("r")
            try:
                self.row_number = int(float(number)) if number else self.row_number + 1
            except ValueError as exc:
                raise damaged_sheet() from exc
            self.column = 0
            self.values = {}

    def _start_cell(self, attributes):
        self.cells += 1
        if self.cells > self.limits.cells:
            raise too_many_cells(self.limits)
        reference = attributes.get("r")
        if reference:
            match = _COORDINATE.fullmatch(reference)
            if match is None:
                raise damaged_sheet()
            self.column = _column_number(match.group(1))
        else:
            self.column += 1
        self.cell = attributes
        self.value_pieces, self.value_length, self.inline = [], 0, None

    def end(self, tag):
        if tag == "c" and self.cell is not None:
            value = self._cell_value()
            if value is not None:
                if self.column > self.limits.columns:
                    raise too_many_columns(self.limits)
                self.values[self.column] = value
            self.cell = self.inline = None
        elif tag == "v":
            self.in_value = False
        elif tag == "row":
            width = max(self.values, default=0)
            self.emitted.append((self.row_number, [self.values.get(c) for c in range(1, width + 1)]))
            self.values = {}
        elif self.inline is not None:
            self.inline.end(tag)

    def text(self, data):
        if self.in_value:
            self.value_length += len(data)
            if self.value_length > self.limits.cell_chars:
                raise cell_too_long(self.limits)
            self.value_pieces.append(data)
        elif self.inline is not None:
            self.inline.add(data)

    def _cell_value(self):
        """The value openpyxl gives for the cell (read-only, data only)."""
        kind = self.cell.get("t", "n")
        if kind == "inlineStr":
            return self.inline.take() if self.inline is not None else None
        text = "".join(self.value_pieces) or None
        if text is None:
            return None
        try:
            if kind == "n":
                number = float(text) if "." in text or "e" in text.lower() else int(text)
                style = int(self.cell.get("s") or 0)
                if style in self.date_styles:
                    try:
                        return from_excel(number, self.epoch, timedelta=self.date_styles[style])
                    except (OverflowError, ValueError):
                        return "#VALUE!"  # as openpyxl: a date serial outside the calendar
                return number
            if kind == "s":
                return self.strings[int(text)]
            if kind == "b":
                return bool(int(text))
            if kind == "d":
                return from_ISO8601(text)
        except (ValueError, IndexError) as exc:
            raise damaged_sheet() from exc
        return text  # "str" (a formula's text result), "e" (an error such as #N/A)
