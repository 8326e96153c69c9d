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

Each process also keeps, for the same views, the tokens it has validated (the signature and
claims of a token never change: only its expiry is checked again) and the accounts it last read
with the version they were read under, so that a report whose answer is cached can check the
account's version in the same round trip as the answer (account_of_request).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication as simplejwt
from rest_framework_simplejwt import utils as simplejwt_utils
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings

from courses.models import User
from courses.permissions import is_admin
from courses.versioned_cache import VersionedCache

accounts = VersionedCache("accounts", timeout=60)

# What authentication (is_active) and the role and scope checks (courses.permissions) read.
CACHED_FIELDS = ("id", "username", "role", "province_id", "is_active", "is_superuser", "is_staff")

# Bounded: emptied when full (a few admins read reports again and again; anyone else is read anew).
PROCESS_MEMO_SIZE = 2048
_validated_tokens: dict[bytes, object] = {}
# user id -> (the accounts version read, the account's CACHED_FIELDS)
_accounts_read: dict[object, tuple[str, dict]] = {}


def _remember(memo: dict, key, value) -> None:
    if len(memo) >= PROCESS_MEMO_SIZE:
        memo.clear()
    memo[key] = value


def _account(fields: dict) -> User:
    return User.from_db(
        "default",
        CACHED_FIELDS,
        [fields[f.attname] for f in User._meta.concrete_fields if f.attname in fields],
    )


def account_of_request(request) -> tuple[User, str] | None:
    """The active admin a Django request's bearer token names, as this process last read their
    account, and the accounts version it was read under; the caller must check that this version
    is still the current one. None when anything is missing or not as expected: the caller then
    authenticates through DRF, which reads the account and answers any error."""
    if api_settings.CHECK_REVOKE_TOKEN:
        return None
    authentication = JWTAuthentication()
    try:
        header = authentication.get_header(request)
        raw_token = authentication.get_raw_token(header) if header is not None else None
        if raw_token is None:
            return None
        user_id = authentication.get_validated_token(raw_token)[api_settings.USER_ID_CLAIM]
    except (InvalidToken, AuthenticationFailed, KeyError):
        return None
    read = _accounts_read.get(user_id)
    if read is None:
        return None
    version, fields = read
    user = _account(fields)
    if not user.is_active or not is_admin(user):
        return None
    return user, version


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

    def get_validated_token(self, raw_token: bytes):
        token = _validated_tokens.get(raw_token)
        if token is not None:
            try:
                # A token keeps the time it was decoded at: check against now.
                token.check_exp(current_time=simplejwt_utils.aware_utcnow())
                return token
            except TokenError:
                _validated_tokens.pop(raw_token, None)  # expired: simplejwt's own error below
        token = super().get_validated_token(raw_token)
        _remember(_validated_tokens, raw_token, token)
        return token

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
            fields = {name: getattr(user, name) for name in CACHED_FIELDS}
            accounts.store(key, version, fields)
            if version is not None:
                _remember(_accounts_read, user_id, (version, fields))
            return user
        _remember(_accounts_read, user_id, (version, fields))
        user = _account(fields)
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return user


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of simplejwt's authentication, for this one."""

    target_class = JWTAuthentication
