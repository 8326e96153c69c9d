"""Writes of the sessions of a class; the rules they follow are courses.rules.classes'."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError
from courses.models import ClassSession, Topic, TrainingClass
from courses.rules.classes import class_closed_error, invalid_error, session_errors
from courses.services.classes import class_changed_notify

SESSION_FIELDS = ("topic", "title", "starts_at", "ends_at", "planned_minutes", "join_url", "location")


@transaction.atomic
def class_session_create(
    *,
    training_class: TrainingClass,
    actor,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    planned_minutes: int | None = None,
    topic: Topic | None = None,
    title: str = "",
    join_url: str = "",
    location: str = "",
) -> ClassSession:
    """Add a session; planned minutes default to the session's whole length."""
    if training_class.is_closed:
        raise class_closed_error(training_class)
    if planned_minutes is None and starts_at and ends_at and ends_at > starts_at:
        planned_minutes = int((ends_at - starts_at).total_seconds() // 60)
    values = {
        "topic": topic,
        "title": title or "",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "planned_minutes": planned_minutes,
        "join_url": join_url or "",
        "location": location or "",
    }
    errors = session_errors(training_class, values, None)
    if errors:
        raise invalid_error(errors)
    session = ClassSession.objects.create(training_class=training_class, **values)
    class_changed_notify(training_class, actor, {"sessions"})
    return session


@transaction.atomic
def class_session_update(*, session: ClassSession, actor, data: Mapping[str, Any]) -> ClassSession:
    training_class = session.training_class
    if training_class.is_closed:
        raise class_closed_error(training_class)
    values = {name: data.get(name, getattr(session, name)) for name in SESSION_FIELDS}
    errors = session_errors(training_class, values, session)
    if errors:
        raise invalid_error(errors)
    for name, value in values.items():
        setattr(session, name, value)
    session.save()
    class_changed_notify(training_class, actor, {"sessions"})
    return session


@transaction.atomic
def class_session_delete(*, session: ClassSession, actor) -> None:
    training_class = session.training_class
    if training_class.is_closed:
        raise class_closed_error(training_class)
    if session.attendance.exists() or session.presence_intervals.exists():
        raise DomainError(
            message=_("Buổi học đã có điểm danh: không xoá được."),
            code="conflict",
            status=http.HTTP_409_CONFLICT,
        )
    session.delete()
    class_changed_notify(training_class, actor, {"sessions"})
