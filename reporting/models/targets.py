"""What a programme aims for (targets) and what past programmes reported (baselines)."""

from django.conf import settings
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
    # Allocations (chỉ tiêu giao) also say how many people (not lượt) are to be trained.
    target_learners = models.PositiveIntegerField(_("số học viên"), null=True, blank=True)
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


class AllocationScope(models.TextChoices):
    """Whom a programme's national targets are allocated to (chỉ tiêu giao)."""

    PROVINCE = "province", _("Tỉnh, thành phố")
    # The central training institutions as a group: the programme's central-level target.
    CENTRAL = "central", _("Các cơ sở đào tạo trung ương")


# The figures of a target that its history keeps, in the order they are shown.
TARGET_FIGURES = ("target_luot", "target_classes", "target_learners", "budget_million_vnd", "note")


class RevisionAction(models.TextChoices):
    CREATED = "created", _("Tạo mới")
    UPDATED = "updated", _("Sửa")
    DELETED = "deleted", _("Xoá")


class TargetRevision(models.Model):
    """One change of a target's figures, with who made it: appended by the services that write
    targets (reporting.services.programmes), in the same transaction, never changed afterwards.

    Each revision holds the figures as the change left them and, in `previous`, as they were
    before, so the earlier figures survive even of a target loaded before history was kept. A
    deleted target keeps its revisions (target set to null; `scope` says whose they were).
    """

    target = models.ForeignKey(
        Target,
        verbose_name=_("chỉ tiêu"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisions",
    )
    action = models.CharField(_("thao tác"), max_length=10, choices=RevisionAction.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thay đổi"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    # "api", "import" (with the import job's id in `note`), "admin".
    source = models.CharField(_("nguồn"), max_length=20)
    target_luot = models.PositiveIntegerField(_("chỉ tiêu (lượt người)"))
    target_classes = models.PositiveIntegerField(_("số lớp"), null=True, blank=True)
    target_learners = models.PositiveIntegerField(_("số học viên"), null=True, blank=True)
    budget_million_vnd = models.DecimalField(
        _("kinh phí (triệu đồng)"), max_digits=14, decimal_places=1, null=True, blank=True
    )
    note = NFCTextField(_("ghi chú"), blank=True)
    # The figures before the change (TARGET_FIGURES, JSON: the budget as a string); null when created.
    previous = models.JSONField(_("trước khi thay đổi"), null=True, blank=True)
    # Whose target it is (programme, level, province, year), kept for a deleted target.
    scope = models.JSONField(_("phạm vi"), default=dict)

    class Meta:
        verbose_name = _("lịch sử chỉ tiêu")
        verbose_name_plural = _("lịch sử chỉ tiêu")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["target", "-changed_at"])]

    def __str__(self):
        return f"{self.scope.get('label', self.target_id)} — {self.get_action_display()} {self.changed_at:%Y-%m-%d}"


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
