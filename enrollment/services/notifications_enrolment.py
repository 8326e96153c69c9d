"""The enrolment email: a learner given a seat in a class (self-join, enrolment by a trainer or an
admin, an import, the waitlist's promotion) is sent the class's schedule and a link to the portal.

Every one of those paths writes through enrollment.services.enrollments (enrollments_bulk_create,
and _promote for the waitlist), which asks for ENROLMENT_EMAILS_TASK with the ids it gave a seat,
in chunks, once its transaction commits. A learner waitlisted is sent nothing until promoted.
One email per enrolment, ever: a learner who withdraws and comes back is not sent a second one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from courses.models import ClassSession
from enrollment.models import Enrollment, EnrollmentStatus, Notification, NotificationKind
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

ENROLMENT_EMAILS_TASK = "enrollment.send_enrolment_emails"


def enrolment_emails_request(enrollment_ids: Sequence[int]) -> None:
    """Called by the enrolment services inside their transaction: the emails go once it commits."""
    notifications_enqueue(ENROLMENT_EMAILS_TASK, enrollment_ids)


def enrolment_emails_send(*, enrollment_ids: Sequence[int]) -> Delivery:
    """Send the enrolment email of each enrolment that holds a seat and whose learner has an
    address; a second run sends none of those already sent. Four queries, then two per email."""
    ids = [int(i) for i in enrollment_ids]
    Notification.objects.bulk_create(
        [
            Notification(kind=NotificationKind.ENROLMENT, enrollment_id=pk)
            for pk in Enrollment.objects.filter(reachable_q(), pk__in=ids, status=EnrollmentStatus.ENROLLED)
            .values_list("pk", flat=True)
            .iterator()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    rows = list(
        Notification.objects.filter(claimable_q(), kind=NotificationKind.ENROLMENT, enrollment_id__in=ids)
        .select_related("enrollment__learner", "enrollment__training_class__curriculum")
        .order_by("pk")
    )
    sessions = defaultdict(list)
    for session in ClassSession.objects.filter(
        training_class_id__in={row.enrollment.training_class_id for row in rows}
    ).order_by("starts_at", "pk"):
        sessions[session.training_class_id].append(session)
    with translation.override(EMAIL_LANGUAGE):
        emails = [(row.pk, _enrolment_email(row.enrollment, sessions)) for row in rows]
    return notifications_deliver(emails)


def _enrolment_email(enrollment: Enrollment, sessions: dict[int, list[ClassSession]]) -> Email:
    learner, training_class = enrollment.learner, enrollment.training_class
    if enrollment.status != EnrollmentStatus.ENROLLED:
        return Email(to=None, skip_reason="not enrolled any more")
    if not learner.email:
        return Email(to=None, skip_reason="no email address")
    body = render_to_string(
        "notifications/enrolment.txt",
        {
            "learner": learner,
            "training_class": training_class,
            "curriculum": training_class.curriculum,
            "sessions": sessions.get(training_class.pk, []),
            "portal_url": portal_url(),
            "preferences_url": portal_url("/portal/preferences/"),
        },
    )
    subject = _("Xác nhận ghi danh lớp “%(title)s”") % {"title": training_class.title}
    return Email(to=learner.email, subject=subject, body=body)
