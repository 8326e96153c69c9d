"""A learner's sessions in the portal (/portal/sessions/): the upcoming ones with their join links,
the past ones with their own record, and a session's page to check in and out of an online session,
with the heartbeat its script sends while the page is open.

The same selectors and services as the API (/api/v1/me/sessions, /api/v1/me/attendance,
/api/v1/sessions/{id}/check-in, check-out and heartbeat): a session of a class the learner is not in
is 404; the services' refusals (outside the window, not online, a closed class...) are messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses.core.errors import DomainError
from enrollment.models import AttendanceStatus
from enrollment.pages.access import learner_page
from enrollment.rules.attendance import CHECK_IN_OPENS_BEFORE, session_is_online
from enrollment.selectors.learners import (
    SessionWhen,
    learner_attendance,
    learner_checked_in,
    learner_sessions,
    sessions_of_my_classes,
)
from enrollment.services.attendance_checkin import (
    attendance_check_in,
    attendance_check_out,
    attendance_heartbeat,
)

# The heartbeat's period, in seconds: well within the window a check-in counts up to.
HEARTBEAT_SECONDS = 120


@require_GET
@learner_page
def my_sessions(request):
    return render(
        request,
        "portal/my_sessions.html",
        {
            "upcoming": list(learner_sessions(request.user, when=SessionWhen.UPCOMING)),
            # Every session that has started (the one under way too), latest first, with my record.
            "attended": _labelled(learner_attendance(request.user).order_by("-starts_at", "-pk")),
        },
    )


def _labelled(sessions) -> list:
    """The sessions, each with its record's status in words (the annotation carries only its value)."""
    sessions = list(sessions)
    for session in sessions:
        session.my_status_label = AttendanceStatus(session.my_status).label if session.my_status else None
    return sessions


@require_GET
@learner_page
def session_page(request, pk: int):
    session = get_object_or_404(sessions_of_my_classes(request.user).select_related("topic"), pk=pk)
    mine = next(iter(_labelled(learner_sessions(request.user).filter(pk=pk))), None)
    now = timezone.now()
    online = session_is_online(session)
    checked_in = online and learner_checked_in(request.user, session)
    return render(
        request,
        "portal/session.html",
        {
            "session": session,
            "mine": mine,
            "online": online,
            "check_in_open": online and session.starts_at - CHECK_IN_OPENS_BEFORE <= now <= session.ends_at,
            "checked_in": checked_in,
            "heartbeat_seconds": HEARTBEAT_SECONDS,
        },
    )


def _check(request, pk: int, service, done: str):
    session = get_object_or_404(sessions_of_my_classes(request.user), pk=pk)
    try:
        service(session=session, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("portal:session", pk=pk)


@require_POST
@learner_page
def check_in(request, pk: int):
    return _check(request, pk, attendance_check_in, _("Bạn đã điểm danh vào buổi học."))


@require_POST
@learner_page
def check_out(request, pk: int):
    return _check(request, pk, attendance_check_out, _("Bạn đã điểm danh ra khỏi buổi học."))


@require_POST
@learner_page
def heartbeat(request, pk: int):
    """The page's script says the learner is still there: 204, or the service's refusal as JSON."""
    try:
        attendance_heartbeat(session_id=pk, user=request.user)
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    return HttpResponse(status=204)
