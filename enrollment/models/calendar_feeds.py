"""A learner's private calendar feed: the secret address phone calendars subscribe to.

The address carries `key` (looked up, indexed) followed by `secret` (compared in constant time), so
that the time a lookup takes tells nothing about the secret. Both are kept as they are, not hashed:
the learner must see the address again to subscribe from another device, and the feed gives out
nothing the database does not already hold (their sessions' times and join links). Resetting the
feed draws both again: the old address answers 404 from then on.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .learners import Learner

# Lengths of secrets.token_urlsafe(12) and secrets.token_urlsafe(32): 96 and 256 random bits.
FEED_KEY_LENGTH = 16
FEED_SECRET_LENGTH = 43


class CalendarFeed(models.Model):
    learner = models.OneToOneField(
        Learner, verbose_name=_("học viên"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    key = models.CharField(_("khoá tra cứu"), max_length=FEED_KEY_LENGTH, unique=True)
    secret = models.CharField(_("mã bí mật"), max_length=FEED_SECRET_LENGTH)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    reset_at = models.DateTimeField(_("đặt lại lúc"), auto_now=True)

    class Meta:
        verbose_name = _("lịch học đăng ký theo dõi")
        verbose_name_plural = _("lịch học đăng ký theo dõi")

    def __str__(self):
        return str(self.learner)

    @property
    def token(self) -> str:
        return f"{self.key}{self.secret}"
