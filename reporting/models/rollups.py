"""The rollup rows the reports read, by generation, slice and dimension."""

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class GenerationStatus(models.TextChoices):
    BUILDING = "building", _("Đang dựng")
    LIVE = "live", _("Đang dùng")
    RETIRED = "retired", _("Đã thay")
    FAILED = "failed", _("Lỗi")


class RollupGeneration(models.Model):
    """A complete set of rollup rows. Reports read only the live one.

    A full rebuild writes a new generation province by province while the live one keeps serving,
    then publishes it in one transaction (the old one retires), so a report never mixes rebuilt
    and not-yet-rebuilt provinces. Incremental refreshes replace one province's rows of every
    generation not retired, in one transaction each.
    """

    status = models.CharField(_("trạng thái"), max_length=10, choices=GenerationStatus.choices)
    reason = models.CharField(_("lý do"), max_length=30, blank=True)
    started_at = models.DateTimeField(_("bắt đầu"))
    # The last province rebuilt into it: a generation building with no progress for longer than a
    # lost task takes to come back is abandoned (reporting.services.rollups.rollup_generations_abandoned).
    progressed_at = models.DateTimeField(_("tiến triển lúc"), null=True, blank=True)
    # The rebuild_progress task that started it: a second delivery of that task starts nothing.
    task_id = models.CharField(_("tác vụ"), max_length=64, blank=True, default="")
    published_at = models.DateTimeField(_("đưa vào dùng lúc"), null=True, blank=True)
    retired_at = models.DateTimeField(_("thay lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lần tổng hợp")
        verbose_name_plural = _("lần tổng hợp")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="live"), name="rollup_one_live_generation"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.status}"


class Dimension(models.TextChoices):
    """What a rollup row breaks its figures down by."""

    TOTAL = "total", _("Tổng")
    PROVINCE = "province", _("Tỉnh (đơn vị tại thời điểm học)")
    CURRENT_PROVINCE = "current_province", _("Tỉnh (34 tỉnh hiện nay)")
    REGION = "region", _("Vùng")
    CURRICULUM = "curriculum", _("Bộ chương trình")
    MODE = "mode", _("Hình thức")
    POSITION = "position", _("Chức danh")
    GENDER = "gender", _("Giới tính")
    ETHNIC_MINORITY = "ethnic_minority", _("Dân tộc thiểu số")


# Dimensions of the learner rather than of the class: class counts and spending do not split by them.
LEARNER_DIMENSIONS = (Dimension.POSITION, Dimension.GENDER, Dimension.ETHNIC_MINORITY)
CLASS_DIMENSIONS = tuple(d for d in Dimension if d not in LEARNER_DIMENSIONS)
ALL_LEVELS = ""
ALL_YEARS = 0


class ProgressRollup(models.Model):
    """Progress figures of one slice: programme x level x year x scope, broken down by one dimension.

    - level "" is every level; year 0 is the whole programme period (a class counts in the year
      it ends); scope_province empty is national, else one of the 34 current provinces (legacy
      units included);
    - dimension + key: "total" (key ""), "province" (the unit at the time, key = its id),
      "current_province", "region", "curriculum", "mode", "position" (key "" when unknown),
      "gender", "ethnic_minority" ("1"/"0"); key_id is the id for province, curriculum and
      position keys, code and label their code and name;
    - class counts and spending are empty for the learner dimensions (position, gender, ethnic
      minority), which do not split a class.
    """

    generation = models.ForeignKey(
        RollupGeneration,
        verbose_name=_("lần tổng hợp"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
    )
    # Without database constraints: rows are rebuilt from the classes, and a programme deleted in
    # the meantime must not be blocked by figures about to be replaced.
    scope_province = models.ForeignKey(
        "courses.Province",
        verbose_name=_("phạm vi tỉnh"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    programme = models.ForeignKey(
        "courses.Programme",
        verbose_name=_("chương trình"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    level = models.CharField(_("cấp thực hiện"), max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(_("năm"))
    dimension = models.CharField(_("chiều"), max_length=20, choices=Dimension.choices)
    key = models.CharField(_("giá trị"), max_length=50, blank=True)
    key_id = models.BigIntegerField(_("mã bản ghi của giá trị"), null=True, blank=True)
    code = models.CharField(_("mã"), max_length=60, blank=True)
    label = models.CharField(_("tên"), max_length=300, blank=True)

    target_luot = models.PositiveIntegerField(_("chỉ tiêu (lượt)"), null=True, blank=True)
    achieved_luot = models.PositiveIntegerField(_("đã hoàn thành (lượt)"))
    rate_percent = models.DecimalField(_("tỷ lệ đạt (%)"), max_digits=9, decimal_places=2, null=True)
    enrolled = models.PositiveIntegerField(_("đã ghi danh"))
    in_progress = models.PositiveIntegerField(_("đang học"))
    not_completed = models.PositiveIntegerField(_("không hoàn thành"))
    classes_planned = models.PositiveIntegerField(_("số lớp kế hoạch"), null=True)
    classes_started = models.PositiveIntegerField(_("số lớp đã khai giảng"), null=True)
    classes_held = models.PositiveIntegerField(_("số lớp đã kết thúc"), null=True)
    spending_million_vnd = models.DecimalField(
        _("kinh phí (triệu đồng)"), max_digits=16, decimal_places=1, null=True
    )
    cost_per_luot_million_vnd = models.DecimalField(
        _("chi phí mỗi lượt (triệu đồng)"), max_digits=14, decimal_places=3, null=True
    )
    period_start = models.DateField(_("từ ngày"), null=True)
    period_end = models.DateField(_("đến ngày"), null=True)
    elapsed_percent = models.DecimalField(
        _("thời gian đã qua (%)"), max_digits=6, decimal_places=2, null=True
    )
    projected_luot = models.PositiveIntegerField(_("dự kiến cuối kỳ (lượt)"), null=True)
    projected_rate_percent = models.DecimalField(
        _("dự kiến tỷ lệ đạt (%)"), max_digits=9, decimal_places=2, null=True
    )
    computed_at = models.DateTimeField(_("tính lúc"))

    class Meta:
        verbose_name = _("số liệu tổng hợp")
        verbose_name_plural = _("số liệu tổng hợp")
        constraints = [
            # No slice row twice in a generation: a double insert fails instead of double counting.
            models.UniqueConstraint(
                "generation",
                Coalesce("scope_province", Value(0)),
                Coalesce("programme", Value(0)),
                "level",
                "year",
                "dimension",
                "key",
                name="rollup_row_unique",
            ),
        ]
        indexes = [
            # What reports filter on, in this order; scope_province IS NULL is the national scope.
            models.Index(
                fields=["generation", "scope_province", "programme", "level", "year", "dimension"],
                name="rollup_slice_idx",
            ),
            models.Index(
                fields=["generation", "programme", "level", "year", "dimension", "key"],
                name="rollup_key_idx",
            ),
        ]

    def __str__(self):
        return f"{self.programme_id}/{self.level or '*'}/{self.year or '*'} {self.dimension}={self.key}"
