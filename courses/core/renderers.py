"""The files the API hands out (XLSX, CSV) as DRF renderers, and the views that answer with one.

A download view answers with ``Download(data, filename=...)``: its ``file_renderer`` writes the
file whatever the negotiation picked among the view's renderers (JSON first, then the file's),
so that a client sending ``Accept: application/json`` to ``.../export.csv`` still gets the file.
Anything else the view answers (an error, the OPTIONS metadata) is JSON, even when the client
asked for the file's type: a spreadsheet cannot carry an error. A type no renderer offers is 406,
a ``?format=`` no renderer has 404, as anywhere in DRF.

The renderers write every cell through courses.core.files.spreadsheet: the CSV renderer makes each
value safe (``csv_value``); an XLSX workbook has its cells written with ``xlsx_cell``/``xlsx_row``
by whoever lays it out (fonts, merged titles and number formats are the layout's), the renderer
saves it.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from courses.core.files.spreadsheet import csv_value

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FileRenderer(BaseRenderer):
    """A file's bytes; never an error (errors are JSON: DownloadMixin)."""

    charset = None
    render_style = "binary"


class CSVRenderer(FileRenderer):
    """Rows of values as CSV for Excel: UTF-8 with a BOM (so that Excel reads Vietnamese), CRLF,
    numbers as they are (a column's decimal places are its layout's), text made safe."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows([csv_value(value) for value in row] for row in data)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class XLSXRenderer(FileRenderer):
    """An openpyxl workbook, saved."""

    media_type = XLSX_CONTENT_TYPE
    format = "xlsx"

    def render(self, data: Workbook, accepted_media_type=None, renderer_context=None) -> bytes:
        buffer = io.BytesIO()
        data.save(buffer)
        return buffer.getvalue()


class Download(Response):
    """A file for the view's file_renderer, handed out as an attachment named `filename` (words of
    the reader's language: courses.core.files.spreadsheet.attachment_name)."""

    def __init__(self, data, *, filename: str):
        super().__init__(data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


class DownloadMixin:
    """A view answering with a file (a Download, written by `file_renderer`), its errors as JSON."""

    file_renderer: type[FileRenderer]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "file_renderer" in cls.__dict__:
            # JSON first: errors, and a negotiation that fails, are JSON.
            cls.renderer_classes = [JSONRenderer, cls.file_renderer]

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Download):
            request.accepted_renderer = self.file_renderer()
            request.accepted_media_type = self.file_renderer.media_type
        elif isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), FileRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
