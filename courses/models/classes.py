from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField, NFCTextField
from courses.core.text import fold
from courses.models.programmes import Level


class InstitutionKind(models.TextChoices):
    CENTRAL = "central", _("Cơ sở đào tạo trung ương")
    PROVINCIAL = "provincial", _("Cơ sở đào tạo cấp tỉnh")
    OTHER = "other", _("Khác")


class TrainingInstitution(models.Model):
    """A school or centre that organises classes (a ministry's school, a provincial political school)."""

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    name = NFCCharField(_("tên"), max_length=300)
    kind = models.CharField(_("loại"), max_length=20, choices=InstitutionKind.choices)
    governing_body = NFCCharField(_("cơ quan chủ quản"), max_length=300, blank=True)
    province = models.ForeignKey(
        "courses.Province", verbose_name=_("tỉnh"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("cơ sở đào tạo")
        verbose_name_plural = _("cơ sở đào tạo")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ClassMode(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    IN_PERSON = "in_person", _("Trực tiếp")
    BLENDED = "blended", _("Kết hợp")


class ClassStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    OPEN = "open", _("Đang tuyển sinh")
    RUNNING = "running", _("Đang học")
    FINISHED = "finished", _("Đã kết thúc")
    CLOSED = "closed", _("Đã khoá sổ")


# Allowed status moves; closed is final (attendance is then final too).
CLASS_STATUS_FLOW = {
    ClassStatus.DRAFT: {ClassStatus.OPEN},
    ClassStatus.OPEN: {ClassStatus.RUNNING, ClassStatus.DRAFT},
    ClassStatus.RUNNING: {ClassStatus.FINISHED},
    ClassStatus.FINISHED: {ClassStatus.CLOSED, ClassStatus.RUNNING},
    ClassStatus.CLOSED: set(),
}


class TrainingClassQuerySet(models.QuerySet):
    def taught_by(self, user):
        return self.filter(trainers=user)

    def with_planned_minutes(self):
        return self.annotate(planned_minutes_sum=Sum("sessions__planned_minutes"))

    def outside_programme_period(self):
        """Classes ending outside their programme's period, which the service no longer accepts
        (courses.rules.classes.programme_period_error) but older data may hold."""
        return self.filter(programme__isnull=False).filter(
            Q(end_date__gt=F("programme__period_end")) | Q(end_date__lt=F("programme__period_start"))
        )


class TrainingClass(models.Model):
    """A class (lớp bồi dưỡng) running one version of a curriculum."""

    code = models.SlugField(_("mã lớp"), max_length=60, unique=True)
    title = NFCCharField(_("tên lớp"), max_length=300)
    curriculum = models.ForeignKey(
        "courses.Curriculum",
        verbose_name=_("bộ chương trình"),
        on_delete=models.PROTECT,
        related_name="classes",
    )
    # Organised by a training institution, a province, or both (a provincial school for its province).
    institution = models.ForeignKey(
        TrainingInstitution,
        verbose_name=_("cơ sở đào tạo"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="classes",
    )
    organiser_province = models.ForeignKey(
        "courses.Province",
        verbose_name=_("tỉnh tổ chức"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organised_classes",
    )
    # The unit in force when the class was held: classes before July 2025 keep their old province.
    province = models.ForeignKey(
        "courses.Province", verbose_name=_("tỉnh nơi học"), on_delete=models.PROTECT, related_name="classes"
    )
    mode = models.CharField(_("hình thức"), max_length=10, choices=ClassMode.choices)
    programme = models.ForeignKey(
        "courses.Programme",
        verbose_name=_("chương trình"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="classes",
    )
    level = models.CharField(_("cấp thực hiện"), max_length=20, choices=Level.choices)
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("giảng viên"), related_name="taught_classes", blank=True
    )
    enrolment_opens = models.DateField(_("mở đăng ký"), null=True, blank=True)
    enrolment_closes = models.DateField(_("đóng đăng ký"), null=True, blank=True)
    start_date = models.DateField(_("ngày khai giảng"))
    end_date = models.DateField(_("ngày bế giảng"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ClassStatus.choices, default=ClassStatus.DRAFT
    )
    # In-person classes have a maximum (and a waitlist beyond it); online classes have none.
    capacity = models.PositiveIntegerField(_("sĩ số tối đa"), null=True, blank=True)
    planned_size = models.PositiveIntegerField(_("sĩ số dự kiến"), null=True, blank=True)
    spending_million_vnd = models.DecimalField(
        _("kinh phí (triệu đồng)"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    description = NFCTextField(_("mô tả"), blank=True)
    # Code and title folded (lower case, no diacritics), so "boi duong" finds "Bồi dưỡng".
    search_text = models.TextField(_("chuỗi tìm kiếm"), editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("lớp bồi dưỡng")
        verbose_name_plural = _("lớp bồi dưỡng")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="class_dates_ordered"),
            models.CheckConstraint(
                condition=Q(institution__isnull=False) | Q(organiser_province__isnull=False),
                name="class_has_organiser",
            ),
            models.CheckConstraint(
                condition=~Q(mode="in_person") | Q(capacity__isnull=False),
                name="in_person_class_has_capacity",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0), name="class_capacity_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["province", "status"]),
            models.Index(fields=["status", "end_date"]),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"

    def save(self, *args, **kwargs):
        self.search_text = fold(f"{self.code} {self.title}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"code", "title"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def has_capacity_limit(self) -> bool:
        return self.mode != ClassMode.ONLINE and self.capacity is not None

    @property
    def is_closed(self) -> bool:
        return self.status == ClassStatus.CLOSED


class ClassSession(models.Model):
    """A session (buổi học) of a class."""

    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("lớp"), on_delete=models.CASCADE, related_name="sessions"
    )
    topic = models.ForeignKey(
        "courses.Topic", verbose_name=_("chuyên đề"), on_delete=models.PROTECT, null=True, blank=True
    )
    title = NFCCharField(_("nội dung"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    planned_minutes = models.PositiveIntegerField(_("số phút dự kiến"))
    join_url = models.URLField(_("đường dẫn tham gia"), max_length=500, blank=True)
    location = NFCCharField(_("địa điểm"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("buổi học")
        verbose_name_plural = _("buổi học")
        ordering = ["training_class", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_times_ordered"),
            models.CheckConstraint(condition=Q(planned_minutes__gt=0), name="session_minutes_positive"),
        ]
        indexes = [models.Index(fields=["training_class", "starts_at"])]

    def __str__(self):
        return f"{self.training_class.code} {self.starts_at:%d/%m/%Y %H:%M}"
