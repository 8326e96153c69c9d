"""Session reminders: an email the day before each session and another shortly before it, to the
learners holding a seat who have not turned reminders off (Learner.reminders_enabled).

A beat task (settings.CELERY_BEAT_SCHEDULE, every NOTIFICATION_SCAN_SECONDS) runs
`session_reminders_scan`: one INSERT … SELECT per kind writes the reminder rows of every session
starting within its window, for all their learners at once (a session of 2,000 learners is one
statement, not 2,000 queries), and asks for one send task per session whose rows are new. The
windows (settings):
- shortly before: sessions starting within NOTIFICATION_REMINDER_SOON (30 minutes);
- the day before: sessions starting after that and within NOTIFICATION_REMINDER_DAY_BEFORE (24 hours).
A session scheduled within the windows is reminded at the next scan. Rows still unsent a while
after they were written (a task lost with its broker) are asked for again by a later scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courses.core.queue import enqueue_on_commit
from courses.models import ClassSession, ClassStatus, TrainingClass
from enrollment.models import (
    REMINDER_KINDS,
    Enrollment,
    EnrollmentStatus,
    Learner,
    Notification,
    NotificationKind,
)
from enrollment.services.notifications import (
    EMAIL_LANGUAGE,
    Delivery,
    Email,
    claimable_q,
    notifications_deliver,
    portal_url,
)

SESSION_REMINDERS_TASK = "enrollment.send_session_reminders"
# Classes whose sessions are reminded: not a draft (not yet confirmed), not over.
REMINDED_CLASS_STATUSES = (ClassStatus.OPEN, ClassStatus.RUNNING)


@dataclass
class ReminderScan:
    # (session id, kind) of the send tasks asked for.
    requested: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0


def reminder_windows(now) -> dict[str, tuple]:
    """Each reminder kind's window of session starts, (after, until]."""
    soon = now + settings.NOTIFICATION_REMINDER_SOON
    return {
        NotificationKind.REMINDER_SOON: (now, soon),
        NotificationKind.REMINDER_DAY_BEFORE: (soon, now + settings.NOTIFICATION_REMINDER_DAY_BEFORE),
    }


def _insert_reminders(kind: str, after, until, now) -> list[tuple[int, int]]:
    """The reminder rows of every learner of every session starting in (after, until]; returns
    (session id, rows written) for the sessions that got new rows."""
    n, e, s = Notification._meta.db_table, Enrollment._meta.db_table, ClassSession._meta.db_table
    c, learner = TrainingClass._meta.db_table, Learner._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    statuses = ", ".join(["%s"] * len(REMINDED_CLASS_STATUSES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {n} (kind, enrollment_id, session_id, status, attempts, email, error, created_at)
SELECT %s, e.id, s.id, 'pending', 0, '', '', %s
FROM {s} s
JOIN {c} c ON c.id = s.training_class_id
JOIN {e} e ON e.training_class_id = s.training_class_id
JOIN {learner} l ON l.id = e.learner_id
WHERE s.starts_at > %s AND s.starts_at <= %s
  AND c.status IN ({statuses})
  AND e.status = %s
  AND l.reminders_enabled AND l.email <> ''
ON CONFLICT DO NOTHING
RETURNING session_id""",  # noqa: S608 - table names are ours; data is bound
            [
                kind,
                adapt(now),
                adapt(after),
                adapt(until),
                *REMINDED_CLASS_STATUSES,
                EnrollmentStatus.ENROLLED,
            ],
        )
        counts: dict[int, int] = {}
        for (session_id,) in cursor.fetchall():
            counts[session_id] = counts.get(session_id, 0) + 1
    return sorted(counts.items())


@transaction.atomic
def session_reminders_scan(*, now=None) -> ReminderScan:
    """Write the reminders now due and ask for their sending (see the module docstring)."""
    now = now or timezone.now()
    scan = ReminderScan()
    requested: set[tuple[int, str]] = set()
    for kind, (after, until) in reminder_windows(now).items():
        for session_id, created in _insert_reminders(kind, after, until, now):
            scan.created += created
            requested.add((session_id, kind))
    # Rows left unsent a while after they were written: their task was lost, or failed and used
    # its retries while attempts remain. Sessions already started are not reminded any more.
    requested.update(
        Notification.objects.filter(
            claimable_q(),
            kind__in=REMINDER_KINDS,
            session__starts_at__gt=now,
            created_at__lt=now - settings.NOTIFICATION_REQUEUE_AFTER,
        )
        .values_list("session_id", "kind")
        .distinct()
    )
    for session_id, kind in sorted(requested):
        enqueue_on_commit(SESSION_REMINDERS_TASK, session_id, kind)
    scan.requested = sorted(requested)
    return scan


def session_reminders_send(*, session_id: int, kind: str, now=None) -> Delivery:
    """Send one session's reminders of one kind; a second run sends none of those already sent.
    Two queries, then two per email, whatever the number of learners."""
    now = now or timezone.now()
    session = ClassSession.objects.select_related("training_class").filter(pk=session_id).first()
    rows = list(
        Notification.objects.filter(claimable_q(), kind=kind, session_id=session_id)
        .select_related("enrollment__learner")
        .order_by("pk")
    )
    with translation.override(EMAIL_LANGUAGE):
        emails = [(row.pk, _reminder_email(row, session, kind, now)) for row in rows]
    return notifications_deliver(emails)


def _reminder_email(row: Notification, session: ClassSession | None, kind: str, now) -> Email:
    enrollment, learner = row.enrollment, row.enrollment.learner
    if session is None or session.starts_at <= now:
        return Email(to=None, skip_reason="session started")
    if session.training_class.status not in REMINDED_CLASS_STATUSES:
        return Email(to=None, skip_reason="class not open or running")
    if enrollment.status != EnrollmentStatus.ENROLLED:
        return Email(to=None, skip_reason="not enrolled any more")
    if not learner.reminders_enabled:
        return Email(to=None, skip_reason="reminders turned off")
    if not learner.email:
        return Email(to=None, skip_reason="no email address")
    starts = timezone.localtime(session.starts_at)
    values = {
        "title": session.title or session.training_class.title,
        "time": date_format(starts, "H:i"),
        "date": date_format(starts, "d/m/Y"),
    }
    if kind == NotificationKind.REMINDER_SOON:
        subject = _("Buổi học “%(title)s” sắp bắt đầu lúc %(time)s") % values
    else:
        subject = _("Nhắc lịch: buổi học “%(title)s” lúc %(time)s ngày %(date)s") % values
    body = render_to_string(
        "notifications/reminder.txt",
        {
            "learner": learner,
            "session": session,
            "training_class": session.training_class,
            "soon": kind == NotificationKind.REMINDER_SOON,
            "session_url": portal_url(f"/portal/sessions/{session.pk}/"),
            "preferences_url": portal_url("/portal/preferences/"),
        },
    )
    return Email(to=learner.email, subject=subject, body=body)
