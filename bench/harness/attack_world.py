"""The set-up of bench/attacks.py, the one issue 10 was found on: gunicorn with the production
settings, a Celery worker on a Redis server of the run's own, PostgreSQL with a fresh database
(`cadre_attacks`, dropped and made again) holding the reference data and the demo dataset; the
demo accounts' passwords set, and the ids the attacks aim at (the world)."""

from __future__ import annotations

import contextlib
import os
import secrets
import time

from bench.harness.attack_client import PASSWORD
from bench.harness.basics import BenchError, log
from bench.harness.databases import check_redis, database_url, manage, sql_connect
from bench.harness.processes import Gunicorn, Worker, free_port, spawn

ADMIN_URL = os.environ.get("ATTACKS_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = "cadre_attacks"
# A Redis server of the run's own, on a free port: the outage attack stops and restarts it, which
# must not touch the machine's shared Redis.
REDIS_PORT = free_port()
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"


def environment() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url(ADMIN_URL, DATABASE),
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on the loopback: TLS is the proxy's, as in production.
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "0",
        "EMAIL_URL": "consolemail://",
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    }


def start_redis():
    process = spawn(
        "attacks-redis",
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(REDIS_PORT),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        dict(os.environ),
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(BenchError):
            check_redis(REDIS_URL)
            return process
        time.sleep(0.2)
    raise BenchError("the run's Redis did not answer within 20 s")


def set_up(env: dict) -> tuple[dict, Worker]:
    with sql_connect(ADMIN_URL) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    log("migrating, loading reference data and the demo dataset (about a minute)")
    manage(["migrate", "--noinput"], env=env, timeout=600)
    manage(["load_reference_data"], env=env, timeout=600)
    os.environ.update(
        {k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    )
    os.environ.update({"ALLOWED_HOSTS": env["ALLOWED_HOSTS"], "SECURE_SSL_REDIRECT": "false"})
    import django

    django.setup()
    from config.celery import app

    worker = Worker(concurrency=2)
    worker.start(env, app)
    manage(["demo_setup"], env=env, timeout=900)
    return accounts(), worker


def accounts() -> dict:
    """The demo accounts with this run's password, and the ids the attacks aim at."""
    from courses.models import TrainingClass, User
    from courses.services.accounts import account_password_set
    from enrollment.models import Enrollment, Learner

    for user in User.objects.filter(
        username__in=["admin", "sonoivu-thainguyen", "sonoivu-hanoi", "giangvien"]
    ):
        user.set_password(PASSWORD)
        user.save()
    trainer = User.objects.get(username="giangvien")
    thai_nguyen_class = (
        TrainingClass.objects.filter(trainers=trainer, province__code="19").order_by("-start_date").first()
    )
    hanoi_learners = Learner.objects.filter(province__code="01").exclude(
        enrollments__training_class__province__code="19"
    )
    victims = list(hanoi_learners.order_by("id")[:3])
    own = (
        Enrollment.objects.filter(training_class=thai_nguyen_class)
        .select_related("learner__user")
        .first()
        .learner
    )
    # The demo's learners were created by an admin's service: their owner would have to choose a
    # password first (User.password_change_required); the attacks sign in as this one as it is.
    account_password_set(user=own.user, password=PASSWORD, change_required=False)
    session = thai_nguyen_class.sessions.order_by("starts_at").first()
    enrolment = (
        Enrollment.objects.filter(training_class=thai_nguyen_class, status="enrolled").order_by("id").last()
    )
    return {
        "class_id": thai_nguyen_class.pk,
        "session_id": session.pk,
        "enrollment_id": enrolment.pk,
        "victims": [
            {
                "id": v.pk,
                "national_id": v.national_id,
                "phone": v.phone,
                "email": v.email,
                "dob": str(v.date_of_birth),
            }
            for v in victims
        ],
        "learner": own.user.username,
        "learner_id": own.pk,
    }


def start_gunicorn(env: dict) -> str:
    """The project's application with the production settings: two sync workers, the 30 s timeout."""
    gunicorn = Gunicorn(
        workers=2,
        threads=1,
        application="config.wsgi:application",
        timeout=30,
        backlog=None,
        log_name="attacks-gunicorn",
    )
    gunicorn.start(env)
    return gunicorn.base
