from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField, NFCTextField
from courses.core.text import fold, vietnamese_name_key
from courses.models import AreaType

national_id_validator = RegexValidator(
    r"^\d{12}$", _("Số định danh cá nhân gồm đúng 12 chữ số."), code="invalid_national_id"
)

legacy_id_validator = RegexValidator(
    r"^\d{9}$", _("Số chứng minh nhân dân (CMND) cũ gồm đúng 9 chữ số."), code="invalid_legacy_id"
)

# The majority ethnic group; every other recorded ethnicity is an ethnic minority (dân tộc thiểu số).
MAJORITY_ETHNICITY = "Kinh"


class Gender(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")
    OTHER = "other", _("Khác")


class Learner(models.Model):
    """A commune official who takes courses; signs in through their own user account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.PROTECT,
        related_name="learner",
    )
    national_id = models.CharField(
        _("số định danh cá nhân"), max_length=12, unique=True, validators=[national_id_validator]
    )
    # The old 9-digit identity card number (CMND), a different document from the 12-digit id: kept
    # so that a file giving only it finds the learner (enrollment/services/learners.py). Blank: none.
    # A default in the database too, for rows written in SQL (generate_dataset's COPY).
    legacy_id_number = models.CharField(
        _("số CMND cũ"),
        max_length=9,
        blank=True,
        default="",
        db_default="",
        validators=[legacy_id_validator],
    )
    full_name = NFCCharField(_("họ và tên"), max_length=200)
    gender = models.CharField(_("giới tính"), max_length=10, choices=Gender.choices)
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    ethnicity = NFCCharField(_("dân tộc"), max_length=50, default=MAJORITY_ETHNICITY)
    is_ethnic_minority = models.BooleanField(_("dân tộc thiểu số"), default=False, editable=False)
    commune = models.ForeignKey(
        "courses.Commune", verbose_name=_("xã, phường"), on_delete=models.PROTECT, null=True, blank=True
    )
    province = models.ForeignKey(
        "courses.Province", verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="learners"
    )
    position = models.ForeignKey(
        "courses.Position", verbose_name=_("chức danh"), on_delete=models.PROTECT, null=True, blank=True
    )
    area_type = models.CharField(_("loại địa bàn"), max_length=10, choices=AreaType.choices, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    # Name and id folded (lower case, no diacritics), so "nguyen van an" finds "Nguyễn Văn An".
    search_text = models.TextField(_("chuỗi tìm kiếm"), editable=False, default="")
    # The name's place in Vietnamese order (courses.core.text.vietnamese_name_key): every list of
    # learners orders by it, the same on PostgreSQL and SQLite, whatever the database's collation.
    sort_key = models.TextField(_("khoá sắp xếp"), editable=False, default="")
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("học viên")
        verbose_name_plural = _("học viên")
        ordering = ["sort_key", "id"]
        indexes = [models.Index(fields=["sort_key", "id"], name="learner_sort_key")]
        constraints = [
            models.CheckConstraint(
                condition=Q(national_id__regex=r"^[0-9]{12}$"), name="learner_national_id_12_digits"
            ),
            models.CheckConstraint(
                condition=Q(legacy_id_number="") | Q(legacy_id_number__regex=r"^[0-9]{9}$"),
                name="learner_legacy_id_9_digits",
            ),
            models.UniqueConstraint(
                fields=["legacy_id_number"],
                condition=~Q(legacy_id_number=""),
                name="learner_legacy_id_unique",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.national_id})"

    def save(self, *args, **kwargs):
        self.derive_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *self.DERIVED_FIELDS}
        super().save(*args, **kwargs)

    DERIVED_FIELDS = ("is_ethnic_minority", "search_text", "sort_key")

    def derive_fields(self) -> None:
        """Fields computed from others; bulk_create skips save(), so bulk writers call this."""
        self.is_ethnic_minority = self.ethnicity_is_minority(self.ethnicity)
        self.search_text = self.build_search_text(self.full_name, self.national_id)
        self.sort_key = vietnamese_name_key(self.full_name)

    @staticmethod
    def build_search_text(full_name: str, national_id: str) -> str:
        return f"{fold(full_name)} {national_id}"

    @staticmethod
    def ethnicity_is_minority(ethnicity: str) -> bool:
        return bool(ethnicity) and fold(ethnicity) != fold(MAJORITY_ETHNICITY)

    @property
    def position_category(self) -> str:
        return self.position.category if self.position_id else ""


class EnrollmentStatus(models.TextChoices):
    WAITLISTED = "waitlisted", _("Danh sách chờ")
    ENROLLED = "enrolled", _("Đã ghi danh")
    WITHDRAWN = "withdrawn", _("Đã rút")
    COMPLETED = "completed", _("Hoàn thành")
    NOT_COMPLETED = "not_completed", _("Không hoàn thành")


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


class AuditEntry(models.Model):
    """Who changed an enrolment or an attendance record, when, from what to what, and how."""

    entity = models.CharField(_("đối tượng"), max_length=20)  # "enrollment" or "attendance"
    entity_id = models.BigIntegerField(_("mã đối tượng"))
    # An append-only log written in the same statement as the records it describes, from their
    # class and their recorder: its references are not checked again by the database (a bulk
    # batch of 6,300 records would pay 12,600 checks at commit). Deleting a class or a user still
    # cascades or clears them (Django's collector). The class is indexed by (training_class, at)
    # below, not on its own: one index write less per entry.
    training_class = models.ForeignKey(
        "courses.TrainingClass",
        verbose_name=_("lớp"),
        on_delete=models.CASCADE,
        related_name="audit_entries",
        db_index=False,
        db_constraint=False,
    )
    action = models.CharField(_("thao tác"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    before = models.JSONField(_("trước"), null=True, blank=True)
    after = models.JSONField(_("sau"), null=True, blank=True)
    source = models.CharField(_("nguồn"), max_length=20, blank=True)
    reason = NFCTextField(_("lý do"), blank=True)

    class Meta:
        verbose_name = _("lịch sử thay đổi")
        verbose_name_plural = _("lịch sử thay đổi")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["entity", "entity_id"]),
            models.Index(fields=["training_class", "at"]),
        ]

    def __str__(self):
        return f"{self.entity} {self.entity_id} {self.action} {self.at:%d/%m/%Y %H:%M}"


class StaleClass(models.Model):
    """A class whose progress figures need recomputing after an attendance, score or enrolment change.

    Writers upsert a row here and enqueue the recompute by task name, so that recording
    attendance never depends on the reporting code; the recompute job deletes the row it handled.
    """

    training_class = models.OneToOneField(
        "courses.TrainingClass",
        verbose_name=_("lớp"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stale_mark",
    )
    marked_at = models.DateTimeField(_("đánh dấu lúc"))

    class Meta:
        verbose_name = _("lớp cần tính lại")
        verbose_name_plural = _("lớp cần tính lại")

    def __str__(self):
        return f"{self.training_class_id} @ {self.marked_at}"


class LearnerDataAccess(models.Model):
    """One read of a learner's record by someone other than the learner: who, when, through which
    endpoint (and class), at which level (full record or roster fields).

    Append-only and written in one statement per request (enrollment.services.data_access). Its
    references are not checked by the database, and a row outlives the account or learner it
    names: an access log must keep who read what even after either is removed.
    """

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đọc"),
        on_delete=models.DO_NOTHING,
        # Nullable only so that a listing joins readers with LEFT JOIN; every row names one.
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    learner = models.ForeignKey(
        Learner,
        verbose_name=_("học viên"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    endpoint = models.CharField(_("chức năng"), max_length=100)
    path = models.CharField(_("đường dẫn"), max_length=300)
    training_class = models.ForeignKey(
        "courses.TrainingClass",
        verbose_name=_("qua lớp"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    full_record = models.BooleanField(_("hồ sơ đầy đủ"))

    class Meta:
        verbose_name = _("lượt đọc dữ liệu cá nhân")
        verbose_name_plural = _("lượt đọc dữ liệu cá nhân")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["learner", "at"]),
            models.Index(fields=["reader", "at"]),
        ]

    def __str__(self):
        return f"{self.reader_id} -> {self.learner_id} {self.endpoint} {self.at:%d/%m/%Y %H:%M}"


# --- the completion rule (moved from reporting: enrollment reads it, never reporting) -----------


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
