from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField


class MappingKind(models.TextChoices):
    """The files a column mapping is for: each has its own fields (courses.services.column_mappings)."""

    ENROLMENT = "enrolment", _("Danh sách học viên ghi danh vào lớp")
    CATALOGUE = "catalogue", _("Danh mục bộ chương trình")
    PLATFORM_REPORT = "platform_report", _("Báo cáo người tham gia của nền tảng họp trực tuyến")
    SCORES = "scores", _("Bảng điểm đánh giá cuối khóa")


class ColumnMapping(models.Model):
    """Which field each heading of a layout the importers don't know is ({heading as written: field}),
    saved under a name by a trainer or an admin so that later uploads of the same layout reuse it.

    A mapping belongs to a province (its trainers and admins use it), or to a training institution
    (the trainers of its classes use it: a central school's trainers have no province), or to
    neither, national: everyone who imports uses it, only central admins change it. Never to both.
    """

    name = NFCCharField(_("tên"), max_length=100)
    kind = models.CharField(_("loại tệp"), max_length=20, choices=MappingKind.choices)
    mapping = models.JSONField(_("ánh xạ cột"), default=dict)
    province = models.ForeignKey(
        "courses.Province",
        verbose_name=_("tỉnh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="column_mappings",
        help_text=_("Để trống: dùng chung toàn quốc."),
    )
    institution = models.ForeignKey(
        "courses.TrainingInstitution",
        verbose_name=_("cơ sở đào tạo"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="column_mappings",
        help_text=_("Điền khi ánh xạ thuộc một cơ sở đào tạo (khi đó để trống tỉnh)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="column_mappings",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("ánh xạ cột")
        verbose_name_plural = _("ánh xạ cột")
        ordering = ["kind", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(province__isnull=True) | Q(institution__isnull=True),
                name="column_mapping_province_or_institution",
            ),
            # Conditional constraints rather than one with nulls_distinct=False, which SQLite (the
            # no-install development set-up) does not support: a name is unique among a province's
            # mappings of a kind, among an institution's, and among the national ones.
            models.UniqueConstraint(
                fields=["kind", "province", "name"],
                condition=Q(province__isnull=False),
                name="column_mapping_unique_in_province",
            ),
            models.UniqueConstraint(
                fields=["kind", "institution", "name"],
                condition=Q(institution__isnull=False),
                name="column_mapping_unique_in_institution",
            ),
            models.UniqueConstraint(
                fields=["kind", "name"],
                condition=Q(province__isnull=True, institution__isnull=True),
                name="column_mapping_unique_national",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"
