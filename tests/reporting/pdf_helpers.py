"""What the certificate tests share: a PDF read back as its reader sees it."""

from __future__ import annotations

import io

import zxingcpp
from pypdf import PdfReader


def read_pdf(content: bytes) -> tuple[PdfReader, str, list[str]]:
    """The PDF, its first page's text as extracted (no normalisation: a name must come back as
    stored, NFC) and what the QR codes drawn on it hold."""
    reader = PdfReader(io.BytesIO(content))
    page = reader.pages[0]
    decoded = [
        barcode.text
        for image in page.images
        for barcode in zxingcpp.read_barcodes(image.image)
        if barcode.format == zxingcpp.BarcodeFormat.QRCode
    ]
    return reader, page.extract_text(), decoded
