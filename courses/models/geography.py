from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField


class Region(models.TextChoices):
    """The three macro-regions the ministry plans central classes in."""

    NORTH = "north", _("Miền Bắc")
    CENTRAL = "central", _("Miền Trung")
    SOUTH = "south", _("Miền Nam")


class AreaType(models.TextChoices):
    """Curricula come in two variants by the kind of commune they serve."""

    PLAINS = "plains", _("Đồng bằng")
    MOUNTAIN = "mountain", _("Miền núi, trung du, vùng dân tộc")


class ProvinceQuerySet(models.QuerySet):
    def current(self):
        return self.filter(valid_until__isnull=True)

    def legacy(self):
        return self.filter(valid_until__isnull=False)


class Province(models.Model):
    """A province-level unit in force over a period.

    Codes are the statistics office's and are reused across reorganisations (Hà Nội is 01 both
    before and after 1 July 2025), so a code alone does not identify a unit: code and start date do.
    Records keep the unit they were made in; `successor` rolls a legacy unit up into the current one.
    """

    code = models.CharField(_("mã"), max_length=2)
    name = NFCCharField(_("tên"), max_length=100)
    codename = models.SlugField(_("tên mã"), max_length=100)
    division_type = NFCCharField(_("loại đơn vị"), max_length=50)
    region = models.CharField(_("vùng"), max_length=10, choices=Region.choices)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_until = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị kế thừa"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
    )

    objects = ProvinceQuerySet.as_manager()

    class Meta:
        verbose_name = _("tỉnh, thành phố")
        verbose_name_plural = _("tỉnh, thành phố")
        ordering = ["-valid_from", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="province_code_period_unique"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="province_valid_period",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})" if self.is_current else f"{self.name} ({self.code}, cũ)"

    @property
    def is_current(self) -> bool:
        return self.valid_until is None

    @property
    def current_unit(self) -> "Province":
        return self if self.is_current else self.successor


class Commune(models.Model):
    """A commune-level unit (xã, phường, đặc khu) of the current provinces."""

    code = models.CharField(_("mã"), max_length=5, unique=True)
    name = NFCCharField(_("tên"), max_length=100)
    codename = models.SlugField(_("tên mã"), max_length=100)
    division_type = NFCCharField(_("loại đơn vị"), max_length=50)
    province = models.ForeignKey(
        Province, verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="communes"
    )
    area_type = models.CharField(
        _("loại địa bàn"), max_length=10, choices=AreaType.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("xã, phường")
        verbose_name_plural = _("xã, phường")
        ordering = ["province__code", "code"]

    def __str__(self):
        return self.name
