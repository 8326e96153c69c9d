"""Shared fixtures: reference data loaded once per test database; a user and an API client per role
come from tests.roles.

Under CI (CI=true) the suite runs against PostgreSQL and Redis and fails, never skips, when either
cannot be reached.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from courses.models import Province

UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# Read before pytest-django swaps in the test database's name.
_CONFIGURED_DATABASE_NAME = django_settings.DATABASES["default"]["NAME"]


def pytest_sessionstart(session):
    if not UNDER_CI:
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        pytest.exit(f"CI must run against PostgreSQL (DATABASE_URL), got {engine}", returncode=3)
    if not settings.REDIS_URL:
        pytest.exit("CI must run with REDIS_URL set to a real Redis broker", returncode=3)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data (provinces, communes, positions, starter catalogue, programmes) once per run."""
    if not _test_database_in_use():
        return
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


def _test_database_in_use() -> bool:
    """pytest-django creates the test database only when a collected test asks for one; a run of
    database-free tests alone still points at the configured database, which must stay untouched."""
    from django.db import connection

    return connection.settings_dict["NAME"] != _CONFIGURED_DATABASE_NAME


@pytest.fixture(autouse=True)
def _reference_data_present(django_db_setup, django_db_blocker):
    """A transactional test flushes every table when it ends; reload for the tests after it.

    Checked for every test, not only those asking for the database up front: pytest-django orders
    a test that looks its role fixture up at run time (request.getfixturevalue) after the
    transactional ones. Done outside that test's transaction, the reload is committed, so once.
    Depends on django_db_setup so that it only ever reads the test database, never the real one.
    """
    if not _test_database_in_use():
        return
    with django_db_blocker.unblock():
        if not Province.objects.exists():
            call_command("load_reference_data", verbosity=0)


@pytest.fixture(autouse=True)
def _nothing_cached_by_earlier_tests():
    """Values cached during a test (report answers) were computed from changes rolled back at its
    end, under a version no commit replaced: no later test may be served them. Failed sign-ins
    counted during a test (courses.core.throttling) are forgotten the same way."""
    from courses.core.versioned_cache import VersionedCache

    for cached in VersionedCache.every:
        cached.forget()


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker process on Redis, consuming from the test database, for the session.

    Tests that use it need committed data: mark them django_db(transaction=True). The emails it
    sends are written as files to its `mail_dir` (Django's file backend), where tests read them.
    """
    import subprocess
    import sys
    import time

    from django.conf import settings
    from django.db import connection

    from config.celery import app

    url = settings.REDIS_URL
    if not url or not _redis_reachable(url):
        message = f"a Celery worker needs Redis at REDIS_URL ({url or 'unset'})"
        if UNDER_CI:
            pytest.fail(message)
        pytest.skip(message)

    mail_dir = tmp_path_factory.mktemp("worker-mail")
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.postgresql":
        database_url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    else:
        pytest.fail(
            "the Celery worker tests need PostgreSQL: an in-memory SQLite test database is not shared"
        )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": url,
        "CONN_MAX_AGE": "0",
        "EMAIL_URL": f"filemail:///{mail_dir}",
    }
    # Purge tasks left by an earlier interrupted run so this worker only sees ours.
    app.control.purge()
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=threads",
            "--concurrency=4",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        env=env,
    )
    worker.mail_dir = mail_dir
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"the Celery worker exited with code {worker.returncode}")
            if app.control.ping(timeout=0.5):
                break
        else:
            pytest.fail("the Celery worker did not answer a ping within 30 s")
        yield worker
    finally:
        stop_process(worker, timeout=20)


def stop_process(process, *, timeout: float) -> None:
    """Ask a process the tests started to end; killed if it has not within `timeout` seconds."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def celery_worker(celery_worker_process, settings):
    """Send tasks to the real worker instead of running them in-process."""
    from config.celery import app

    # Restored to what it was: settings.CELERY_TASK_ALWAYS_EAGER is still False here (the settings
    # fixture is undone after this one), and left False the rest of the session would send its tasks
    # to this worker, which would then write while later tests flush the database.
    was_eager = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield celery_worker_process
    app.conf.task_always_eager = was_eager
    _wait_until_worker_idle(app)


def _wait_until_worker_idle(app, timeout: float = 60) -> None:
    """Let the worker finish what the test queued (e.g. a progress recompute after enrolments), so
    that no task holds locks while the next transactional test flushes the database (a deadlock)."""
    import time

    deadline = time.monotonic() + timeout
    idle_checks = 0
    while time.monotonic() < deadline and idle_checks < 2:
        inspect = app.control.inspect(timeout=1, limit=1)  # one worker: answer as soon as it replies
        replies = [inspect.active() or {}, inspect.reserved() or {}, inspect.scheduled() or {}]
        busy = any(tasks for reply in replies for tasks in reply.values())
        idle_checks = 0 if busy else idle_checks + 1
        if busy:
            time.sleep(0.2)


# The users of every role and their clients, the fixtures of the class and enrolment tests (a world
# of classes in two provinces), and Redis as the tests stop and restart it.
pytest_plugins = ["tests.roles", "tests.class_world", "tests.redis_server"]
