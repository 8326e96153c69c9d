"""The request bodies of the API, parsed with the checks every text field needs.

Registered as DRF's DEFAULT_PARSER_CLASSES (config/settings/base.py; query strings are checked
by courses.core.query_strings), so that every endpoint, every field and every item of a list or JSON
field is covered before any serializer runs:

- A string holding a control character (courses.core.text.CONTROL_CHARACTERS) is refused with a 400
  naming the field by its path ("phone", "records.3.note"). Tab, line feed and carriage return
  are text; the rest is never typed by a person and breaks what the text is later written into
  (PostgreSQL refuses NUL and a lone surrogate, an XLSX refuses most C0 controls).
- JSON nested deeper than MAX_DEPTH is refused with a 400. No request of the API nests beyond a
  few levels; Python's parser recurses, and a body nested 100,000 deep would exhaust the stack.
"""

from __future__ import annotations

import codecs
import re
from json import JSONDecodeError

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers
from rest_framework.utils import json

from courses.core.text import escape_control_characters, has_control_characters

MAX_DEPTH = 64
# How a control character can be spelt in JSON text besides itself: as \b or \f, or as a \u
# escape (of U+0000-U+00FF, a surrogate or U+FFFE/U+FFFF; wider than needed, never narrower).
# A body without any has no string to check: a 6,300-record attendance batch (950 KB) is read
# in 14 ms instead of 40 (DRF alone: 6 ms).
_JSON_ESCAPES = re.compile(r"\\[bf]|\\u(?:00|[dD][89a-fA-F]|[fF]{3}[eEfF])")
# Enough to point at every field a client got wrong, not a page per string of a flooded body.
MAX_ERRORS = 50


def _too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        _("Dữ liệu JSON lồng nhau quá sâu (tối đa %(depth)d cấp).") % {"depth": MAX_DEPTH}
    )


# What Python's JSON parser says it expected, in English; said in the user's language instead.
_JSON_PROBLEMS = {
    "Expecting value": gettext_lazy("thiếu một giá trị"),
    "Expecting ',' delimiter": gettext_lazy("thiếu dấu phẩy (,)"),
    "Expecting ':' delimiter": gettext_lazy("thiếu dấu hai chấm (:)"),
    "Expecting property name enclosed in double quotes": gettext_lazy(
        "tên trường phải đặt trong dấu nháy kép"
    ),
    "Unterminated string starting at": gettext_lazy("chuỗi ký tự chưa được đóng bằng dấu nháy kép"),
    "Invalid \\escape": gettext_lazy("ký tự thoát (\\) không hợp lệ"),
    "Invalid \\uXXXX escape": gettext_lazy("mã \\uXXXX không hợp lệ"),
    "Extra data": gettext_lazy("còn dữ liệu thừa sau giá trị JSON"),
    # Python 3.13 and later
    "Illegal trailing comma before end of object": gettext_lazy("thừa dấu phẩy trước dấu }"),
    "Illegal trailing comma before end of array": gettext_lazy("thừa dấu phẩy trước dấu ]"),
}


def _unreadable_json(exc: ValueError, encoding: str) -> exceptions.ParseError:
    """The 400 for a body that is no JSON, in the user's language (DRF words it "JSON parse error -"
    and Python's English reason): where the parser stopped, and why when Python's reason is known."""
    if isinstance(exc, JSONDecodeError):
        where = {"line": exc.lineno, "column": exc.colno}
        problem = _JSON_PROBLEMS.get(exc.msg)
        if problem is None:
            return exceptions.ParseError(
                _("Nội dung gửi lên không phải JSON hợp lệ (dòng %(line)d, cột %(column)d).") % where
            )
        return exceptions.ParseError(
            _("Nội dung gửi lên không phải JSON hợp lệ: %(problem)s (dòng %(line)d, cột %(column)d).")
            % {"problem": problem, **where}
        )
    if isinstance(exc, UnicodeDecodeError):
        return exceptions.ParseError(
            _("Nội dung gửi lên không phải văn bản %(encoding)s hợp lệ.") % {"encoding": encoding}
        )
    if "not JSON compliant" in str(exc):  # json.strict_constant: NaN, Infinity, -Infinity
        return exceptions.ParseError(
            _("Nội dung gửi lên không phải JSON hợp lệ: NaN và Infinity không phải là số JSON.")
        )
    return exceptions.ParseError(_("Nội dung gửi lên không phải JSON hợp lệ."))


def _path(parent: str, name) -> str:
    name = escape_control_characters(str(name))
    return f"{parent}.{name}" if parent else name


def control_characters_message() -> str:
    return _("Không được chứa ký tự điều khiển.")


def refuse_deep_nesting(data) -> None:
    """Raise a 400 if lists and objects nest past MAX_DEPTH levels (walked without recursion)."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        items = value.values() if isinstance(value, dict) else value
        if depth >= MAX_DEPTH:
            raise _too_deep()
        stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))


def refuse_control_characters(data) -> None:
    """Raise a 400 naming each string of `data` (keys included) that holds a control character.

    Walked with an explicit stack, not recursion: `data` nests at most MAX_DEPTH levels.
    """
    errors: dict[str, list[str]] = {}
    message = control_characters_message()
    stack = [(data, "")]
    while stack and len(errors) < MAX_ERRORS:
        value, path = stack.pop()
        if isinstance(value, str):
            if has_control_characters(value):
                errors.setdefault(path or "non_field_errors", [message])
            continue
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            continue
        for name, item in reversed(items):  # popped in the order they were sent
            if isinstance(name, str) and has_control_characters(name):
                errors.setdefault(_path(path, name), [message])
            else:
                stack.append((item, _path(path, name)))
    if errors:
        raise exceptions.ValidationError(errors)


def _form_fields(data) -> dict:
    """A form's fields by name, a field sent several times as a list: "name", "name.1"."""
    return {name: values[0] if len(values) == 1 else values for name, values in data.lists()}


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            # strict=False reads a raw control character inside a string as the escaped one
            # would be, so that the refusal below names its field instead of failing to parse.
            data = json.loads(
                text, strict=False, parse_constant=json.strict_constant if self.strict else None
            )
        except RecursionError:
            raise _too_deep() from None
        except ValueError as exc:
            raise _unreadable_json(exc, encoding) from None
        if isinstance(data, (dict, list)):
            refuse_deep_nesting(data)
        if has_control_characters(text) or _JSON_ESCAPES.search(text):
            refuse_control_characters(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        refuse_control_characters(_form_fields(data))
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        refuse_control_characters(_form_fields(parsed.data))
        return parsed
