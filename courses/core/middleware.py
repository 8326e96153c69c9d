"""Refuses an over-large request body under /api/ before anything reads it: 413 in the one error shape.

Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when `request.body` or `request.POST` is read; DRF's
parsers read the body stream themselves, so a JSON body had no limit at all. The limit is checked
here against the declared length (a body longer than declared is never read past it):
DATA_UPLOAD_MAX_MEMORY_SIZE for any body, plus IMPORT_MAX_FILE_BYTES for a multipart one, which
carries an uploaded file. Django's own checks (field counts, multipart fields) still apply.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

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
