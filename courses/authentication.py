"""Who is calling: the account a bearer token names, as that account is now.

Every API request is authenticated here (or by DRF's session authentication, for the dashboard's
browser), reports included: the account is read from the database on every request, with no
cache in between, so that a deactivation, a role or a province changed by any means (the Django
admin, a service, QuerySet.update) applies to the very next request. A token also ends when the
account moves to a new token generation (a new password, a deactivation, a new role or province:
courses.models.User), on refresh as on every request.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication as simplejwt
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from courses.models import User
from courses.tokens import token_generation


def token_account(token) -> User:
    """The account a validated token (access or refresh) names, read now; AuthenticationFailed
    when there is none, it is inactive, or the token is of an earlier generation."""
    try:
        user_id = token[api_settings.USER_ID_CLAIM]
    except KeyError as e:
        raise InvalidToken(_("Token không cho biết tài khoản.")) from e
    try:
        user = User.objects.get(**{api_settings.USER_ID_FIELD: user_id})
    except User.DoesNotExist:
        user = None
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


class JWTAuthentication(simplejwt.JWTAuthentication):
    def get_user(self, validated_token):
        return token_account(validated_token)


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of simplejwt's authentication, for this one."""

    target_class = JWTAuthentication
