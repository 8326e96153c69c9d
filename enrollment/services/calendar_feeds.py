"""A learner's private calendar feed address: made on request, drawn again on reset."""

from __future__ import annotations

import secrets

from django.db import transaction

from enrollment.models import CalendarFeed, Learner


@transaction.atomic
def calendar_feed_reset(*, learner: Learner) -> CalendarFeed:
    """Give the learner a new feed address (their first, or one replacing the old, which then
    answers 404). The learner's row is locked, so that two resets at once leave one address."""
    Learner.objects.select_for_update().filter(pk=learner.pk).first()
    # token_urlsafe(12) is 16 characters, token_urlsafe(32) 43: the model's lengths.
    values = {"key": secrets.token_urlsafe(12), "secret": secrets.token_urlsafe(32)}
    feed, _created = CalendarFeed.objects.update_or_create(learner=learner, defaults=values)
    return feed
