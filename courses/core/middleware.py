"""The project's middleware: over-large API bodies refused; accounts that must change their password
sent to do so (PasswordChangeRequiredMiddleware, at the end).

Refuses an over-large request body under /api/ before anything reads it: 413 in the one error shape.

Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when `request.body` or `request.POST` is read; DRF's
parsers read the body stream themselves, so a JSON body had no limit at all. The limit is checked
here against the declared length (a body longer than declared is never read past it):
DATA_UPLOAD_MAX_MEMORY_SIZE for any body, plus IMPORT_MAX_FILE_BYTES for a multipart one, which
carries an uploaded file. Django's own checks (field counts, multipart fields) still apply.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse

from courses.core.errors import API_PREFIX, too_large_error


def body_limit(content_type: str) -> int | None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return None
    if content_type.lower().startswith("multipart/"):
        return limit + settings.IMPORT_MAX_FILE_BYTES
    return limit


def declared_length(meta) -> int:
    try:
        return max(int(meta.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0  # as Django reads it: no body


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            limit = body_limit(request.META.get("CONTENT_TYPE", ""))
            if limit is not None and declared_length(request.META) > limit:
                error = too_large_error()
                return JsonResponse(error.as_dict(), status=error.status)
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Pages: an account signed in with a password someone else set (User.password_change_required)
    is sent to the change-password page, whatever page it asks for (the portal, the dashboard, the
    Django admin, pages added later), until it has chosen its own; the page it asked for is kept as
    `next`. Left through: the change page itself, signing out, the language switch, the password
    reset pages, and the API, which refuses such an account itself with a 403
    (courses.core.authentication). Runs after the URL is resolved, so it goes by URL name."""

    PAGE = "password_change"
    LEFT_THROUGH = {"logout", "set_language", "admin:logout"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(API_PREFIX):
            return None
        user = getattr(request, "user", None)
        if not (user is not None and user.is_authenticated and user.password_change_required):
            return None
        name = request.resolver_match.view_name if request.resolver_match else ""
        if name in self.LEFT_THROUGH or name.startswith("password_"):
            return None
        target = reverse(self.PAGE)
        if request.method == "GET":
            target = f"{target}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}"
        return HttpResponseRedirect(target)
