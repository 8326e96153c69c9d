"""The marks of classes whose progress figures are to be recomputed."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaleClass(models.Model):
    """A class whose progress figures need recomputing after an attendance, score or enrolment change.

    Writers upsert a row here and enqueue the recompute by task name, so that recording
    attendance never depends on the reporting code; the recompute job deletes the row it handled.
    """

    training_class = models.OneToOneField(
        "courses.TrainingClass",
        verbose_name=_("lớp"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stale_mark",
    )
    marked_at = models.DateTimeField(_("đánh dấu lúc"))

    class Meta:
        verbose_name = _("lớp cần tính lại")
        verbose_name_plural = _("lớp cần tính lại")

    def __str__(self):
        return f"{self.training_class_id} @ {self.marked_at}"
