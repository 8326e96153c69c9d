from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField


class UploadKind(models.TextChoices):
    PLATFORM_REPORT = "platform_report", _("Báo cáo điểm danh của nền tảng họp trực tuyến")
    ENROLMENT = "enrolment", _("Danh sách học viên ghi danh vào lớp")
    SCORES = "scores", _("Bảng điểm")


class FilePreview(models.Model):
    """A file a trainer uploaded on the portal, its dry run shown, waiting to be applied.

    The API's uploads are applied by sending the file again without dry_run; a page must not trust
    the browser to send the same file twice, so the bytes previewed are kept here (as ImportJob
    keeps an import's) and applying runs the service on exactly them. `report` is the dry run's
    outcome as shown; applying checks the real run gives the same and otherwise stores nothing.
    An enrolment list goes through the import jobs: its dry run is `dry_run_job`, its real run
    `applied_job`.
    """

    kind = models.CharField(_("loại"), max_length=20, choices=UploadKind.choices)
    training_class = models.ForeignKey(
        "courses.TrainingClass", verbose_name=_("lớp"), on_delete=models.CASCADE, related_name="+"
    )
    session = models.ForeignKey(
        "courses.ClassSession",
        verbose_name=_("buổi học"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    file_name = NFCCharField(_("tên tệp"), max_length=255)
    file_content = models.BinaryField(_("nội dung tệp"))
    # How the service reads the file and the reason of a change to a closed class, as given at upload:
    # {"time_zone", "date_order", "reason"}.
    options = models.JSONField(_("tuỳ chọn"), default=dict, blank=True)
    # The dry run's outcome (platform report, score sheet); the enrolment list's is its job's report.
    report = models.JSONField(_("kết quả chạy thử"), default=dict, blank=True)
    dry_run_job = models.ForeignKey(
        "courses.ImportJob",
        verbose_name=_("lượt nhập chạy thử"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_job = models.ForeignKey(
        "courses.ImportJob",
        verbose_name=_("lượt nhập áp dụng"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("áp dụng lúc"), null=True, blank=True)
    # The real run's outcome, in the same shape as `report`.
    applied_report = models.JSONField(_("kết quả áp dụng"), default=dict, blank=True)

    class Meta:
        verbose_name = _("tệp xem trước")
        verbose_name_plural = _("tệp xem trước")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.file_name})"
