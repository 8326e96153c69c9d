"""A certificate (giấy chứng nhận) as a one-page A4 landscape PDF: the holder's name, the
curriculum, the class and its dates, the number, the date of issue, the issuing body, and a QR code
of the public verification page's address.

Always in Vietnamese, whatever the reader's language: it is an official document of a Vietnamese
programme, printed and filed as such. The font is DejaVu Sans, shipped in reporting/fonts/ (with its
licence) so that every Vietnamese letter prints on any server, whatever fonts it has.

The size of the work is bounded by the data, never by the request: one page, texts cut to a few
lines, a QR code of one short address.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import segno
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from reporting.models import Certificate

FONTS = Path(__file__).resolve().parents[1] / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
INK = colors.HexColor("#1d2733")
BRAND = colors.HexColor("#a3161a")
MUTED = colors.HexColor("#4f5b69")
# The QR code's side on paper: a phone reads it from 30 cm away.
QR_SIDE = 38 * mm


def _register_fonts() -> None:
    # reportlab keeps registered fonts for the process; registering again would re-read the files.
    for name, filename in ((REGULAR, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(FONTS / filename)))


@dataclass(frozen=True)
class CertificateText:
    """What the certificate prints, read from the certificate and its class."""

    holder: str
    curriculum: str
    class_title: str
    class_code: str
    start_date: date
    end_date: date
    number: str
    issued_on: date
    issuing_body: str
    governing_body: str
    verification_code: str

    @classmethod
    def of(cls, certificate: Certificate) -> CertificateText:
        training_class = certificate.enrollment.training_class
        institution = training_class.institution
        organiser = training_class.organiser_province or training_class.province
        return cls(
            holder=certificate.enrollment.learner.full_name,
            curriculum=training_class.curriculum.title_vi,
            class_title=training_class.title,
            class_code=training_class.code,
            start_date=training_class.start_date,
            end_date=training_class.end_date,
            number=certificate.number or "",
            issued_on=timezone.localtime(certificate.issued_at).date(),
            # The class's training institution issues it; a class a province organised alone, the
            # province's people's committee.
            issuing_body=institution.name if institution else province_committee(organiser.name),
            governing_body=institution.governing_body if institution else "",
            verification_code=certificate.verification_code,
        )


def province_committee(province_name: str) -> str:
    """The people's committee of a province, from its name as stored ("Thành phố Hà Nội",
    "Tỉnh Hà Giang" or "Cao Bằng"): "Ủy ban nhân dân thành phố Hà Nội", "... tỉnh Cao Bằng"."""
    for kind in ("Thành phố ", "Tỉnh "):
        if province_name.startswith(kind):
            return f"Ủy ban nhân dân {kind.lower()}{province_name.removeprefix(kind)}"
    return f"Ủy ban nhân dân tỉnh {province_name}"


def vietnamese_date(day: date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def short_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def qr_png(url: str) -> bytes:
    """The address as a QR code in a PNG (medium error correction: it survives a crease)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """The certificate's PDF, its QR code holding `verify_url` (the public verification page)."""
    _register_fonts()
    text = CertificateText.of(certificate)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    pdf.setTitle(f"Giấy chứng nhận {text.number}")
    pdf.setAuthor(text.issuing_body)
    pdf.setSubject(text.curriculum)
    pdf.setCreator("Bồi dưỡng cán bộ, công chức cấp xã")
    _frame(pdf)
    _header(pdf, text)
    _body(pdf, text)
    _footer(pdf, text, verify_url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _frame(pdf: canvas.Canvas) -> None:
    pdf.setStrokeColor(BRAND)
    pdf.setLineWidth(3)
    pdf.rect(10 * mm, 10 * mm, PAGE_WIDTH - 20 * mm, PAGE_HEIGHT - 20 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(13 * mm, 13 * mm, PAGE_WIDTH - 26 * mm, PAGE_HEIGHT - 26 * mm)


def _lines(value: str, font: str, size: float, width: float, *, most: int) -> list[str]:
    """`value` wrapped to `width`, at most `most` lines, the last one ending in … if cut."""
    lines = simpleSplit(value, font, size, width) or [""]
    if len(lines) <= most:
        return lines
    kept = lines[:most]
    last = kept[-1]
    while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
        last = last[:-1]
    kept[-1] = last.rstrip() + "…"
    return kept


def _centred(pdf: canvas.Canvas, value: str, *, y: float, font: str, size: float, most: int = 1) -> float:
    """Centred lines from `y` down; the y under them."""
    pdf.setFont(font, size)
    for line in _lines(value, font, size, PAGE_WIDTH - 60 * mm, most=most):
        pdf.drawCentredString(PAGE_WIDTH / 2, y, line)
        y -= size * 1.3
    return y


def _header(pdf: canvas.Canvas, text: CertificateText) -> None:
    top = PAGE_HEIGHT - 26 * mm
    left = 20 * mm + 55 * mm  # the centre of the left column
    right = PAGE_WIDTH - 20 * mm - 70 * mm
    pdf.setFillColor(INK)
    y = top
    for line in (
        _lines(text.governing_body.upper(), REGULAR, 9, 110 * mm, most=2) if text.governing_body else []
    ):
        pdf.setFont(REGULAR, 9)
        pdf.drawCentredString(left, y, line)
        y -= 12
    pdf.setFont(BOLD, 10)
    for line in _lines(text.issuing_body.upper(), BOLD, 10, 110 * mm, most=3):
        pdf.drawCentredString(left, y, line)
        y -= 13
    pdf.setFont(BOLD, 10)
    pdf.drawCentredString(right, top, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    pdf.setFont(BOLD, 10.5)
    pdf.drawCentredString(right, top - 14, "Độc lập - Tự do - Hạnh phúc")
    pdf.setLineWidth(0.6)
    pdf.setStrokeColor(INK)
    pdf.line(right - 38 * mm, top - 18, right + 38 * mm, top - 18)


def _body(pdf: canvas.Canvas, text: CertificateText) -> None:
    pdf.setFillColor(BRAND)
    y = _centred(pdf, "GIẤY CHỨNG NHẬN", y=PAGE_HEIGHT - 62 * mm, font=BOLD, size=30)
    pdf.setFillColor(INK)
    y = _centred(pdf, "Chứng nhận ông/bà", y=y - 6, font=REGULAR, size=13)
    pdf.setFillColor(BRAND)
    y = _centred(pdf, text.holder, y=y - 4, font=BOLD, size=22, most=2)
    pdf.setFillColor(INK)
    y = _centred(pdf, "đã hoàn thành chương trình bồi dưỡng", y=y - 4, font=REGULAR, size=13)
    y = _centred(pdf, text.curriculum, y=y, font=BOLD, size=15, most=2)
    y = _centred(pdf, f"Lớp: {text.class_title} ({text.class_code})", y=y - 2, font=REGULAR, size=12, most=2)
    _centred(
        pdf,
        f"Thời gian học: từ {short_date(text.start_date)} đến {short_date(text.end_date)}",
        y=y,
        font=REGULAR,
        size=12,
    )


def _footer(pdf: canvas.Canvas, text: CertificateText, verify_url: str) -> None:
    bottom = 22 * mm
    left = 24 * mm
    pdf.setFillColor(INK)
    pdf.setFont(REGULAR, 11)
    pdf.drawString(left, bottom + 30, f"Số hiệu: {text.number}")
    pdf.drawString(left, bottom + 15, f"Ngày cấp: {short_date(text.issued_on)}")
    pdf.setFillColor(MUTED)
    pdf.setFont(REGULAR, 8)
    pdf.drawString(left, bottom, f"Mã xác thực: {text.verification_code}")
    # The place and date of signing, and the issuing body, as an official document ends.
    centre = PAGE_WIDTH / 2 + 20 * mm
    pdf.setFillColor(INK)
    pdf.setFont(REGULAR, 11)
    pdf.drawCentredString(centre, bottom + 45, vietnamese_date(text.issued_on).capitalize())
    pdf.setFont(BOLD, 11)
    for index, line in enumerate(_lines(text.issuing_body.upper(), BOLD, 11, 95 * mm, most=2)):
        pdf.drawCentredString(centre, bottom + 30 - index * 14, line)
    # The QR code: the verification page's address, drawn as an embedded PNG image.
    qr_left = PAGE_WIDTH - 22 * mm - QR_SIDE
    qr_bottom = bottom + 6
    pdf.drawImage(ImageReader(io.BytesIO(qr_png(verify_url))), qr_left, qr_bottom, QR_SIDE, QR_SIDE)
    pdf.setFillColor(MUTED)
    pdf.setFont(REGULAR, 7.5)
    pdf.drawCentredString(qr_left + QR_SIDE / 2, qr_bottom - 9, "Quét mã để kiểm tra giấy chứng nhận")
