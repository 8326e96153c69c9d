"""The completion rule (moved from reporting: enrollment reads it, never reporting)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCTextField


class ExcusedPolicy(models.TextChoices):
    """How an excused absence (vắng có phép) counts towards the attendance threshold.

    An excused session contributes its full planned minutes as "excused minutes"; the policy
    decides what those minutes do to the percentage.
    """

    ABSENT = "absent", _("Tính như vắng")
    ATTENDED = "attended", _("Tính như có mặt")
    EXCLUDED = "excluded", _("Không tính vào tổng số phút")


# Built-in values, used when neither the programme nor the default rule row says otherwise.
DEFAULT_MIN_ATTENDANCE_PERCENT = Decimal("80")
DEFAULT_MIN_FINAL_SCORE = Decimal("5")
DEFAULT_EXCUSED_POLICY = ExcusedPolicy.ABSENT


class CompletionRule(models.Model):
    """When an enrolment counts as completed (one lượt): one rule per programme, plus a default.

    The row without a programme is the default for programmes without their own rule (and for
    classes outside any programme); without that row the built-in defaults apply (80%, excused
    counted as absent, score 5). The percentage is of the class's planned minutes over all its
    sessions, past and future; the score applies only where the curriculum has a final assessment.
    """

    programme = models.ForeignKey(
        "courses.Programme",
        verbose_name=_("chương trình"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="completion_rules",
        help_text=_("Để trống: quy định mặc định cho các chương trình chưa có quy định riêng."),
    )
    min_attendance_percent = models.DecimalField(
        _("tỷ lệ tham dự tối thiểu (%)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_MIN_ATTENDANCE_PERCENT,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    excused_policy = models.CharField(
        _("vắng có phép"), max_length=10, choices=ExcusedPolicy.choices, default=DEFAULT_EXCUSED_POLICY
    )
    min_final_score = models.DecimalField(
        _("điểm kiểm tra cuối khoá tối thiểu"),
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_MIN_FINAL_SCORE,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    note = NFCTextField(_("ghi chú"), blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        # Created by reporting (issue 4) and moved here without touching the table.
        db_table = "reporting_completionrule"
        verbose_name = _("điều kiện hoàn thành")
        verbose_name_plural = _("điều kiện hoàn thành")
        ordering = ["programme"]
        constraints = [
            # One rule per programme and one default; the default's empty programme must collide too.
            models.UniqueConstraint(
                Coalesce("programme", Value(0)), name="completion_rule_one_per_programme"
            ),
            models.CheckConstraint(
                condition=Q(min_attendance_percent__gte=0, min_attendance_percent__lte=100),
                name="completion_rule_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(min_final_score__gte=0, min_final_score__lte=10),
                name="completion_rule_score_range",
            ),
        ]

    def __str__(self):
        scope = self.programme or _("mặc định")
        return f"{scope}: {self.min_attendance_percent}%"
