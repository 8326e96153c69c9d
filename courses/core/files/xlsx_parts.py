"""The parts of an .xlsx file (a zip), inflated and parsed by chunks within a read's budget.

Nothing a zip declares is trusted beyond a first, free refusal: each part is inflated here by
chunks, counting the bytes produced against the compressed bytes consumed (the ratio), and fed to
expat as the chunks arrive, so that a part is never whole in memory and the read can stop at the
first limit passed (courses.core.files.read_limits). XML parts are parsed without DTDs (no entity expansion).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from xml.parsers import expat

from django.utils.translation import gettext as _

from courses.core.errors import DomainError
from courses.core.files.read_limits import RATIO_FREE_BYTES, ReadBudget, part_too_large, ratio_too_high

_CHUNK = 64 * 1024
_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_LOCAL_HEADER = b"PK\x03\x04"
# A workbook's directory lists a few dozen parts (a few KB); zipfile builds an object per entry,
# so a forged directory of hundreds of thousands of entries is refused before zipfile reads it.
_MAX_DIRECTORY_BYTES = 1024 * 1024


def invalid_workbook() -> DomainError:
    return DomainError(message=_("Tệp không phải là bảng tính .xlsx hợp lệ."), field="file")


def damaged_sheet() -> DomainError:
    return DomainError(message=_("Không đọc được trang tính: tệp bị hỏng."), field="file")


class Handler:
    """Receives one part's elements by local name; `emitted` is what the caller takes after a chunk."""

    def __init__(self):
        self.emitted: list = []

    def start(self, tag: str, attributes: dict) -> None:
        pass

    def end(self, tag: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


class ZipParts:
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

    def parse(self, name: str, handler: Handler) -> None:
        for _rows in self.parse_rows(name, handler):
            pass

    def parse_rows(self, name: str, handler: Handler) -> Iterator:
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
