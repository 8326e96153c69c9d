from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField


class Role(models.TextChoices):
    LEARNER = "learner", _("Học viên")
    TRAINER = "trainer", _("Giảng viên")
    PROVINCE_ADMIN = "province_admin", _("Quản trị cấp tỉnh")
    CENTRAL_ADMIN = "central_admin", _("Quản trị trung ương")


# What an account's tokens were issued under (field name, attribute): a change of any of them
# through the model ends every token issued before (User.save).
ACCESS_FIELDS = (
    ("password", "password"),
    ("is_active", "is_active"),
    ("role", "role"),
    ("province", "province_id"),
    ("is_staff", "is_staff"),
    ("is_superuser", "is_superuser"),
)


class User(AbstractUser):
    """Every person who signs in. A provincial admin is bound to one current province.

    Tokens end with the access they were issued for. Every token carries the account's
    `token_generation` (courses.core.tokens), and authentication and refresh accept a token only while
    it is still the account's generation (courses.core.authentication). Saving the account with a new
    password, active flag, role, province or staff/superuser flag moves to the next generation,
    whoever saves it: a service, the Django admin, `manage.py changepassword`. A write that
    bypasses the model (QuerySet.update, SQL) keeps the generation, but no cache stands between
    it and a request: authentication reads the account as it is now on every request, so a
    deactivated account is refused and a changed role or province applies at once.

    `password_change_required`: the password was set by someone else (an admin creating the account
    or generating a new password, a roster import), so its owner must choose their own before
    anything else: every page sends them to the change-password page
    (courses.core.middleware.PasswordChangeRequiredMiddleware) and every API endpoint but the change
    answers 403 `password_change_required` (courses.core.authentication). Choosing a password
    (courses.services.accounts) clears it and, being a new password, ends every earlier token.
    """

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
    # A default in the database too: rows written in SQL (generate_dataset's COPY) or by a process
    # still running the previous release during a deployment start at generation 0.
    token_generation = models.PositiveIntegerField(
        _("thế hệ token"),
        default=0,
        db_default=0,
        editable=False,
        help_text=_("Tăng khi mật khẩu, trạng thái, vai trò hoặc tỉnh thay đổi: mọi token cũ hết hiệu lực."),
    )

    # False by default: an account whose owner chose the password (createsuperuser, a test's
    # factory); the services where someone else sets a password set it (courses.services.accounts).
    password_change_required = models.BooleanField(
        _("phải đổi mật khẩu"),
        default=False,
        db_default=False,
        help_text=_("Mật khẩu do người khác đặt: người dùng phải tự đặt mật khẩu mới ở lần đăng nhập tới."),
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

    # --- tokens end with the access they were issued for --------------------------------------

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._access_loaded = user._access_in_memory()
        return user

    def _access_in_memory(self) -> dict:
        # Deferred fields are absent from __dict__: never loaded here, so not read (no query).
        return {
            attname: self.__dict__[attname] for _name, attname in ACCESS_FIELDS if attname in self.__dict__
        }

    def _access_changed(self, update_fields) -> bool:
        saved = [
            attname
            for name, attname in ACCESS_FIELDS
            if attname in self.__dict__ and (update_fields is None or name in update_fields)
        ]
        loaded = getattr(self, "_access_loaded", {})
        unknown = [attname for attname in saved if attname not in loaded]
        if unknown:  # deferred at load, then set: compare with what is stored
            stored = type(self)._base_manager.filter(pk=self.pk).values(*unknown).first() or {}
            loaded = {**loaded, **stored}
        return any(self.__dict__[attname] != loaded.get(attname) for attname in saved)

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        ends_tokens = not self._state.adding and self.pk is not None and self._access_changed(update_fields)
        if ends_tokens:
            self.token_generation = F("token_generation") + 1
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "token_generation"}
        super().save(*args, **kwargs)
        if ends_tokens:
            self.refresh_from_db(fields=["token_generation"])
        self._access_loaded = self._access_in_memory()
