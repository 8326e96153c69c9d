"""Query strings checked once for every request, as courses.core.parsers checks the bodies."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from courses.core.errors import error_body
from courses.core.parsers import control_characters_message
from courses.core.text import escape_control_characters, has_control_characters


class QueryStringMiddleware:
    """Refuses a query string holding a control character (a NUL would reach PostgreSQL, which
    refuses it): under /api/ a 400 in the API's error shape naming each parameter, elsewhere a
    plain 400. Runs after LocaleMiddleware, so the message is in the request's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = [
            escape_control_characters(name)
            for name, values in request.GET.lists()
            if has_control_characters(name) or any(has_control_characters(v) for v in values)
        ]
        if not bad:
            return self.get_response(request)
        message = control_characters_message()
        if not request.path.startswith("/api/"):
            return HttpResponseBadRequest(message)
        errors = [{"code": "invalid", "message": message, "field": name} for name in bad]
        return JsonResponse(error_body(400, "invalid", _("Dữ liệu không hợp lệ."), errors), status=400)
