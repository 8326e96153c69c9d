"""Certificates of completed enrolments, issued and revoked by the aggregation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
