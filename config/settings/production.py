"""Production settings: refuse to start with the development secret key or without a real database;
HTTPS only (redirect, HSTS, secure cookies), each configurable from the environment for a
deployment whose TLS proxy already does it (`manage.py check --deploy` passes with the defaults)."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, DEVELOPMENT_SECRET_KEY, REST_FRAMEWORK, SECRET_KEY, env

if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a private value of at least 32 characters in production."
    )
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL in production.")

DEBUG = False
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# A year, subdomains included, as the preload list requires; a first deployment may start lower.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# That proxy appends the client's address to X-Forwarded-For: sign-ins are throttled per client,
# not per proxy (courses.core.throttling). 0 when nothing stands in front of the app.
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": env.int("NUM_PROXIES", default=1)}
if not env("REDIS_URL"):
    raise ImproperlyConfigured("REDIS_URL must point to the Redis broker in production.")
if not env("EMAIL_URL", default=""):
    raise ImproperlyConfigured("EMAIL_URL must point to the SMTP server in production (smtp+tls://...).")
if not env("PUBLIC_BASE_URL", default=""):
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be the site's public https:// address in production.")
