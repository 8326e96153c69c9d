from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.fields import NFCCharField


class Role(models.TextChoices):
    LEARNER = "learner", _("Học viên")
    TRAINER = "trainer", _("Giảng viên")
    PROVINCE_ADMIN = "province_admin", _("Quản trị cấp tỉnh")
    CENTRAL_ADMIN = "central_admin", _("Quản trị trung ương")


class User(AbstractUser):
    """Every person who signs in. A provincial admin is bound to one current province."""

    full_name = NFCCharField(_("họ và tên"), max_length=200, blank=True)
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, default=Role.LEARNER)
    province = models.ForeignKey(
        "courses.Province",
        verbose_name=_("tỉnh"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="province_admin") | Q(province__isnull=False),
                name="province_admin_has_province",
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    @property
    def is_central_admin(self) -> bool:
        return self.role == Role.CENTRAL_ADMIN or self.is_superuser

    @property
    def is_province_admin(self) -> bool:
        return self.role == Role.PROVINCE_ADMIN and not self.is_superuser
