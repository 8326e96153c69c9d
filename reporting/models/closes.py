"""The close of a period: a programme's final report (tổng kết), frozen as it stood at the close."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCTextField


class PeriodClose(models.Model):
    """A programme's period closed by the ministry as of a date, with its report figures then.

    `figures` holds the summary report (per level and in total) as the API answered it at the
    close: the nation's under "national", each current province's under "provinces" by id. The
    final report reads them from here, so later corrections never change it; what changed since
    is shown beside it (reporting.selectors.reports_final). One close per programme: closing
    again is refused. Reopening is not offered: the admin shows closes read-only; an operator who
    must reopen a period deletes its row from a shell (its figures then read live again).
    """

    programme = models.OneToOneField(
        "courses.Programme", verbose_name=_("chương trình"), on_delete=models.CASCADE, related_name="close"
    )
    closed_on = models.DateField(_("khóa sổ tính đến ngày"))
    closed_at = models.DateTimeField(_("thời điểm khóa sổ"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người khóa sổ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = NFCTextField(_("ghi chú"), blank=True)
    figures = models.JSONField(_("số liệu tổng kết"), encoder=DjangoJSONEncoder, default=dict)

    class Meta:
        verbose_name = _("khóa sổ giai đoạn")
        verbose_name_plural = _("khóa sổ giai đoạn")
        ordering = ["-closed_on"]

    def __str__(self):
        return f"{self.programme} — {self.closed_on:%d/%m/%Y}"
