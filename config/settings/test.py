"""Test settings: fast password hashing; the database and broker still come from the environment."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"

# Tasks run in-process unless a test asks for the real worker (the celery_worker fixture).
CELERY_TASK_ALWAYS_EAGER = True
