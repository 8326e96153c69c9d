"""The append-only logs: who changed an enrolment or a record (AuditEntry), and who read which
learner's data (LearnerDataAccess)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.core.fields import NFCTextField

from .learners import Learner


class AuditEntry(models.Model):
    """Who changed an enrolment or an attendance record, when, from what to what, and how."""

    entity = models.CharField(_("đối tượng"), max_length=20)  # "enrollment" or "attendance"
    entity_id = models.BigIntegerField(_("mã đối tượng"))
    # An append-only log written in the same statement as the records it describes, from their
    # class and their recorder: its references are not checked again by the database (a bulk
    # batch of 6,300 records would pay 12,600 checks at commit). Deleting a class or a user still
    # cascades or clears them (Django's collector). The class is indexed by (training_class, at)
    # below, not on its own: one index write less per entry.
    training_class = models.ForeignKey(
        "courses.TrainingClass",
        verbose_name=_("lớp"),
        on_delete=models.CASCADE,
        related_name="audit_entries",
        db_index=False,
        db_constraint=False,
    )
    action = models.CharField(_("thao tác"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    before = models.JSONField(_("trước"), null=True, blank=True)
    after = models.JSONField(_("sau"), null=True, blank=True)
    source = models.CharField(_("nguồn"), max_length=20, blank=True)
    reason = NFCTextField(_("lý do"), blank=True)

    class Meta:
        verbose_name = _("lịch sử thay đổi")
        verbose_name_plural = _("lịch sử thay đổi")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["entity", "entity_id"]),
            models.Index(fields=["training_class", "at"]),
        ]

    def __str__(self):
        return f"{self.entity} {self.entity_id} {self.action} {self.at:%d/%m/%Y %H:%M}"


class LearnerDataAccess(models.Model):
    """One read of a learner's record by someone other than the learner: who, when, through which
    endpoint (and class), at which level (full record or roster fields).

    Append-only and written in one statement per request (enrollment.services.data_access). Its
    references are not checked by the database, and a row outlives the account or learner it
    names: an access log must keep who read what even after either is removed.
    """

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đọc"),
        on_delete=models.DO_NOTHING,
        # Nullable only so that a listing joins readers with LEFT JOIN; every row names one.
        null=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    learner = models.ForeignKey(
        Learner,
        verbose_name=_("học viên"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    endpoint = models.CharField(_("chức năng"), max_length=100)
    path = models.CharField(_("đường dẫn"), max_length=300)
    training_class = models.ForeignKey(
        "courses.TrainingClass",
        verbose_name=_("qua lớp"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    full_record = models.BooleanField(_("hồ sơ đầy đủ"))

    class Meta:
        verbose_name = _("lượt đọc dữ liệu cá nhân")
        verbose_name_plural = _("lượt đọc dữ liệu cá nhân")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["learner", "at"]),
            models.Index(fields=["reader", "at"]),
        ]

    def __str__(self):
        return f"{self.reader_id} -> {self.learner_id} {self.endpoint} {self.at:%d/%m/%Y %H:%M}"
