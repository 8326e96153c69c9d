"""A learner's place in a class: its status, how it was made, and the final assessment score."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .learners import Learner


class EnrollmentStatus(models.TextChoices):
    WAITLISTED = "waitlisted", _("Danh sách chờ")
    ENROLLED = "enrolled", _("Đã ghi danh")
    WITHDRAWN = "withdrawn", _("Đã rút")
    COMPLETED = "completed", _("Hoàn thành")
    NOT_COMPLETED = "not_completed", _("Không hoàn thành")


# The enrolments that hold a seat in the class: their learners attend, are marked and scored.
SEAT_STATUSES = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.NOT_COMPLETED)
# On the roster or waiting for a seat.
ACTIVE_STATUSES = (EnrollmentStatus.WAITLISTED, *SEAT_STATUSES)


class EnrollmentSource(models.TextChoices):
    SELF = "self", _("Học viên tự đăng ký")
    TRAINER = "trainer", _("Giảng viên")
    ADMIN = "admin", _("Quản trị")
    IMPORT = "import", _("Nhập từ tệp")


class Enrollment(models.Model):
    learner = models.ForeignKey(
        Learner, verbose_name=_("học viên"), on_delete=models.PROTECT, related_name="enrollments"
    )
    training_class = models.ForeignKey(
        "courses.TrainingClass", verbose_name=_("lớp"), on_delete=models.PROTECT, related_name="enrollments"
    )
    status = models.CharField(_("trạng thái"), max_length=15, choices=EnrollmentStatus.choices)
    source = models.CharField(_("nguồn"), max_length=10, choices=EnrollmentSource.choices)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi danh"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Final assessment on the 10-point scale, where the curriculum has one.
    final_score = models.DecimalField(
        _("điểm kiểm tra cuối khoá"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("thời điểm đăng ký"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("thời điểm đổi trạng thái"), auto_now_add=True)

    class Meta:
        verbose_name = _("ghi danh")
        verbose_name_plural = _("ghi danh")
        ordering = ["training_class", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "training_class"], name="enrollment_learner_class_unique"
            ),
            models.CheckConstraint(
                condition=Q(final_score__isnull=True) | Q(final_score__gte=0, final_score__lte=10),
                name="enrollment_score_on_10_point_scale",
            ),
        ]
        indexes = [models.Index(fields=["training_class", "status", "created_at"])]

    def __str__(self):
        return f"{self.learner} — {self.training_class.code}"
