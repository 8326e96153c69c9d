from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField, NFCTextField
from courses.models import Level

# The completion rule and its built-in values live in enrollment (a learner's own progress and the
# roster read them there, and enrollment never imports reporting); re-exported for reporting.
from enrollment.models import (  # noqa: F401
    DEFAULT_EXCUSED_POLICY,
    DEFAULT_MIN_ATTENDANCE_PERCENT,
    DEFAULT_MIN_FINAL_SCORE,
    CompletionRule,
    ExcusedPolicy,
)


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


# --- completion, certificates and progress figures (issue 4) ------------------------------------


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


class Certificate(models.Model):
    """A certificate (giấy chứng nhận) of a completed enrolment.

    Issued when the class finishes; if a later correction makes the enrolment not completed the
    certificate is revoked (kept, so that its number is never reused and its code stops verifying),
    and reinstated with the same number and code if it becomes completed again.
    """

    enrollment = models.OneToOneField(
        "enrollment.Enrollment",
        verbose_name=_("ghi danh"),
        on_delete=models.CASCADE,
        related_name="certificate",
    )
    # Set in the same transaction that issues the certificate (GCN-<year>-<id>), so never seen empty.
    number = models.CharField(_("số hiệu"), max_length=30, unique=True, null=True, blank=True)
    verification_code = models.CharField(_("mã xác thực"), max_length=32, unique=True)
    issued_at = models.DateTimeField(_("ngày cấp"))
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("giấy chứng nhận")
        verbose_name_plural = _("giấy chứng nhận")
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return self.number or f"#{self.pk}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class StaleRollup(models.Model):
    """A rollup scope waiting for a refresh: a current province's id, 0 for the national rows, or
    TARGETS for the targets every row carries.

    Like StaleClass: the refresh is enqueued only when the mark is new, so a burst of class
    recomputes in one province leads to a few province refreshes; a mark whose task was lost is
    queued again by reconcile.
    """

    NATIONAL = 0
    TARGETS = 2**40  # beyond any province id

    scope = models.PositiveBigIntegerField(_("phạm vi"), primary_key=True)
    marked_at = models.DateTimeField(_("đánh dấu lúc"))

    class Meta:
        verbose_name = _("phạm vi tổng hợp cần tính lại")
        verbose_name_plural = _("phạm vi tổng hợp cần tính lại")

    def __str__(self):
        return f"{self.scope} @ {self.marked_at}"


class ClaimKind(models.TextChoices):
    CLASS = "class", _("Lớp")
    ROLLUP = "rollup", _("Phạm vi tổng hợp")


class StaleClaim(models.Model):
    """A stale mark (StaleClass, StaleRollup) taken by the task that handles it, kept until that
    task's figures commit: the task deletes it in the transaction that writes them.

    The mark itself is taken (deleted) first, in a transaction of its own, so that a write landing
    meanwhile marks again and enqueues again, never waiting for the recompute. A claim left behind
    belongs to a task that died before committing: reconcile turns it back into a mark once it is
    a few minutes old and no transaction holds it (reporting.services.progress.stale_reconcile).
    """

    kind = models.CharField(_("loại"), max_length=10, choices=ClaimKind.choices)
    key = models.BigIntegerField(_("mã"))  # a class's id, or a rollup scope
    claimed_at = models.DateTimeField(_("nhận lúc"))

    class Meta:
        verbose_name = _("dấu cần tính lại đang xử lý")
        verbose_name_plural = _("dấu cần tính lại đang xử lý")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="stale_claim_one_per_mark")]

    def __str__(self):
        return f"{self.kind} {self.key} @ {self.claimed_at}"


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
    # lost task takes to come back is abandoned (reporting.services.progress.rollup_generations_abandoned).
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
