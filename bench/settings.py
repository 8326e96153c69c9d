"""Settings of the benchmark's gunicorn and Celery worker: production settings (DEBUG off,
PostgreSQL and Redis required), plus the URLs of the naive reference views (bench.urls)."""

import os

# The benchmark sends no email and links nowhere: production asks for both to be set explicitly.
os.environ.setdefault("EMAIL_URL", "consolemail://")
os.environ.setdefault("PUBLIC_BASE_URL", "http://127.0.0.1")

from config.settings.production import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
# Plain HTTP on loopback, no TLS proxy in front: no HTTPS redirect or secure cookies get in the way.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# A queue of the run's own: no other worker on the same Redis takes the benchmark's tasks, and the
# benchmark's worker takes no one else's.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("BENCH_CELERY_QUEUE", "celery")
