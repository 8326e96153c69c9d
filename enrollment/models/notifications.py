"""The emails sent to learners (enrolment, session reminders, certificates), one row per email.

The row is the email's claim: it is written before the email is sent and its unique constraint
(one per kind and subject) is what keeps a redelivered or concurrent task from sending it twice
(enrollment.services.notifications says how a row is claimed and settled).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ENROLMENT = "enrolment", _("Ghi danh vào lớp")
    REMINDER_DAY_BEFORE = "reminder_day_before", _("Nhắc lịch học trước một ngày")
    REMINDER_SOON = "reminder_soon", _("Nhắc lịch học sắp bắt đầu")
    CERTIFICATE = "certificate", _("Cấp giấy chứng nhận")


REMINDER_KINDS = (NotificationKind.REMINDER_DAY_BEFORE, NotificationKind.REMINDER_SOON)


class NotificationStatus(models.TextChoices):
    # Written, not yet tried: any task may claim it.
    PENDING = "pending", _("Chờ gửi")
    # Claimed by a task that is handing it to the mail server now. Left so only if that worker
    # died during the send: whether it went out is unknown, and it is never sent again (an email
    # lost is better than the same email twice; the admin lists such rows).
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    # The mail server refused it: a later run may try again (NOTIFICATION_MAX_ATTEMPTS in all).
    FAILED = "failed", _("Gửi lỗi")
    # Nothing to send by the time it was claimed: no address, reminders turned off, session over.
    SKIPPED = "skipped", _("Bỏ qua")


class Notification(models.Model):
    kind = models.CharField(_("loại"), max_length=30, choices=NotificationKind.choices)
    enrollment = models.ForeignKey(
        "enrollment.Enrollment",
        verbose_name=_("ghi danh"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # The reminders' subject.
    session = models.ForeignKey(
        "courses.ClassSession",
        verbose_name=_("buổi học"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The certificate's id (reporting.Certificate): a plain number, not a foreign key, since
    # enrollment may not depend on reporting, which sits above it.
    certificate_id = models.BigIntegerField(_("giấy chứng nhận"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    email = models.EmailField(_("gửi tới"), blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("bắt đầu gửi lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo qua email")
        verbose_name_plural = _("thông báo qua email")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(kind="enrolment"),
                name="notification_one_enrolment_email",
            ),
            models.UniqueConstraint(
                fields=["kind", "session", "enrollment"],
                condition=Q(session__isnull=False),
                name="notification_one_reminder_per_session",
            ),
            models.UniqueConstraint(
                fields=["certificate_id"],
                condition=Q(kind="certificate"),
                name="notification_one_certificate_email",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in REMINDER_KINDS], session__isnull=False)
                | (~Q(kind__in=[k.value for k in REMINDER_KINDS]) & Q(session__isnull=True)),
                name="notification_reminder_has_session",
            ),
            models.CheckConstraint(
                condition=Q(kind="certificate", certificate_id__isnull=False)
                | (~Q(kind="certificate") & Q(certificate_id__isnull=True)),
                name="notification_certificate_has_id",
            ),
        ]
        indexes = [
            # The pending rows of one session's reminders, read by each send.
            models.Index(fields=["session", "kind", "status"], name="notification_session_status"),
            models.Index(fields=["status", "created_at"], name="notification_status_created"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.enrollment_id} ({self.get_status_display()})"
