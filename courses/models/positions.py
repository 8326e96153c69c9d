from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField


class PositionCategory(models.TextChoices):
    ELECTED = "elected", _("Cán bộ cấp xã")
    APPOINTED = "appointed", _("Công chức cấp xã")
    PART_TIME = "part_time", _("Người hoạt động không chuyên trách cấp xã")
    OTHER = "other", _("Đối tượng khác")


class Position(models.Model):
    """A job title (chức danh) of commune officials."""

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    name_vi = NFCCharField(_("tên chức danh"), max_length=200)
    name_en = NFCCharField(_("tên tiếng Anh"), max_length=200, blank=True)
    category = models.CharField(_("nhóm"), max_length=20, choices=PositionCategory.choices)
    sort_order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("chức danh")
        verbose_name_plural = _("chức danh")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name_vi
