"""Settings come from the environment; production refuses unsafe ones. Each case imports the
settings in a fresh interpreter, as a server start would."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 50
# What production needs besides the key, the database and the broker.
MAIL_AND_ADDRESS = {
    "EMAIL_URL": "smtp+tls://user:pw@mail.example.gov.vn:587",
    "PUBLIC_BASE_URL": "https://daotao.example.gov.vn",
}


def _settings(module: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", *MAIL_AND_ADDRESS}
    }
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, "
        "settings.CELERY_BROKER_URL, settings.DEBUG, settings.TIME_ZONE, settings.LANGUAGE_CODE)"
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unset_environment_falls_back_to_sqlite_and_in_process_tasks():
    result = _settings("config.settings.local")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "memory://",
        "True",
        "Asia/Ho_Chi_Minh",
        "vi",
    ]


def test_environment_selects_postgresql_and_the_redis_broker():
    result = _settings(
        "config.settings.local",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    engine, eager, broker, *_ = result.stdout.split()
    assert (engine, eager, broker) == ("django.db.backends.postgresql", "False", "redis://127.0.0.1:6379/0")


def test_production_refuses_the_development_secret_key():
    result = _settings(
        "config.settings.production",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_sqlite_and_a_missing_broker():
    no_database = _settings(
        "config.settings.production", SECRET_KEY=STRONG_KEY, REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert no_database.returncode != 0 and "DATABASE_URL" in no_database.stderr
    no_broker = _settings(
        "config.settings.production",
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
    )
    assert no_broker.returncode != 0 and "REDIS_URL" in no_broker.stderr


def test_production_starts_with_a_private_key_postgresql_redis_mail_and_its_address():
    result = _settings(
        "config.settings.production",
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        **MAIL_AND_ADDRESS,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[3] == "False"  # DEBUG


def test_production_refuses_to_start_without_smtp_or_its_public_address():
    needs = {
        "SECRET_KEY": STRONG_KEY,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    no_mail = _settings(
        "config.settings.production", **needs, PUBLIC_BASE_URL="https://daotao.example.gov.vn"
    )
    assert no_mail.returncode != 0 and "EMAIL_URL" in no_mail.stderr
    no_address = _settings("config.settings.production", **needs, EMAIL_URL=MAIL_AND_ADDRESS["EMAIL_URL"])
    assert no_address.returncode != 0 and "PUBLIC_BASE_URL" in no_address.stderr


def test_email_is_printed_to_the_console_unless_the_environment_names_a_server():
    code = "import django; from django.conf import settings; django.setup(); print(settings.EMAIL_BACKEND)"
    env = {k: v for k, v in os.environ.items() if k != "EMAIL_URL"}
    console = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert console.stdout.strip() == "django.core.mail.backends.console.EmailBackend", console.stderr
    smtp = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "EMAIL_URL": MAIL_AND_ADDRESS["EMAIL_URL"],
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert smtp.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend", smtp.stderr


def _deploy_check(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG"}}
    production = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "h7Kp2-xQ9mZ4vB8nW3rT6yL1sD5fG0jA_cE2uI7oP4kM9qR3tY6wX8zN1bV5hJ0g",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "daotao.example.gov.vn",
        **MAIL_AND_ADDRESS,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **production, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    result = _deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_redirect_and_hsts_are_set_from_the_environment():
    result = _deploy_check(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_celery_time_limits_and_visibility_timeout_are_checked_where_they_are_set():
    """A task must be stopped (soft, then hard limit) before a dead worker's copy of it is
    delivered again (the visibility timeout): settings that break this refuse to load, under any
    settings module, one that imports another included (the benchmark's)."""
    for module in ("config.settings.local", "bench.settings"):
        env = {"SECRET_KEY": STRONG_KEY, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        assert _settings(module, **env).returncode == 0
        for wrong, message in [
            ({"CELERY_TASK_SOFT_TIME_LIMIT": "1800"}, "CELERY_TASK_SOFT_TIME_LIMIT"),
            ({"CELERY_VISIBILITY_TIMEOUT": "1800"}, "CELERY_VISIBILITY_TIMEOUT"),
        ]:
            result = _settings(module, **env, **wrong)
            assert result.returncode != 0
            assert message in result.stderr
