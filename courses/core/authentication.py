"""Who is calling: the account a bearer token names, as that account is now.

Every API request is authenticated here (or by DRF's session authentication, for the dashboard's
browser), reports included: the account is read from the database on every request, with no
cache in between, so that a deactivation, a role or a province changed by any means (the Django
admin, a service, QuerySet.update) applies to the very next request. A token also ends when the
account moves to a new token generation (a new password, a deactivation, a new role or province:
courses.models.User), on refresh as on every request.

An account whose password someone else set (User.password_change_required) signs in and
refreshes as any other, but every endpoint answers it 403 `password_change_required` except those
marked `allowed_before_password_change` (who am I; change my password): its owner chooses a
password first. Checked here, where every authenticated API request passes, whatever the view's
permission classes; the pages have the same rule (courses.core.middleware).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme as SpectacularSessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import authentication as drf_authentication
from rest_framework import exceptions
from rest_framework_simplejwt import authentication as simplejwt
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from courses.core.accounts import User
from courses.core.tokens import token_generation

_account_queries: dict[str, str] = {}  # by database vendor


def _account_query(connection) -> str:
    query = _account_queries.get(connection.vendor)
    if query is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in User._meta.concrete_fields)
        # Names from the model only, quoted; the id is a parameter.
        query = f"SELECT {columns} FROM {quote(User._meta.db_table)} WHERE {quote(User._meta.pk.column)} = %s"  # noqa: S608
        _account_queries[connection.vendor] = query
    return query


def account_read(user_id) -> User | None:
    """The account as it is now: its whole row (no field left for a view to load later), read by
    primary key in one indexed query, and built as the ORM builds it (the backend's converters,
    Model.from_db). Runs on every API request, so without compiling a query each time (User.objects
    .get costs about three times as much)."""
    try:
        pk = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    connection = connections[router.db_for_read(User)]
    with connection.cursor() as cursor:
        cursor.execute(_account_query(connection), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    fields = User._meta.concrete_fields
    values = []
    for field, value in zip(fields, row, strict=True):
        column = field.get_col(User._meta.db_table)
        for convert in (*connection.ops.get_db_converters(column), *field.get_db_converters(connection)):
            value = convert(value, column, connection)
        values.append(value)
    return User.from_db(connection.alias, [field.attname for field in fields], values)


def token_account(token) -> User:
    """The account a validated token (access or refresh) names, read now; AuthenticationFailed
    when there is none, it is inactive, or the token is of an earlier generation."""
    try:
        user_id = token[api_settings.USER_ID_CLAIM]
    except KeyError as e:
        raise InvalidToken(_("Token không cho biết tài khoản.")) from e
    user = account_read(user_id)
    if user is None or not user.is_active:
        raise AuthenticationFailed(_("Tài khoản không tồn tại hoặc đã bị khoá."), code="user_inactive")
    if token_generation(token) != user.token_generation:
        raise AuthenticationFailed(
            _(
                "Phiên đăng nhập đã kết thúc vì mật khẩu, vai trò hoặc đơn vị của tài khoản đã thay đổi: hãy đăng nhập lại."
            ),
            code="token_revoked",
        )
    return user


class PasswordChangeRequired(exceptions.PermissionDenied):
    default_detail = _(
        "Mật khẩu của tài khoản do người khác đặt: hãy đổi mật khẩu (POST /api/v1/me/password) trước khi dùng tiếp."
    )
    default_code = error_code = "password_change_required"


def refuse_until_password_changed(request, user) -> None:
    """403 password_change_required for an account that must change its password, unless the view
    is marked `allowed_before_password_change`."""
    if not getattr(user, "password_change_required", False):
        return
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if not getattr(view, "allowed_before_password_change", False):
        raise PasswordChangeRequired()


class JWTAuthentication(simplejwt.JWTAuthentication):
    def get_user(self, validated_token):
        return token_account(validated_token)

    def authenticate(self, request):
        authenticated = super().authenticate(request)
        if authenticated is not None:
            refuse_until_password_changed(request, authenticated[0])
        return authenticated


class SessionAuthentication(drf_authentication.SessionAuthentication):
    """DRF's, for the pages' browser (the dashboard's export links), with the same refusal."""

    def authenticate(self, request):
        authenticated = super().authenticate(request)
        if authenticated is not None:
            refuse_until_password_changed(request, authenticated[0])
        return authenticated


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of simplejwt's authentication, for this one."""

    target_class = JWTAuthentication


class SessionScheme(SpectacularSessionScheme):
    """The OpenAPI security scheme of DRF's session authentication, for this one."""

    target_class = SessionAuthentication
