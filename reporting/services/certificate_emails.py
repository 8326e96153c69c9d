"""The email telling a learner their certificate was issued.

Certificates are issued by the recompute of a class (class_progress._certificates_sync), in SQL,
for many enrolments at once; it asks for CERTIFICATE_EMAILS_TASK with the new certificates' ids,
in chunks, once its transaction commits. The sending is enrollment's (its notification rows keep
each email to one); the certificate, which enrollment may not read, is this app's.
A certificate reinstated after a revocation is not announced again.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from enrollment.models import Notification, NotificationKind
from enrollment.services.notifications import (
    EMAIL_LANGUAGE,
    Delivery,
    Email,
    claimable_q,
    notifications_deliver,
    notifications_enqueue,
    portal_url,
    reachable_q,
)
from reporting.models import Certificate

CERTIFICATE_EMAILS_TASK = "reporting.send_certificate_emails"


def certificate_emails_request(certificate_ids: Sequence[int]) -> None:
    notifications_enqueue(CERTIFICATE_EMAILS_TASK, certificate_ids)


def certificate_emails_send(*, certificate_ids: Sequence[int]) -> Delivery:
    """Send the email of each valid certificate whose learner has an address; a second run sends
    none of those already sent. Three queries, then two per email."""
    ids = [int(i) for i in certificate_ids]
    Notification.objects.bulk_create(
        [
            Notification(kind=NotificationKind.CERTIFICATE, enrollment_id=enrollment_id, certificate_id=pk)
            for pk, enrollment_id in Certificate.objects.filter(
                reachable_q("enrollment__learner"), pk__in=ids, revoked_at__isnull=True
            )
            .values_list("pk", "enrollment_id")
            .iterator()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    rows = list(
        Notification.objects.filter(
            claimable_q(), kind=NotificationKind.CERTIFICATE, certificate_id__in=ids
        ).order_by("pk")
    )
    certificates = Certificate.objects.select_related(
        "enrollment__learner", "enrollment__training_class__curriculum"
    ).in_bulk([row.certificate_id for row in rows])
    with translation.override(EMAIL_LANGUAGE):
        emails = [(row.pk, _certificate_email(certificates.get(row.certificate_id))) for row in rows]
    return notifications_deliver(emails)


def _certificate_email(certificate: Certificate | None) -> Email:
    if certificate is None or not certificate.is_valid:
        return Email(to=None, skip_reason="certificate revoked")
    learner = certificate.enrollment.learner
    training_class = certificate.enrollment.training_class
    if not learner.email:
        return Email(to=None, skip_reason="no email address")
    body = render_to_string(
        "notifications/certificate.txt",
        {
            "learner": learner,
            "certificate": certificate,
            "training_class": training_class,
            "curriculum": training_class.curriculum,
            "portal_url": portal_url(reverse("certificates:mine")),
            "verify_url": portal_url(reverse("verify:code", kwargs={"code": certificate.verification_code})),
        },
    )
    subject = _("Giấy chứng nhận hoàn thành lớp “%(title)s”") % {"title": training_class.title}
    return Email(to=learner.email, subject=subject, body=body)
