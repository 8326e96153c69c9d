"""The learners: commune officials who take courses, each with a user account and identity numbers."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField
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
    # Session reminders by email (enrollment.services.notifications); the learner turns them off
    # and on in the portal or the API. Enrolment and certificate emails are sent whatever it says.
    # A default in the database too, for rows written in SQL (generate_dataset's COPY).
    reminders_enabled = models.BooleanField(_("nhận email nhắc lịch học"), default=True, db_default=True)
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
