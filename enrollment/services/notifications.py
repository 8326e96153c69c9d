"""Emails to learners, each sent at most once, whatever the number of tasks that try.

Every email has a row (enrollment.models.Notification), written before anything is sent, unique
per kind and subject: the enrolment, the session and enrolment of a reminder, the certificate.
Sending one is three steps, each its own short commit:

1. the row is written (INSERT … ON CONFLICT DO NOTHING: a second task writes nothing);
2. it is claimed: one UPDATE moves it from pending (or failed, while attempts remain) to sending.
   Of two tasks at once, one updates the row; the other waits for its commit, then finds it
   sending and leaves it;
3. the email goes to the mail server, then the row is sent, or failed with the server's error.

A redelivered task therefore sends nothing more: its rows are sent or claimed. A failed send is
tried again by the task's retry (NOTIFICATION_MAX_ATTEMPTS in all). A worker that dies between
2 and 3 leaves one row sending: whether that email went out is unknown, and it is not sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, Q
from django.utils import timezone

from courses.core.queue import enqueue_on_commit
from enrollment.models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

# Emails are written in Vietnamese, the learners' language (English strings are in the .po file).
EMAIL_LANGUAGE = "vi"
# Ids per task: an import of 5,000 learners is ten tasks, none of them inside the request.
TASK_CHUNK = 500
# Statuses a task may claim.
CLAIMABLE = (NotificationStatus.PENDING, NotificationStatus.FAILED)


class DeliveryFailed(Exception):
    """Some emails were refused by the mail server; the task retries, which tries only those."""


@dataclass(frozen=True)
class Email:
    """What one row sends: None `to` for a row with nothing to send (skipped)."""

    to: str | None
    subject: str = ""
    body: str = ""
    # Why nothing is sent, stored on the row.
    skip_reason: str = ""


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    # Claimed by another task, already sent or out of attempts.
    left: int = 0


def portal_url(path: str = "/portal/") -> str:
    """A link into the site for an email (settings.PUBLIC_BASE_URL, no trailing slash)."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def reachable_q(learner: str = "learner") -> Q:
    """Learners an email can reach: those with an address (Learner.email, which the learner sets in
    the API and admins on the record; the account's address follows it)."""
    return ~Q(**{f"{learner}__email": ""})


def claimable_q() -> Q:
    return Q(status__in=CLAIMABLE, attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS)


def notifications_enqueue(task_name: str, ids: Iterable[int]) -> None:
    """Ask for `task_name(ids)` in chunks once the transaction commits: the request that enrolled
    thousands sends nothing itself."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), TASK_CHUNK):
        enqueue_on_commit(task_name, ids[start : start + TASK_CHUNK])


def _claim(notification_id: int, *, email: str, now) -> bool:
    return bool(
        Notification.objects.filter(claimable_q(), pk=notification_id).update(
            status=NotificationStatus.SENDING,
            attempts=F("attempts") + 1,
            claimed_at=now,
            email=email,
            error="",
        )
    )


def _skip(notification_id: int, reason: str) -> bool:
    return bool(
        Notification.objects.filter(claimable_q(), pk=notification_id).update(
            status=NotificationStatus.SKIPPED, error=reason
        )
    )


def notifications_deliver(emails: Sequence[tuple[int, Email]]) -> Delivery:
    """Claim, send and settle each (row id, email), one after the other, every step committed on
    its own (the caller holds no transaction: a row must be seen claimed before its email leaves).
    Raises DeliveryFailed once all were tried if the mail server refused any."""
    delivery = Delivery()
    connection = None
    try:
        for notification_id, email in emails:
            if email.to is None:
                if _skip(notification_id, email.skip_reason):
                    delivery.skipped += 1
                else:
                    delivery.left += 1
                continue
            if not _claim(notification_id, email=email.to, now=timezone.now()):
                delivery.left += 1
                continue
            opening = connection is None
            try:
                if opening:
                    # Opened here, so that every email of the run goes through one connection.
                    connection = get_connection()
                    connection.open()
                EmailMessage(
                    subject=email.subject, body=email.body, to=[email.to], connection=connection
                ).send()
            except Exception as error:  # noqa: BLE001 - SMTP, socket and TLS errors have no common type
                logger.warning("notification %s to %s failed: %s", notification_id, email.to, error)
                Notification.objects.filter(pk=notification_id).update(
                    status=NotificationStatus.FAILED, error=str(error)[:2000]
                )
                delivery.failed += 1
                _close_quietly(connection)
                connection = None
                if opening:
                    # The mail server cannot be reached: the rest stay pending for the retry,
                    # rather than each waiting for its own connection to time out.
                    break
                continue  # one message refused: the next goes through a new connection
            Notification.objects.filter(pk=notification_id).update(
                status=NotificationStatus.SENT, sent_at=timezone.now()
            )
            delivery.sent += 1
    finally:
        _close_quietly(connection)
    if delivery.failed:
        raise DeliveryFailed(f"{delivery.failed} email(s) refused by the mail server; retried later")
    return delivery


def _close_quietly(connection) -> None:
    if connection is None:
        return
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing a connection already broken
        logger.debug("closing the mail connection failed", exc_info=True)
