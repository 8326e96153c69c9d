from django.db import models
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField, NFCTextField
from courses.core.text import fold
from courses.models.geography import AreaType


class CurriculumStatus(models.TextChoices):
    ACTIVE = "active", _("Đang áp dụng")
    RETIRED = "retired", _("Ngừng áp dụng")


class CurriculumQuerySet(models.QuerySet):
    def with_total_hours(self):
        return self.annotate(total_hours_sum=Sum("topics__hours"))

    def search(self, query: str):
        """Match title or code, with or without Vietnamese diacritics."""
        return self.filter(search_text__contains=fold(query))

    def in_use(self):
        """Versions a class runs, or whose topics a session teaches (a class may have moved to
        another version before it started): their teaching content no longer changes."""
        from courses.models.classes import ClassSession, TrainingClass

        return self.filter(
            Exists(TrainingClass.objects.filter(curriculum=OuterRef("pk")))
            | Exists(ClassSession.objects.filter(topic__curriculum=OuterRef("pk")))
        )


class Curriculum(models.Model):
    """One version of a curriculum set (bộ chương trình, tài liệu bồi dưỡng).

    A new version is a new row: classes point at the version they ran, so issuing a new version
    never changes what an old class taught. Once a class uses a version, its teaching content
    (topics, their titles and hours, the final assessment) is frozen: see courses.rules.curriculum_versions.
    """

    code = models.SlugField(_("mã"), max_length=50)
    version = models.PositiveSmallIntegerField(_("phiên bản"), default=1)
    title_vi = NFCCharField(_("tên"), max_length=300)
    title_en = NFCCharField(_("tên tiếng Anh"), max_length=300, blank=True)
    description = NFCTextField(_("mô tả"), blank=True)
    positions = models.ManyToManyField(
        "courses.Position", verbose_name=_("chức danh"), related_name="curricula", blank=True
    )
    # Blank means the set serves both kinds of commune.
    area_type = models.CharField(
        _("loại địa bàn"), max_length=10, choices=AreaType.choices, blank=True, default=""
    )
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issued_by = NFCCharField(_("văn bản ban hành"), max_length=200, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=CurriculumStatus.choices, default=CurriculumStatus.ACTIVE
    )
    has_final_assessment = models.BooleanField(_("có kiểm tra cuối khoá"), default=False)
    # The 28 in-depth sets loaded at set-up stand in for the official list until it is imported.
    is_starter = models.BooleanField(_("danh mục khởi tạo"), default=False)
    search_text = models.TextField(_("chuỗi tìm kiếm"), editable=False, default="")
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    objects = CurriculumQuerySet.as_manager()

    class Meta:
        verbose_name = _("bộ chương trình, tài liệu")
        verbose_name_plural = _("bộ chương trình, tài liệu")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="curriculum_code_version_unique"),
        ]
        indexes = [models.Index(fields=["status", "area_type"])]

    def __str__(self):
        return f"{self.code} v{self.version} — {self.title_vi}"

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)

    def build_search_text(self) -> str:
        return fold(" ".join([self.code, self.title_vi, self.title_en]))

    @property
    def total_hours(self):
        annotated = getattr(self, "total_hours_sum", None)
        if annotated is not None:
            return annotated
        return self.topics.aggregate(total=Sum("hours"))["total"] or 0


class Topic(models.Model):
    """A topic (chuyên đề) of a curriculum, taught in order."""

    curriculum = models.ForeignKey(
        Curriculum, verbose_name=_("bộ chương trình"), on_delete=models.CASCADE, related_name="topics"
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    title_vi = NFCCharField(_("tên chuyên đề"), max_length=300)
    title_en = NFCCharField(_("tên tiếng Anh"), max_length=300, blank=True)
    hours = models.DecimalField(_("số tiết"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("chuyên đề")
        verbose_name_plural = _("chuyên đề")
        ordering = ["curriculum", "order"]
        constraints = [
            models.UniqueConstraint(fields=["curriculum", "order"], name="topic_order_unique"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="topic_hours_positive"),
        ]

    def __str__(self):
        return f"{self.order}. {self.title_vi}"


class MaterialKind(models.TextChoices):
    HANDBOOK = "handbook", _("Sổ tay hướng dẫn nghiệp vụ")
    DOCUMENT = "document", _("Tài liệu")
    LINK = "link", _("Liên kết")
    VIDEO = "video", _("Video")


class Material(models.Model):
    curriculum = models.ForeignKey(
        Curriculum, verbose_name=_("bộ chương trình"), on_delete=models.CASCADE, related_name="materials"
    )
    kind = models.CharField(_("loại"), max_length=10, choices=MaterialKind.choices)
    title = NFCCharField(_("tên"), max_length=300)
    url = models.URLField(_("đường dẫn"), max_length=500, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("tài liệu")
        verbose_name_plural = _("tài liệu")
        ordering = ["curriculum", "order"]
        constraints = [
            models.UniqueConstraint(fields=["curriculum", "order"], name="material_order_unique"),
        ]

    def __str__(self):
        return self.title
