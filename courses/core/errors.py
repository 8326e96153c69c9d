"""One domain error type and one JSON error shape for the whole API.

Every error response looks like::

    {"status": 400, "code": "invalid", "message": "…",
     "errors": [{"field": "topics.0.hours", "row": 7, "code": "invalid", "message": "…"}]}

`field` and `row` are present when the error belongs to one (a row of an imported file).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

# The prefix under which every answer, errors included, is JSON in the one shape.
API_PREFIX = "/api/"


@dataclass
class ErrorItem:
    message: str
    field: str | None = None
    row: int | None = None
    code: str = "invalid"

    def as_dict(self) -> dict:
        item = {"code": self.code, "message": str(self.message)}
        if self.field is not None:
            item["field"] = self.field
        if self.row is not None:
            item["row"] = self.row
        return item


@dataclass
class DomainError(Exception):
    """A rule of the domain was broken by the request; mapped to a 4xx response."""

    message: str
    code: str = "invalid"
    status: int = status.HTTP_400_BAD_REQUEST
    field: str | None = None
    errors: list[ErrorItem] = dataclasses.field(default_factory=list)

    def __post_init__(self):
        super().__init__(self.message)
        if self.field and not self.errors:
            self.errors = [ErrorItem(message=self.message, field=self.field, code=self.code)]

    def as_dict(self) -> dict:
        return error_body(self.status, self.code, self.message, [e.as_dict() for e in self.errors])


def error_body(status_code: int, code: str, message: str, errors: list[dict] | None = None) -> dict:
    return {"status": status_code, "code": code, "message": str(message), "errors": errors or []}


def flatten_detail(detail, prefix: str | None = None) -> list[dict]:
    """Turn DRF's nested error detail into a flat list naming each field by its path."""
    items: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else str(key)
            path = ".".join(p for p in (prefix, name) if p) or None
            items.extend(flatten_detail(value, path))
    elif isinstance(detail, list):
        nested = any(isinstance(v, (dict, list)) for v in detail)
        for index, value in enumerate(detail):
            path = f"{prefix}.{index}" if nested and prefix else prefix
            items.extend(flatten_detail(value, path))
    else:
        item = {"code": getattr(detail, "code", "invalid") or "invalid", "message": str(detail)}
        if prefix:
            item["field"] = prefix
        items.append(item)
    return items


_CODES = {
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_409_CONFLICT: "conflict",
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "too_large",
}


def too_large_error(message: str | None = None, field: str | None = None) -> DomainError:
    return DomainError(
        message=message or _("Dữ liệu gửi lên quá lớn."),
        code="too_large",
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        field=field,
    )


def permission_denied_error(message: str | None = None, field: str | None = None) -> DomainError:
    """403 for a write the user's role or scope doesn't allow, raised by the services."""
    return DomainError(
        message=message or _("Bạn không có quyền thực hiện thao tác này."),
        code="permission_denied",
        status=status.HTTP_403_FORBIDDEN,
        field=field,
    )


def suspicious_request_error(exc: SuspiciousOperation) -> DomainError:
    """Django's refusals of a request it finds suspicious (a body or field count over the limits, a
    Host header not allowed, a malformed multipart body): 413 for size, 400 for the rest. The
    exception's text is for the security log Django writes, not for the client."""
    if isinstance(exc, RequestDataTooBig):
        return too_large_error()
    return DomainError(message=_("Yêu cầu không hợp lệ."), code="bad_request")


def api_exception_handler(exc, context):
    if isinstance(exc, SuspiciousOperation):
        # Logged where Django logs those it handles itself, for whoever watches the security log.
        logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
        exc = suspicious_request_error(exc)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, IntegrityError):
        # A constraint the validation did not foresee (often a concurrent write): the request
        # conflicts with stored data, which is kept as it was.
        body = error_body(status.HTTP_409_CONFLICT, "conflict", _("Yêu cầu xung đột với dữ liệu đã lưu."))
        return Response(body, status=status.HTTP_409_CONFLICT)

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        items = flatten_detail(exc.detail)
        if items and all(item["code"] == "unknown_field" for item in items):
            # A body with fields the write does not take (courses.core.write_fields): said as such.
            body = error_body(
                response.status_code, "unknown_field", _("Dữ liệu gửi lên có trường không được nhận."), items
            )
        else:
            body = error_body(response.status_code, "invalid", _("Dữ liệu không hợp lệ."), items)
    else:
        # An exception may name its own code (error_code), more precise than its status's.
        code = getattr(exc, "error_code", None) or _CODES.get(
            response.status_code, getattr(exc, "default_code", "error")
        )
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, dict):
            # simplejwt rejects a bad bearer token with a dict detail; its "detail" is the message.
            detail = detail.get("detail", _("Dữ liệu không hợp lệ."))
        body = error_body(response.status_code, code, str(detail))
    response.data = body
    return response


def json_bad_request(request, exception=None):
    """handler400: what Django answers for a SuspiciousOperation raised outside an API view (a
    Host header not in ALLOWED_HOSTS, raised by the middleware): JSON in the one shape under /api/,
    Django's own page elsewhere."""
    if not request.path.startswith(API_PREFIX):
        return defaults.bad_request(request, exception)
    error = (
        suspicious_request_error(exception)
        if isinstance(exception, SuspiciousOperation)
        else DomainError(message=_("Yêu cầu không hợp lệ."), code="bad_request")
    )
    return JsonResponse(error.as_dict(), status=error.status)


def json_not_found(request, exception=None):
    return JsonResponse(error_body(404, "not_found", _("Không tìm thấy.")), status=404)


def json_server_error(request):
    return JsonResponse(error_body(500, "server_error", _("Lỗi máy chủ.")), status=500)


class CacheUnavailable(DomainError):
    """A change that must replace a cache's version (courses.core.versioned_cache) while the cache
    cannot be reached: refused before anything commits, with a 503 the client may retry."""

    def __init__(self):
        super().__init__(
            message=_("Tạm thời không lưu được thay đổi; hãy thử lại sau."),
            code="unavailable",
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
