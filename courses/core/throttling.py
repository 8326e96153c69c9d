"""Failed sign-ins, counted per account and per address: past a limit, signing in is refused until
the window that began with the first failure ends.

Counted: every password check that fails, whatever the form (the API's token endpoint, the
dashboard's /login/, the Django admin's login): the authentication backend
(courses.core.backends.ModelBackend) counts it, and refuses to check a password while a limit is
reached. A refresh token refused by the refresh endpoint counts against its address.

Answered: the token and refresh endpoints refuse through DRF's throttling (the classes below:
429 with Retry-After, in the one JSON error shape), before reading any credentials; the
dashboard's /login/ answers 429 with Retry-After too (reporting.pages.dashboard.LoginView).

Requests for a password reset email (reporting.pages.accounts) are counted the same way, every
one of them, per identifier typed and per address (reset_wait, reset_asked).

The limits are REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] "sign_in_account", "sign_in_address",
"refresh_address", "password_reset_account" and "password_reset_address", each "<failures>/<period>" as DRF writes rates, the period optionally with a
multiple ("10/15m"). The counts live in Django's cache (Redis: shared by every process); a cache
that cannot be reached throttles nothing rather than stop everyone from signing in.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

from courses.core.versioned_cache import VersionedCache

logger = logging.getLogger(__name__)

ACCOUNT, ADDRESS, REFRESH_ADDRESS = "sign_in_account", "sign_in_address", "refresh_address"
RESET_ACCOUNT, RESET_ADDRESS = "password_reset_account", "password_reset_address"

# Used for its namespace (one per database) and its version: the counts are kept under the
# current version, so that forget() (tests) starts every count from zero.
failures = VersionedCache("sign-in-failures", timeout=24 * 3600)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Limit:
    failures: int
    seconds: int


def limit_of(scope: str) -> Limit:
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"throttle rate {scope}={rate!r}: expected e.g. '10/15m'")
    count, multiple, unit = match.groups()
    return Limit(int(count), int(multiple or 1) * _SECONDS[unit])


def address_of(request) -> str:
    """The client's address as DRF's throttles see it (REST_FRAMEWORK["NUM_PROXIES"])."""
    return BaseThrottle().get_ident(request) or ""


def username_of(data) -> str | None:
    value = data.get("username") if isinstance(data, Mapping) else None
    return str(value) if isinstance(value, (str, int)) and str(value) else None


def _counted(request, username: str | None, *, refresh: bool = False) -> list[tuple[str, str]]:
    if refresh:
        return [(REFRESH_ADDRESS, address_of(request))] if request is not None else []
    counted = [(ACCOUNT, username)] if username else []
    if request is not None:
        counted.append((ADDRESS, address_of(request)))
    return counted


def _keys(version: str, scope: str, ident: str) -> tuple[str, str]:
    key = failures.key(version, scope, ident)
    return key, f"{key}:since"


def _version() -> str | None:
    return VersionedCache.lookup_many([(failures, None)])[0][0]


def wait(request, username: str | None = None, *, refresh: bool = False) -> float | None:
    """Seconds until a sign-in (or a refresh) may be tried again; None when it may now."""
    return _wait_for(_counted(request, username, refresh=refresh))


def _wait_for(counted: list[tuple[str, str]]) -> float | None:
    version = _version() if counted else None
    if version is None:
        return None
    try:
        keys = {scope: _keys(version, scope, ident) for scope, ident in counted}
        found = cache.get_many([key for pair in keys.values() for key in pair])
    except Exception:  # noqa: BLE001 - no counts: throttle nothing rather than refuse everyone
        logger.warning("sign-in failures unreadable: not throttled", exc_info=True)
        return None
    now = time.time()
    waits = []
    for scope, (count_key, since_key) in keys.items():
        limit = limit_of(scope)
        if (found.get(count_key) or 0) >= limit.failures:
            since = found.get(since_key) or now
            waits.append(max(1.0, since + limit.seconds - now))
    return max(waits) if waits else None


def failed(request, username: str | None = None, *, refresh: bool = False) -> None:
    """Count a failed sign-in (or refresh) against its account and address."""
    _count(_counted(request, username, refresh=refresh))


def _count(counted: list[tuple[str, str]]) -> None:
    version = _version() if counted else None
    if version is None:
        return
    try:
        for scope, ident in counted:
            count_key, since_key = _keys(version, scope, ident)
            seconds = limit_of(scope).seconds
            cache.add(since_key, time.time(), timeout=seconds)
            cache.add(count_key, 0, timeout=seconds)
            try:
                cache.incr(count_key)
            except ValueError:  # expired between add and incr: a new window
                cache.add(count_key, 1, timeout=seconds)
    except Exception:  # noqa: BLE001
        logger.warning("sign-in failure not counted", exc_info=True)


# --- password reset requests -----------------------------------------------------------------------
# Every request for a reset email counts (not only failures), per what was typed (an identification
# number or an email, whether or not an account has it: the limit says nothing about accounts) and
# per address, under the rates "password_reset_account" and "password_reset_address".


def _reset_counted(request, identifier: str) -> list[tuple[str, str]]:
    return [(RESET_ACCOUNT, identifier.casefold()), (RESET_ADDRESS, address_of(request))]


def reset_wait(request, identifier: str) -> float | None:
    """Seconds until a reset email may be asked for again for `identifier` or from this address."""
    return _wait_for(_reset_counted(request, identifier))


def reset_asked(request, identifier: str) -> None:
    """Count a request for a reset email."""
    _count(_reset_counted(request, identifier))


def refused(wait: float | None) -> Throttled:
    """The 429 of a sign-in or refresh refused (a view's `throttled`), with Retry-After."""
    seconds = math.ceil(wait or 1)
    message = _("Quá nhiều lần đăng nhập sai: hãy thử lại sau %(minutes)d phút.") % {
        "minutes": math.ceil(seconds / 60)
    }
    return Throttled(wait=seconds, detail=message)


class _Throttle(BaseThrottle):
    refresh = False

    def allow_request(self, request, view):
        username = None if self.refresh else username_of(request.data)
        self._wait = wait(request, username, refresh=self.refresh)
        return self._wait is None

    def wait(self):
        return math.ceil(self._wait) if self._wait is not None else None


class SignInThrottle(_Throttle):
    """The token endpoint: refused while the account named or the address failed too often."""


class RefreshThrottle(_Throttle):
    """The refresh endpoint: refused while the address presented too many refused tokens."""

    refresh = True
