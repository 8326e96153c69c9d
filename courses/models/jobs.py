from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField


class ImportKind(models.TextChoices):
    CATALOGUE = "catalogue", _("Danh mục bộ chương trình")
    ENROLMENT = "enrolment", _("Danh sách học viên ghi danh vào lớp")
    ALLOCATION = "allocation", _("Bảng phân bổ chỉ tiêu")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ")
    RUNNING = "running", _("Đang chạy")
    SUCCEEDED = "succeeded", _("Thành công")
    FAILED = "failed", _("Thất bại")


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A job is seen by whoever uploaded it and by central admins."""
        from courses.core.permissions import is_central_admin

        if is_central_admin(user):
            return self
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(created_by=user)


class ImportJob(models.Model):
    """One uploaded file to import, run within the request or by a worker, with its report.

    The file is kept in the database rather than under MEDIA_ROOT so that a worker on another
    host reads exactly what was uploaded, and the upload stays with its report for audit.
    """

    kind = models.CharField(_("loại"), max_length=20, choices=ImportKind.choices)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    dry_run = models.BooleanField(_("chạy thử"), default=False)
    file_name = NFCCharField(_("tên tệp"), max_length=255)
    file_content = models.BinaryField(_("nội dung tệp"))
    # What the importer needs besides the file, e.g. {"class_id": 12} for an enrolment list.
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tải lên"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("số dòng"), default=0)
    processed_rows = models.PositiveIntegerField(_("số dòng đã xử lý"), default=0)
    # ImportReport.as_dict(): counts and the errors, in the API's ErrorItem shape.
    report = models.JSONField(_("kết quả"), default=dict, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("lượt nhập dữ liệu")
        verbose_name_plural = _("lượt nhập dữ liệu")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(processed_rows__lte=F("total_rows")), name="import_job_progress"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.file_name})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
