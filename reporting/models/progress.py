"""The computed progress of each enrolment and each class (issue 4): written only by the
aggregation jobs (reporting.services), read by the reports and a learner's own progress."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    """Where an enrolment stands, as last computed."""

    WAITLISTED = "waitlisted", _("Danh sách chờ")
    WITHDRAWN = "withdrawn", _("Đã rút")
    IN_PROGRESS = "in_progress", _("Đang học")
    COMPLETED = "completed", _("Hoàn thành")
    NOT_COMPLETED = "not_completed", _("Không hoàn thành")


class EnrollmentProgress(models.Model):
    """The computed progress of one enrolment; written only by the aggregation jobs.

    Minutes: attended = present/late minutes, each session capped at its planned minutes; excused =
    planned minutes of the sessions marked excused; credited and base are the numerator and
    denominator of the percentage after the rule's excused policy. The percentage is truncated to
    two decimals, so it shows 79.99 rather than a rounded 80.00 for an enrolment that misses 80%.
    """

    enrollment = models.OneToOneField(
        "enrollment.Enrollment",
        verbose_name=_("ghi danh"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="progress",
    )
    training_class = models.ForeignKey(
        "courses.TrainingClass", verbose_name=_("lớp"), on_delete=models.CASCADE, related_name="+"
    )
    planned_minutes = models.PositiveIntegerField(_("số phút theo kế hoạch"))
    attended_minutes = models.PositiveIntegerField(_("số phút tham dự"))
    # To the second (enrollment.rules.completion): the percentage and the rule are computed from these,
    # the minute columns are the same time in whole minutes, rounded down.
    attended_seconds = models.PositiveBigIntegerField(_("số giây tham dự"), default=0)
    excused_minutes = models.PositiveIntegerField(_("số phút vắng có phép"))
    credited_minutes = models.PositiveIntegerField(_("số phút được tính"))
    credited_seconds = models.PositiveBigIntegerField(_("số giây được tính"), default=0)
    base_minutes = models.PositiveIntegerField(_("số phút làm căn cứ"))
    percent = models.DecimalField(_("tỷ lệ tham dự (%)"), max_digits=5, decimal_places=2)
    final_score = models.DecimalField(
        _("điểm kiểm tra cuối khoá"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    meets_attendance = models.BooleanField(_("đạt tỷ lệ tham dự"))
    meets_score = models.BooleanField(_("đạt điểm"))
    meets_rule = models.BooleanField(_("đạt điều kiện hoàn thành"))
    outcome = models.CharField(_("kết quả"), max_length=15, choices=Outcome.choices)
    counted_luot = models.PositiveSmallIntegerField(_("số lượt được tính"))
    # When these figures last changed: a recompute leaves an unchanged row alone (the class's
    # ClassProgress.computed_at says when it was last recomputed).
    computed_at = models.DateTimeField(_("tính lúc"))

    class Meta:
        verbose_name = _("tiến độ học viên")
        verbose_name_plural = _("tiến độ học viên")
        constraints = [
            models.CheckConstraint(condition=Q(counted_luot__in=[0, 1]), name="progress_luot_zero_or_one"),
            models.CheckConstraint(
                condition=Q(counted_luot=0) | Q(outcome="completed"), name="progress_luot_only_completed"
            ),
        ]
        indexes = [models.Index(fields=["training_class", "outcome"])]

    def __str__(self):
        return f"{self.enrollment_id}: {self.percent}%"


class ClassProgress(models.Model):
    """The computed figures of one class; written only by the aggregation jobs.

    Enrolment counts are of enrolments (lượt), not distinct people. `revision` counts the
    recomputes, which shows how well bursts of writes are coalesced.
    """

    training_class = models.OneToOneField(
        "courses.TrainingClass",
        verbose_name=_("lớp"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="progress",
    )
    # The current province the class rolls up into when last computed: a change of the class's
    # province must refresh the old province's figures too.
    scope_province = models.ForeignKey(
        "courses.Province", verbose_name=_("tỉnh hiện nay"), on_delete=models.PROTECT, related_name="+"
    )
    class_status = models.CharField(_("trạng thái lớp"), max_length=10)
    enrolled = models.PositiveIntegerField(_("đã ghi danh"))
    waitlisted = models.PositiveIntegerField(_("danh sách chờ"))
    withdrawn = models.PositiveIntegerField(_("đã rút"))
    in_progress = models.PositiveIntegerField(_("đang học"))
    meeting_rule = models.PositiveIntegerField(_("đang đạt điều kiện"))
    completed_luot = models.PositiveIntegerField(_("hoàn thành (lượt)"))
    not_completed = models.PositiveIntegerField(_("không hoàn thành"))
    planned_sessions = models.PositiveIntegerField(_("số buổi theo kế hoạch"))
    held_sessions = models.PositiveIntegerField(_("số buổi đã học"))
    planned_minutes = models.PositiveIntegerField(_("số phút theo kế hoạch"))
    held_minutes = models.PositiveIntegerField(_("số phút đã học"))
    attended_minutes = models.PositiveBigIntegerField(_("tổng số phút tham dự"))
    average_percent = models.DecimalField(
        _("tỷ lệ tham dự bình quân (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    revision = models.PositiveIntegerField(_("số lần tính"), default=1)
    computed_at = models.DateTimeField(_("tính lúc"))

    class Meta:
        verbose_name = _("tiến độ lớp")
        verbose_name_plural = _("tiến độ lớp")
        indexes = [models.Index(fields=["scope_province"])]

    def __str__(self):
        return f"{self.training_class_id}: {self.completed_luot}/{self.enrolled}"
