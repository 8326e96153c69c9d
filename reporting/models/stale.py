"""Rollup scopes waiting for a refresh, and the stale marks taken by the task handling them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaleRollup(models.Model):
    """A rollup scope waiting for a refresh: a current province's id, 0 for the national rows, or
    TARGETS for the targets every row carries.

    Like StaleClass: the refresh is enqueued only when the mark is new, so a burst of class
    recomputes in one province leads to a few province refreshes; a mark whose task was lost is
    queued again by reconcile.
    """

    NATIONAL = 0
    TARGETS = 2**40  # beyond any province id

    scope = models.PositiveBigIntegerField(_("phạm vi"), primary_key=True)
    marked_at = models.DateTimeField(_("đánh dấu lúc"))

    class Meta:
        verbose_name = _("phạm vi tổng hợp cần tính lại")
        verbose_name_plural = _("phạm vi tổng hợp cần tính lại")

    def __str__(self):
        return f"{self.scope} @ {self.marked_at}"


class ClaimKind(models.TextChoices):
    CLASS = "class", _("Lớp")
    ROLLUP = "rollup", _("Phạm vi tổng hợp")


class StaleClaim(models.Model):
    """A stale mark (StaleClass, StaleRollup) taken by the task that handles it, kept until that
    task's figures commit: the task deletes it in the transaction that writes them.

    The mark itself is taken (deleted) first, in a transaction of its own, so that a write landing
    meanwhile marks again and enqueues again, never waiting for the recompute. A claim left behind
    belongs to a task that died before committing: reconcile turns it back into a mark once it is
    a few minutes old and no transaction holds it (reporting.services.periodic.stale_reconcile).
    """

    kind = models.CharField(_("loại"), max_length=10, choices=ClaimKind.choices)
    key = models.BigIntegerField(_("mã"))  # a class's id, or a rollup scope
    claimed_at = models.DateTimeField(_("nhận lúc"))

    class Meta:
        verbose_name = _("dấu cần tính lại đang xử lý")
        verbose_name_plural = _("dấu cần tính lại đang xử lý")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="stale_claim_one_per_mark")]

    def __str__(self):
        return f"{self.kind} {self.key} @ {self.claimed_at}"
