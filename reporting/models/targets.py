"""What a programme aims for (targets) and what past programmes reported (baselines)."""

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField, NFCTextField
from courses.models import Level


class Target(models.Model):
    """How many lượt a programme aims for, for one level and optionally narrower scope."""

    programme = models.ForeignKey(
        "courses.Programme", verbose_name=_("chương trình"), on_delete=models.CASCADE, related_name="targets"
    )
    level = models.CharField(_("cấp thực hiện"), max_length=20, choices=Level.choices)
    province = models.ForeignKey(
        "courses.Province", verbose_name=_("tỉnh"), on_delete=models.PROTECT, null=True, blank=True
    )
    curriculum = models.ForeignKey(
        "courses.Curriculum",
        verbose_name=_("bộ chương trình"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    position = models.ForeignKey(
        "courses.Position", verbose_name=_("chức danh"), on_delete=models.PROTECT, null=True, blank=True
    )
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    target_luot = models.PositiveIntegerField(_("chỉ tiêu (lượt người)"))
    target_classes = models.PositiveIntegerField(_("số lớp"), null=True, blank=True)
    min_learners_per_class = models.PositiveIntegerField(
        _("số học viên tối thiểu mỗi lớp"), null=True, blank=True
    )
    budget_million_vnd = models.DecimalField(
        _("kinh phí (triệu đồng)"), max_digits=14, decimal_places=1, null=True, blank=True
    )
    note = NFCTextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["programme", "level", "province", "year"]
        constraints = [
            # One target per scope; nulls count as "any", so they must collide too.
            models.UniqueConstraint(
                "programme",
                "level",
                Coalesce("province", Value(0)),
                Coalesce("curriculum", Value(0)),
                Coalesce("position", Value(0)),
                Coalesce("year", Value(0)),
                name="target_scope_unique",
            ),
            models.CheckConstraint(
                condition=Q(budget_million_vnd__gte=0) | Q(budget_million_vnd__isnull=True),
                name="target_budget_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.programme} — {self.get_level_display()}: {self.target_luot}"


class Baseline(models.Model):
    """An achieved figure reported for a past programme, shown beside live figures."""

    programme = models.ForeignKey(
        "courses.Programme",
        verbose_name=_("chương trình"),
        on_delete=models.CASCADE,
        related_name="baselines",
    )
    level = models.CharField(_("cấp thực hiện"), max_length=20, choices=Level.choices, blank=True)
    province = models.ForeignKey(
        "courses.Province", verbose_name=_("tỉnh"), on_delete=models.PROTECT, null=True, blank=True
    )
    target_luot = models.PositiveIntegerField(_("chỉ tiêu (lượt người)"), null=True, blank=True)
    achieved_luot = models.PositiveIntegerField(_("đã thực hiện (lượt người)"))
    achieved_rate_percent = models.DecimalField(
        _("tỷ lệ đạt (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    spending_million_vnd = models.DecimalField(
        _("kinh phí (triệu đồng)"), max_digits=14, decimal_places=1, null=True, blank=True
    )
    communes = models.PositiveIntegerField(_("số xã"), null=True, blank=True)
    provinces_reporting = models.PositiveSmallIntegerField(_("số tỉnh báo cáo"), null=True, blank=True)
    source = NFCCharField(_("nguồn"), max_length=300)
    note = NFCTextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("số liệu đã báo cáo")
        verbose_name_plural = _("số liệu đã báo cáo")
        ordering = ["programme", "level"]
        constraints = [
            models.UniqueConstraint(
                "programme", "level", Coalesce("province", Value(0)), name="baseline_scope_unique"
            ),
        ]

    def __str__(self):
        return f"{self.programme}: {self.achieved_luot}"
