from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCCharField
from courses.models.geography import Commune
from courses.selectors.vocabulary_keys import KEY_FUNCTIONS


class AliasKind(models.TextChoices):
    POSITION = "position", _("Chức danh")
    ETHNICITY = "ethnicity", _("Dân tộc")
    GENDER = "gender", _("Giới tính")
    PROVINCE = "province", _("Tỉnh, thành phố")
    COMMUNE = "commune", _("Xã, phường")


class Alias(models.Model):
    """Another spelling of a position, ethnicity, gender, province or commune, as people write it.

    What it stands for depends on the kind: a position, a province (current or legacy: a legacy
    one is read as the province it became part of), a commune (with `province`, the current
    province in which the spelling is read: a pre-2025 commune name means different communes in
    different provinces), or a `value` (the official name of an ethnicity, or a gender: "male",
    "female", "other"). Built-in aliases come from the reference files (courses/reference) and are
    replaced when they are loaded again; the rest are an admin's and are kept.
    """

    kind = models.CharField(_("loại"), max_length=20, choices=AliasKind.choices)
    spelling = NFCCharField(_("cách viết"), max_length=200)
    key = models.CharField(_("khóa so khớp"), max_length=200, editable=False)
    position = models.ForeignKey(
        "courses.Position",
        verbose_name=_("chức danh"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
    )
    province = models.ForeignKey(
        "courses.Province",
        verbose_name=_("tỉnh"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
    )
    commune = models.ForeignKey(
        "courses.Commune",
        verbose_name=_("xã, phường"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
    )
    value = NFCCharField(_("giá trị"), max_length=50, blank=True)
    note = NFCCharField(_("ghi chú"), max_length=300, blank=True)
    is_builtin = models.BooleanField(_("có sẵn"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("cách viết khác")
        verbose_name_plural = _("cách viết khác")
        ordering = ["kind", "key", "id"]
        indexes = [models.Index(fields=["kind", "key"], name="alias_kind_key")]
        constraints = [
            # One meaning per spelling, except a pre-2025 commune name, which may stand for
            # several communes of a province (two old communes of one name merged into
            # different ones, or one old commune split): the importer then asks which.
            models.UniqueConstraint(
                fields=["kind", "key"], condition=~Q(kind="commune"), name="alias_key_unique_per_kind"
            ),
            models.UniqueConstraint(
                fields=["key", "province", "commune"],
                condition=Q(kind="commune"),
                name="alias_commune_unique",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="position",
                        position__isnull=False,
                        province__isnull=True,
                        commune__isnull=True,
                        value="",
                    )
                    | Q(
                        kind="province",
                        province__isnull=False,
                        position__isnull=True,
                        commune__isnull=True,
                        value="",
                    )
                    | Q(
                        kind="commune",
                        commune__isnull=False,
                        province__isnull=False,
                        position__isnull=True,
                        value="",
                    )
                    | (
                        Q(kind__in=["ethnicity", "gender"], position__isnull=True)
                        & Q(province__isnull=True, commune__isnull=True)
                        & ~Q(value="")
                    )
                ),
                name="alias_target_matches_kind",
                violation_error_message=_(
                    "Ghi đúng một đích theo loại: chức danh, tỉnh, xã/phường, hoặc giá trị (dân tộc, giới tính)."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.spelling} → {self.target_label}"

    def save(self, *args, **kwargs):
        self.key = self.key_for_spelling()
        super().save(*args, **kwargs)

    @property
    def target_label(self) -> str:
        match self.kind:
            case AliasKind.POSITION:
                return str(self.position)
            case AliasKind.PROVINCE:
                return self.province.name
            case AliasKind.COMMUNE:
                return f"{self.commune.name} ({self.province.name})"
        return self.value

    def clean(self):
        # The key is not a form field, so the unique constraints are checked here, before save.
        if self.kind == AliasKind.COMMUNE and self.commune_id:
            # A commune alias is read in the commune's province.
            self.province_id = Commune.objects.values_list("province_id", flat=True).get(pk=self.commune_id)
        if self.kind not in KEY_FUNCTIONS or not self.spelling:
            return
        key = self.key_for_spelling()
        clash = Alias.objects.filter(kind=self.kind, key=key).exclude(pk=self.pk)
        if self.kind == AliasKind.COMMUNE:
            clash = clash.filter(commune_id=self.commune_id)
        if clash.exists():
            raise ValidationError({"spelling": _("Cách viết này đã có.")})

    def key_for_spelling(self) -> str:
        return KEY_FUNCTIONS[self.kind](self.spelling)
