"""Attendance: one record per session and enrolment, and the online join-leave intervals behind it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCTextField

from .enrollments import Enrollment


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Có mặt")
    LATE = "late", _("Đi muộn")
    EXCUSED = "excused", _("Vắng có phép")
    ABSENT = "absent", _("Vắng")


class AttendanceSource(models.TextChoices):
    TRAINER = "trainer", _("Giảng viên điểm danh")
    CHECK_IN = "check_in", _("Học viên điểm danh trực tuyến")
    PLATFORM_REPORT = "platform_report", _("Báo cáo của nền tảng họp trực tuyến")
    INTEGRATION = "integration", _("Tích hợp hệ thống")
    ADMIN = "admin", _("Quản trị điều chỉnh")


class Attendance(models.Model):
    """One record per session and enrolment, whatever the source."""

    # No index of their own: the unique (session, enrollment) and the (enrollment, session) indexes
    # lead with them, and every index is one more write per record of a bulk batch.
    session = models.ForeignKey(
        "courses.ClassSession",
        verbose_name=_("buổi học"),
        on_delete=models.PROTECT,
        related_name="attendance",
        db_index=False,
    )
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("ghi danh"),
        on_delete=models.PROTECT,
        related_name="attendance",
        db_index=False,
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=AttendanceStatus.choices)
    minutes = models.PositiveIntegerField(_("số phút tham dự"), default=0)
    # Attended time to the second where the source measures it (the platform's report, check-in
    # intervals); empty where it gives whole minutes (roll call, bulk), which then count as
    # minutes x 60. The figures compare seconds (enrollment.rules.completion), so 143 min 50 s is never
    # rounded up to 144 min across a threshold. `minutes` stays the whole minutes, rounded down.
    attended_seconds = models.PositiveIntegerField(_("số giây tham dự"), null=True, blank=True)
    source = models.CharField(_("nguồn"), max_length=20, choices=AttendanceSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("thời điểm ghi"), auto_now=True)
    note = NFCTextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("điểm danh")
        verbose_name_plural = _("điểm danh")
        constraints = [
            # A plain key, not one covering status and minutes: SQLite creates no constraint with
            # included columns, and the upserts need it as their arbiter on every database.
            models.UniqueConstraint(
                fields=["session", "enrollment"], name="attendance_session_enrollment_unique"
            ),
        ]
        indexes = [models.Index(fields=["enrollment", "session"])]

    def __str__(self):
        return f"{self.enrollment_id}/{self.session_id}: {self.status}"


class PresenceInterval(models.Model):
    """A join-leave interval of a learner in an online session (check-in or platform report).

    Repeated joins are kept as intervals and merged into the attendance record's minutes, so a
    learner who drops out and rejoins is neither counted twice nor lost.
    """

    session = models.ForeignKey(
        "courses.ClassSession",
        verbose_name=_("buổi học"),
        on_delete=models.CASCADE,
        related_name="presence_intervals",
    )
    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("ghi danh"), on_delete=models.CASCADE, related_name="presence_intervals"
    )
    joined_at = models.DateTimeField(_("vào lúc"))
    left_at = models.DateTimeField(_("rời lúc"), null=True, blank=True)
    # The last sign of presence of an open check-in (its check-in, then each heartbeat): an open
    # interval counts up to here, never to the end of the session by itself.
    last_seen_at = models.DateTimeField(_("hiện diện lần cuối lúc"), null=True, blank=True)
    source = models.CharField(_("nguồn"), max_length=20, choices=AttendanceSource.choices)

    class Meta:
        verbose_name = _("lượt vào lớp trực tuyến")
        verbose_name_plural = _("lượt vào lớp trực tuyến")
        ordering = ["session", "enrollment", "joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrollment", "joined_at", "source"], name="presence_interval_unique"
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("joined_at")),
                name="presence_interval_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.enrollment_id}/{self.session_id} {self.joined_at:%H:%M}-{self.left_at or ''}"
