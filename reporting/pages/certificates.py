"""Certificates in the browser: a learner's own (/portal/certificates/) with each one's PDF, and the
public verification page (/verify/) that the PDF's QR code opens.

Same selectors and permissions as the API (/api/v1/me/certificates, /api/v1/certificates/verify):
a learner reads and downloads only their own valid certificates; another learner's, a revoked or an
unknown one is 404 (a revoked certificate is refused, never printed: the verification page is
where it shows as revoked); trainers and admins are refused as on every learner page, since the API
gives them no certificate either. The verification page needs no sign-in and shows what the JSON
verification shows (the holder's name, the curriculum, the class, the dates) plus the number;
never an identity number or a birth date. It also says when a certificate was
revoked, which the JSON leaves at 404: whoever holds the paper learns that it no longer counts.
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from courses.core.files.spreadsheet import attachment_name
from enrollment.pages.access import learner_page
from reporting.api.views import CertificateVerifyThrottle
from reporting.files.certificate_pdf import certificate_pdf
from reporting.selectors.progress import (
    certificate_by_code,
    certificate_by_number,
    certificate_of_user,
    certificates_of_user,
)


def verify_url(certificate) -> str:
    """The verification page's public address, as the QR code and the links hold it."""
    path = reverse("verify:code", kwargs={"code": certificate.verification_code})
    return f"{settings.PUBLIC_BASE_URL}{path}"


# --- a learner's certificates ----------------------------------------------------------------------


@require_GET
@learner_page
def my_certificates(request):
    return render(
        request,
        "reporting/my_certificates.html",
        {"certificates": list(certificates_of_user(request.user))},
    )


@require_GET
@learner_page
def certificate_download(request, pk: int):
    certificate = certificate_of_user(request.user, pk)
    if certificate is None:
        return render(request, "reporting/certificate_missing.html", status=404)
    response = HttpResponse(
        certificate_pdf(certificate, verify_url=verify_url(certificate)), "application/pdf"
    )
    response["Content-Disposition"] = _attachment(certificate.number)
    # A personal document: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response


def _attachment(number: str) -> str:
    """An ASCII name every client keeps (giay-chung-nhan-gcn-2026-000123.pdf) and the Vietnamese
    one (RFC 6266 filename*) for the clients that read it."""
    words = f"Giấy chứng nhận {number}"
    return (
        f'attachment; filename="{attachment_name(words, extension="pdf")}"; '
        f"filename*=UTF-8''{quote(words + '.pdf', safe='')}"
    )


# --- the public verification page ------------------------------------------------------------------


class VerifyByNumberForm(forms.Form):
    """The API's verification by number (CertificateNumberQuerySerializer): number and name."""

    number = forms.CharField(
        label=gettext_lazy("Số hiệu giấy chứng nhận"),
        max_length=30,
        help_text=gettext_lazy("Như in trên giấy chứng nhận, ví dụ GCN-2025-000123."),
    )
    name = forms.CharField(
        label=gettext_lazy("Họ và tên người được cấp"),
        max_length=200,
        help_text=gettext_lazy("Như in trên giấy chứng nhận; không phân biệt dấu và chữ hoa."),
    )


def _throttled(request):
    """The API's verification rate (CertificateVerifyThrottle), on the pages too: a 429 page, or None."""
    throttle = CertificateVerifyThrottle()
    if throttle.allow_request(request, None):
        return None
    response = render(request, "reporting/certificate_verify.html", {"state": "throttled"}, status=429)
    response["Retry-After"] = str(int(throttle.wait() or 60))
    return response


def _verdict(request, certificate, *, form=None, status_if_unknown=404):
    if certificate is None:
        state, status = "unknown", status_if_unknown
    else:
        state, status = ("valid" if certificate.is_valid else "revoked"), 200
    return render(
        request,
        "reporting/certificate_verify.html",
        {"state": state, "certificate": certificate, "form": form or VerifyByNumberForm()},
        status=status,
    )


@require_GET
def verify_code(request, code: str):
    """The page a certificate's QR code opens: valid, revoked or unknown (404)."""
    return _throttled(request) or _verdict(request, certificate_by_code(code))


@require_GET
def verify_number(request):
    """The form to verify a certificate by its number and its holder's name, and its answer."""
    if not request.GET:
        return render(
            request, "reporting/certificate_verify.html", {"state": "ask", "form": VerifyByNumberForm()}
        )
    form = VerifyByNumberForm(request.GET)
    if not form.is_valid():
        return render(
            request, "reporting/certificate_verify.html", {"state": "ask", "form": form}, status=400
        )
    return _throttled(request) or _verdict(
        request, certificate_by_number(form.cleaned_data["number"], form.cleaned_data["name"]), form=form
    )
