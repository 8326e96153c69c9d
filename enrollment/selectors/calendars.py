"""What the calendars hand out: a learner's feed (found by its secret address, with no session
cookie: calendar apps cannot sign in) and the sessions of one class for its .ics file.

Each read is a fixed number of queries whatever the number of classes, and a feed holds at most
FEED_MOST_SESSIONS sessions: what a request costs is bounded.
"""

from __future__ import annotations

import datetime
import hmac
import re
from dataclasses import dataclass

from django.utils import timezone

from courses.core.permissions import is_learner
from courses.models import ClassSession, TrainingClass
from courses.selectors.classes import join_links_visible_class_ids, sessions_of_class
from enrollment.models import ACTIVE_STATUSES, SEAT_STATUSES, CalendarFeed, EnrollmentStatus, Learner
from enrollment.models.calendar_feeds import FEED_KEY_LENGTH, FEED_SECRET_LENGTH
from enrollment.selectors.learners import my_enrollments
from enrollment.selectors.portal_classes import reads_as_learner

# A feed shows the sessions that ended at most this long ago, and every later one.
FEED_RECENT = datetime.timedelta(days=30)
# At most this many sessions in a feed or a class's file, the soonest first.
FEED_MOST_SESSIONS = 500
CLASS_MOST_SESSIONS = 1000

_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{{FEED_KEY_LENGTH + FEED_SECRET_LENGTH}}}")


class EventStatus:
    """An event's STATUS in the calendar, from the learner's place in the class."""

    CONFIRMED = "CONFIRMED"  # a seat: they attend
    TENTATIVE = "TENTATIVE"  # waitlisted: they may get a seat
    CANCELLED = "CANCELLED"  # withdrawn: a file imported again takes the sessions out


@dataclass(frozen=True)
class CalendarEntry:
    session: ClassSession
    status: str
    # The join link is shown where the API shows it (courses.selectors.classes.join_links_visible_class_ids).
    shows_join_link: bool


def calendar_feed_of(learner: Learner | None) -> CalendarFeed | None:
    if learner is None:
        return None
    return CalendarFeed.objects.filter(learner_id=learner.pk).first()


def learner_of_feed_token(token: str) -> Learner | None:
    """The learner whose feed the token opens, or None: a token of the wrong shape is refused before
    any query (no NUL or unbounded text reaches the database), the secret compared in constant time,
    and a deactivated account's feed is closed."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    key, secret = token[:FEED_KEY_LENGTH], token[FEED_KEY_LENGTH:]
    feed = CalendarFeed.objects.select_related("learner__user").filter(key=key).first()
    if feed is None or not hmac.compare_digest(feed.secret.encode(), secret.encode()):
        return None
    # The feed is a learner's page opened without signing in: closed to an account deactivated
    # or no longer a learner's, as signing in would be.
    if not (feed.learner.user.is_active and is_learner(feed.learner.user)):
        return None
    return feed.learner


def _status_of(enrollment_status: str) -> str:
    if enrollment_status in SEAT_STATUSES:
        return EventStatus.CONFIRMED
    if enrollment_status == EnrollmentStatus.WAITLISTED:
        return EventStatus.TENTATIVE
    return EventStatus.CANCELLED


def feed_entries(learner: Learner, *, now: datetime.datetime | None = None) -> list[CalendarEntry]:
    """The learner's recent and upcoming sessions over every class they are active in (a seat or
    the waitlist), the soonest first: two queries. A class they left, and a session deleted, are
    simply no longer in the feed, so subscribed calendars drop them at their next refresh."""
    now = now or timezone.now()
    statuses = dict(
        my_enrollments(learner.user)
        .filter(status__in=ACTIVE_STATUSES)
        .order_by()
        .values_list("training_class_id", "status")
    )
    sessions = (
        ClassSession.objects.filter(training_class_id__in=statuses, ends_at__gte=now - FEED_RECENT)
        .select_related("training_class", "topic")
        .order_by("starts_at", "pk")[:FEED_MOST_SESSIONS]
    )
    return [
        CalendarEntry(
            session=session,
            status=_status_of(statuses[session.training_class_id]),
            shows_join_link=statuses[session.training_class_id] in SEAT_STATUSES,
        )
        for session in sessions
    ]


def class_entries(user, training_class: TrainingClass) -> list[CalendarEntry]:
    """Every session of a class the user may read (enrollment.selectors.portal_classes), in order, each with what
    the user's place in the class makes of it."""
    status = EventStatus.CONFIRMED
    if reads_as_learner(user):
        enrollment = my_enrollments(user).filter(training_class_id=training_class.pk).first()
        status = _status_of(enrollment.status) if enrollment else EventStatus.CANCELLED
    visible = join_links_visible_class_ids(user)
    shows = visible is None or training_class.pk in visible
    return [
        CalendarEntry(session=session, status=status, shows_join_link=shows)
        for session in sessions_of_class(training_class)[:CLASS_MOST_SESSIONS]
    ]
