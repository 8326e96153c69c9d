"""The fields a write of the API takes: any other field in its body is refused, never ignored.

A field the endpoint does not take would otherwise answer 200 and change nothing: the client,
having sent `{"position": 3}` to a learner whose field is `position_id`, believes it changed the
position. So every write serializer of the API (POST, PUT and PATCH bodies, JSON, form and
multipart alike) derives from StrictWriteMixin, and every write without a body calls
refuse_body_fields(). The rule:

- A body may carry only the fields the write takes: the writable fields of its serializer, which
  are the fields of the request body in the OpenAPI schema.
- Anything else is refused with a 400 whose items have the code `unknown_field`, name the field by
  its path ("records.3.colour" inside a nested object or list of objects) and list the fields
  taken there.
- Read-only fields (`id`, a `*_label`, a nested summary such as a learner's `position`) are
  refused too, not ignored: reads and writes have different shapes here (writes take ids, reads
  show labels), so a body read with GET is never a valid write, and a read-only field accepted
  silently is the same trap as an unknown one (a commune's `province` beside `province_id`).
- A form's or multipart body's `csrfmiddlewaretoken` (sent by the browsable API's forms) is not
  a field. Query parameters are not the body's (courses.core.query_strings checks those).

A body with a field it does not take is refused before it is validated: nothing validating
would set off happens (a sign-in attempt counted), and the message lists what is taken.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.fields import HiddenField
from rest_framework.utils import html

from courses.core.text import escape_control_characters

UNKNOWN_FIELD = "unknown_field"
# Not a field of any form: the browsable API's forms send it with the fields.
CSRF_FIELD = "csrfmiddlewaretoken"
# Enough to point at every field a client got wrong (as courses.core.parsers.MAX_ERRORS).
MAX_ERRORS = 50


def unknown_field_message(accepted, *, read_only: bool = False) -> str:
    """The message of an `unknown_field` error item: what is taken there instead."""
    accepted = ", ".join(sorted(accepted))
    message = _("Trường chỉ đọc, không ghi được.") if read_only else _("Trường không được nhận.")
    if not accepted:
        return _("%(message)s Yêu cầu này không nhận trường nào.") % {"message": message}
    return _("%(message)s Các trường được nhận: %(fields)s.") % {"message": message, "fields": accepted}


def _writable(serializer: serializers.Serializer) -> dict[str, serializers.Field]:
    return {
        name: field
        for name, field in serializer.fields.items()
        if not field.read_only and not isinstance(field, HiddenField)
    }


def _base_name(key: str) -> str:
    """A form names a list's items `name[0]` and a nested object's fields `name.key` (DRF's
    html.parse_html_list and parse_html_dict): the field is the part before either."""
    return key.split("[", 1)[0].split(".", 1)[0]


def _check_object(serializer, data, path: str, errors: dict) -> None:
    if not isinstance(data, Mapping):
        return  # DRF refuses a body that is not an object, naming what it got
    writable = _writable(serializer)
    form = html.is_html_input(data)
    for key in data:
        name = _base_name(key) if form else key
        if form and key == CSRF_FIELD:
            continue
        if name in writable:
            continue
        if len(errors) >= MAX_ERRORS:
            return
        field = serializer.fields.get(name)
        read_only = field is not None and field.read_only
        key_text = escape_control_characters(str(key))
        field_path = f"{path}.{key_text}" if path else key_text
        errors[field_path] = [
            exceptions.ErrorDetail(unknown_field_message(writable, read_only=read_only), code=UNKNOWN_FIELD)
        ]
    if form:
        return  # a form's nested values are strings, not objects to walk
    for name, field in writable.items():
        if name in data:
            _check_value(field, data[name], f"{path}.{name}" if path else name, errors)


def _check_value(field, value, path: str, errors: dict) -> None:
    """Walk into the objects a field holds: a nested serializer, a list of them (many=True or a
    ListField of serializers), a dict of them. Other values are the field's to validate."""
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        if isinstance(value, list):
            for index, item in enumerate(value):
                _check_value(field.child, item, f"{path}.{index}", errors)
    elif isinstance(field, serializers.DictField):
        if isinstance(value, Mapping):
            for key, item in value.items():
                _check_value(field.child, item, f"{path}.{key}", errors)
    elif isinstance(field, serializers.Serializer):
        _check_object(field, value, path, errors)


def unknown_fields(serializer: serializers.Serializer, data) -> dict[str, list]:
    """The fields of `data` that `serializer` does not take, by path, each with its error."""
    errors: dict[str, list] = {}
    _check_object(serializer, data, "", errors)
    return errors


class StrictWriteMixin:
    """Refuse the fields of a body that the serializer does not take (see the module's rule).

    For the serializer a view validates; nested serializers, lists of them and dicts of them are
    walked from it, so they need not derive from it themselves.
    """

    def is_valid(self, *, raise_exception=False):
        unknown = unknown_fields(self, self.initial_data) if hasattr(self, "initial_data") else {}
        if not unknown:
            return super().is_valid(raise_exception=raise_exception)
        self._validated_data = {}
        self._errors = unknown
        if raise_exception:
            raise exceptions.ValidationError(self.errors)
        return False


class NoBodySerializer(StrictWriteMixin, serializers.Serializer):
    """The body of a write that takes none: empty, or an object without fields."""


def refuse_body_fields(request) -> None:
    """For a write that takes no body (an action such as check-in): any field sent is refused."""
    NoBodySerializer(data=request.data).is_valid(raise_exception=True)
