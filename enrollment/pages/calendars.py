"""Calendars in the portal: a class's sessions as an .ics file, and a learner's private feed that
phone calendars (Google, Apple, Outlook) subscribe to, with the page that gives its address and
resets it.

The class's file is for the people who may read the class (enrollment.selectors.portal_classes:
its learners, its trainers, the admins of its scope), 404 for the others. The feed is opened by
its secret address alone, since calendar apps cannot sign in: no session cookie is read, and a
token that is wrong, reset or malformed (too long, NUL, any other character) answers 404.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from enrollment.files.calendar_file import calendar_ics
from enrollment.pages.access import learner_page
from enrollment.selectors.calendars import (
    calendar_feed_of,
    class_entries,
    feed_entries,
    learner_of_feed_token,
)
from enrollment.selectors.learners import learner_of_user, my_enrollments
from enrollment.selectors.portal_classes import portal_classes, reads_as_learner
from enrollment.services.calendar_feeds import calendar_feed_reset

CALENDAR_TYPE = "text/calendar; charset=utf-8"


@require_safe
@learner_page
def calendar_page(request):
    learner = learner_of_user(request.user)
    feed = calendar_feed_of(learner)
    links = _feed_links(feed.token) if feed else None
    return render(
        request,
        "portal/calendar.html",
        {
            "learner": learner,
            "feed": links,
            "enrollments": list(my_enrollments(request.user)),
        },
    )


def _feed_links(token: str) -> dict:
    https = settings.PUBLIC_BASE_URL + reverse("portal:calendar_feed", args=[token])
    webcal = "webcal://" + https.split("://", 1)[1]
    return {
        "https": https,
        "webcal": webcal,
        # Google Calendar adds a calendar by its address from this page (it fetches over https).
        "google": "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe=""),
    }


@require_POST
@learner_page
def reset_feed(request):
    learner = learner_of_user(request.user)
    if learner is None:
        messages.error(
            request,
            _("Tài khoản của bạn chưa gắn với hồ sơ học viên. Hãy liên hệ quản trị viên cấp tỉnh."),
        )
        return redirect("portal:calendar")
    had_one = calendar_feed_of(learner) is not None
    calendar_feed_reset(learner=learner)
    messages.success(
        request,
        _("Đã tạo đường dẫn mới; đường dẫn cũ không còn dùng được. Hãy đăng ký lại lịch trên điện thoại.")
        if had_one
        else _("Đã tạo đường dẫn lịch học của bạn."),
    )
    return redirect("portal:calendar")


@require_safe
@login_required(login_url="login")
def class_calendar(request, pk: int):
    training_class = get_object_or_404(portal_classes(request.user), pk=pk)
    body = calendar_ics(
        name=training_class.title,
        entries=class_entries(request.user, training_class),
        session_pages=reads_as_learner(request.user),
    )
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{training_class.code}.ics"'
    return response


@require_safe
@never_cache
def calendar_feed(request, token: str):
    learner = learner_of_feed_token(token)
    if learner is None:
        raise Http404
    body = calendar_ics(
        name=_("Lịch học của %(name)s") % {"name": learner.full_name},
        entries=feed_entries(learner),
        session_pages=True,
    )
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = 'inline; filename="lich-hoc.ics"'
    # The address is the secret: no search engine or referrer keeps it.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
