from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField, NFCTextField


class Level(models.TextChoices):
    """Who runs the classes a target counts."""

    CENTRAL = "central", _("Cơ sở đào tạo trung ương")
    PROVINCIAL = "provincial", _("Địa phương")
    ELEARNING = "elearning", _("Bồi dưỡng trực tuyến")


class Programme(models.Model):
    """A national programme (đề án) adopted by a decision, over a period.

    It lives with the catalogue rather than in reporting because classes say which programme
    they count towards, and courses may not depend on reporting; its targets live in reporting.
    """

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    decision_number = NFCCharField(_("số quyết định"), max_length=100)
    title_vi = NFCCharField(_("tên"), max_length=300)
    title_en = NFCCharField(_("tên tiếng Anh"), max_length=300, blank=True)
    description = NFCTextField(_("mô tả"), blank=True)
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    levels = models.JSONField(_("cấp thực hiện"), default=list, blank=True)

    class Meta:
        verbose_name = _("chương trình, đề án")
        verbose_name_plural = _("chương trình, đề án")
        ordering = ["-period_start", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="programme_period"),
        ]

    def __str__(self):
        return f"{self.decision_number} ({self.period_start.year}-{self.period_end.year})"
