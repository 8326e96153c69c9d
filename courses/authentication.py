"""The API's JWT authentication: simplejwt's, except that views read again and again by the same
few users (the admins' reports: `account_from_cache = True`) read the account through a
versioned cache instead of the database.

simplejwt reads the user from the database on every request, to see the account as it is now
(deactivated, role or province changed). The fields that authentication and the role and scope
checks read are kept in the cache under a version that every save or deletion of any account
replaces, at once and at commit (courses.versioned_cache; apps.py connects the signals), so a
request still sees the account as last committed. The other fields are left deferred: a view
reading one loads it from the database, never a stale copy. Writes that bypass the model's
signals (QuerySet.update, raw SQL) are seen once the entry expires, after a minute at most.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication as simplejwt
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from courses.models import User
from courses.versioned_cache import VersionedCache

accounts = VersionedCache("accounts", timeout=60)

# What authentication (is_active) and the role and scope checks (courses.permissions) read.
CACHED_FIELDS = ("id", "username", "role", "province_id", "is_active", "is_superuser", "is_staff")


class JWTAuthentication(simplejwt.JWTAuthentication):
    def authenticate(self, request):
        view = (request.parser_context or {}).get("view")
        if not getattr(view, "account_from_cache", False) or api_settings.CHECK_REVOKE_TOKEN:
            return super().authenticate(request)
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        validated_token = self.get_validated_token(raw_token)
        return self.get_user_from_cache(validated_token), validated_token

    def get_user_from_cache(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(_("Token contained no recognizable user identification")) from e
        key = accounts.key(api_settings.USER_ID_FIELD, user_id)
        version, fields = accounts.lookup(key)
        if fields is None:
            # simplejwt's own read and checks; only an account that passed them is kept.
            user = self.get_user(validated_token)
            accounts.store(key, version, {name: getattr(user, name) for name in CACHED_FIELDS})
            return user
        user = User.from_db(
            "default",
            CACHED_FIELDS,
            [fields[f.attname] for f in User._meta.concrete_fields if f.attname in fields],
        )
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return user


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of simplejwt's authentication, for this one."""

    target_class = JWTAuthentication
