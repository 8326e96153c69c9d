"""OpenAPI pieces shared by every app's API: the one error shape, documented once.

Every view names the error statuses it can answer with `error_responses(...)`, so that clients
read a single `ErrorResponse` component whatever the endpoint.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        required=False,
        help_text='Path of the field in error, e.g. "topics.1.hours"; absent for whole-request errors.',
    )
    row = serializers.IntegerField(required=False, help_text="Row of an imported file, when there is one.")
    code = serializers.CharField(help_text='Machine-readable code, e.g. "required", "invalid".')
    message = serializers.CharField(help_text="Human-readable message in the request's language.")


class ErrorResponseSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(
        help_text='"invalid", "not_authenticated", "permission_denied", "not_found", "conflict", …'
    )
    message = serializers.CharField()
    errors = ErrorItemSerializer(many=True)

    class Meta:
        # Pinned so that every app refers to the same component.
        ref_name = "ErrorResponse"


_DESCRIPTIONS = {
    400: "Invalid input: each item of `errors` names the field (and row) it belongs to.",
    401: "Not signed in, or the token is invalid or expired.",
    403: "Signed in, but the role may not do this.",
    404: "No such object, or not visible to this user.",
    409: "The request conflicts with stored data (e.g. the object is still referenced).",
    429: "Too many failed attempts: try again after the `Retry-After` header's seconds.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ErrorResponseSerializer, description=_DESCRIPTIONS[code]) for code in statuses
    }


def json_error_responses(*statuses: int) -> dict[tuple[int, str], OpenApiResponse]:
    """The errors of an endpoint whose success is a file (courses.core.renderers): JSON only."""
    return {(code, "application/json"): response for code, response in error_responses(*statuses).items()}


# The usual sets: reads need a signed-in user; writes also need the right role.
READ_LIST_ERRORS = error_responses(400, 401)
READ_DETAIL_ERRORS = error_responses(401, 404)
CREATE_ERRORS = error_responses(400, 401, 403, 409)
UPDATE_ERRORS = error_responses(400, 401, 403, 404, 409)
DELETE_ERRORS = error_responses(401, 403, 404, 409)


WRITE_RULE = "Central admins only; other roles get 403."


def crud_schema(
    *,
    singular: str,
    plural: str,
    description: str,
    read,
    list_read=None,
    write=None,
    read_only: bool = False,
) -> dict:
    """extend_schema_view arguments documenting the actions of a model viewset."""
    actions = {
        "list": extend_schema(
            summary=f"List {plural}",
            description=f"{description}\n\nAny signed-in user. Paginated: `page`, `page_size`.",
            responses={200: list_read or read, **READ_LIST_ERRORS},
        ),
        "retrieve": extend_schema(
            summary=f"Get one {singular}",
            description=f"{description}\n\nAny signed-in user.",
            responses={200: read, **READ_DETAIL_ERRORS},
        ),
    }
    if read_only:
        return actions
    write = write or read
    actions.update(
        create=extend_schema(
            summary=f"Create a {singular}",
            description=WRITE_RULE,
            request=write,
            responses={201: read, **CREATE_ERRORS},
        ),
        update=extend_schema(
            summary=f"Replace a {singular}",
            description=f"{WRITE_RULE} Fields left out take their defaults.",
            request=write,
            responses={200: read, **UPDATE_ERRORS},
        ),
        partial_update=extend_schema(
            summary=f"Change some fields of a {singular}",
            description=f"{WRITE_RULE} Fields left out keep their values.",
            request=write,
            responses={200: read, **UPDATE_ERRORS},
        ),
        destroy=extend_schema(
            summary=f"Delete a {singular}",
            description=f"{WRITE_RULE} 409 while other records still refer to it.",
            responses={204: None, **DELETE_ERRORS},
        ),
    )
    return actions


class BoundedFilterExtension(DjangoFilterExtension):
    """django-filter's parameters, with the bounds a filter declares in `openapi_schema`
    (courses.core.filter_fields): ids and years are integers within a range, not any number."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        bounds = getattr(filter_field, "openapi_schema", None)
        if bounds:
            for parameter in parameters:
                parameter["schema"] = {**parameter["schema"], **bounds}
        return parameters


_BODY_TOO_LARGE = "The body is larger than the server accepts (an uploaded file: `IMPORT_MAX_FILE_BYTES`)."
_UNSUPPORTED_MEDIA = (
    "The body is not in a media type the operation reads (its `Content-Type`, or a part of a multipart body)."
)
_BAD_PAGE = "`page` is not a page of the list (a whole number from 1 to the last page)."


def document_shared_errors(result, generator, request, public):
    """Postprocessing hook: the errors that the shared machinery answers for every operation of a
    kind, documented on each: 400 for a bad `page` on every paginated list (courses.core.pagination),
    413 for an over-large body on every operation that takes one (courses.core.middleware) and 415
    for a body DRF's parsers do not read."""
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if any(
                p.get("name") == "page" and p.get("in") == "query" for p in operation.get("parameters", [])
            ):
                responses.setdefault("400", {**error, "description": _BAD_PAGE})
            if "requestBody" in operation:
                responses.setdefault("413", {**error, "description": _BODY_TOO_LARGE})
                responses.setdefault("415", {**error, "description": _UNSUPPORTED_MEDIA})
    return result


def refuse_unknown_request_fields(result, generator, request, public):
    """Postprocessing hook: every request body refuses the fields it does not take (400
    `unknown_field`, courses.core.write_fields), so each object of a request body, nested ones
    included, says `additionalProperties: false`. Request objects are components of their own
    (COMPONENT_SPLIT_REQUEST), so no response shape is touched."""
    components = result.get("components", {}).get("schemas", {})
    closed: set[str] = set()

    def close(schema) -> None:
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in closed and name in components:
                closed.add(name)
                close(components[name])
            return
        if "properties" in schema:
            schema.setdefault("additionalProperties", False)
            for value in schema["properties"].values():
                close(value)
        for key in ("items", "additionalProperties"):
            close(schema.get(key))
        for key in ("allOf", "anyOf", "oneOf"):
            for value in schema.get(key, []):
                close(value)

    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                for media in operation["requestBody"].get("content", {}).values():
                    close(media.get("schema"))
    return result


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, knowing that a read-only field of a model serializer returns what the
    column stores: "" for a text column that may be blank. DRF drops `allow_blank` from read-only
    fields, so the schema declared an e-mail format or a choice enum that "" breaks."""

    def _get_response_bodies(self, direction="response"):
        # A throttled view answers 429 once its rate is spent, whichever operation it is.
        responses = super()._get_response_bodies(direction)
        if getattr(self.view, "throttle_classes", None) and "429" not in responses:
            responses["429"] = self._get_response_for_code(
                error_responses(429)[429], "429", direction=direction
            )
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if field.read_only and getattr(field, "allow_blank", None) is False and _stores_blank(field):
            field.allow_blank = True  # read-only: never validated, only documented
        return super()._map_serializer_field(field, direction, bypass_extensions)


def _stores_blank(field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return False
    try:
        column = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return isinstance(column, models.CharField | models.TextField) and column.blank
