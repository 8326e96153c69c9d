"""The state of one run of bench/run.py that every item reads and adds to: the options, the
environment of the children, gunicorn and the Celery worker, the fixtures, the figures."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time
from typing import TYPE_CHECKING

from bench.harness.basics import ROOT, BenchError, log
from bench.harness.databases import check_postgres, check_redis, database_url, dataset_ready
from bench.harness.http_calls import http_call
from bench.harness.processes import Gunicorn, Worker

if TYPE_CHECKING:
    from bench.harness.fixtures import Fixtures

PREFIX = "BENCH-"
USER_PREFIX = "bench-"
PROGRAMME_CODE = "ke-hoach-2021-2025"
MAIN_SIZE = 500_000


def db_name(prefix: str, size: int) -> str:
    return prefix if size == MAIN_SIZE else f"{prefix}_{size}"


class Run:
    """One run of bench/run.py: what every item reads (options, services, fixtures) and adds to
    (figures, details)."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.started = time.time()
        self.figures: list[dict] = []
        self.details: dict = {}
        self.secret = secrets.token_urlsafe(48)
        self.main_size = args.sizes[-1]
        self.main_db = db_name(args.db_prefix, self.main_size)
        self.main_url = database_url(args.admin_url, self.main_db)
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "SECRET_KEY": self.secret,
            "REDIS_URL": args.redis_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CONN_MAX_AGE": "600",
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
            "BENCH_CELERY_QUEUE": f"bench-{os.getpid()}",
        }
        self.gunicorn = Gunicorn(workers=args.gunicorn_workers, threads=args.gunicorn_threads)
        self.worker = Worker(concurrency=args.worker_concurrency)
        self.password = secrets.token_urlsafe(16)
        self.fixtures: Fixtures | None = None

    def figure(self, item: int, name: str, value, unit: str, *, reference=None, reference_name="",
               ratio=None, target: str = "", met=None, note: str = "", **extra) -> dict:  # fmt: skip
        entry = {
            "item": item,
            "name": name,
            "value": value,
            "unit": unit,
            "reference": reference,
            "reference_name": reference_name,
            "ratio": None if ratio is None else round(ratio, 4),
            "target": target,
            "met": met,
            "note": note,
            **extra,
        }
        self.figures.append(entry)
        return entry

    # -- set-up ---------------------------------------------------------------------------------

    def preflight(self) -> None:
        self.postgres_version = check_postgres(self.args.admin_url)
        self.redis_version = check_redis(self.args.redis_url)
        log(f"PostgreSQL {self.postgres_version} and Redis {self.redis_version} reachable")

    def datasets(self) -> None:
        self.sizes = {}
        for size in self.args.sizes:
            name = db_name(self.args.db_prefix, size)
            counts = dataset_ready(
                admin_url=self.args.admin_url,
                name=name,
                enrolments=size,
                env=self.env,
                regenerate=self.args.regenerate,
            )
            self.sizes[size] = {"database": name, **counts}
            log(
                f"dataset {name}: {counts.get('enrolments'):,} enrolments, {counts.get('attendance'):,} attendance"
            )

    def django_setup(self) -> None:
        os.environ.update(self.env)
        os.environ["DATABASE_URL"] = self.main_url
        import django

        django.setup()
        from config.celery import app

        self.app = app

    def wait_idle(self, timeout: float = 300) -> float:
        """Until the worker has nothing marked, queued or running."""
        from enrollment.models import StaleClass
        from reporting.models import StaleRollup

        started = time.monotonic()
        quiet = 0
        while time.monotonic() - started < timeout and quiet < 3:
            busy = StaleClass.objects.exists() or StaleRollup.objects.exists()
            if not busy:
                inspect = self.app.control.inspect(timeout=0.5, destination=[self.worker.name])
                busy = any(
                    tasks
                    for reply in (inspect.active() or {}, inspect.reserved() or {})
                    for tasks in reply.values()
                )
            quiet = 0 if busy else quiet + 1
            time.sleep(0.2)
        return time.monotonic() - started

    def token(self) -> str:
        body = json.dumps({"username": f"{USER_PREFIX}admin", "password": self.password}).encode()
        status, data = http_call(self.gunicorn.base, "POST", "/api/v1/auth/token", body, token=None)
        if status != 200:
            raise BenchError(f"POST /api/v1/auth/token answered {status}: {data[:300]!r}")
        return json.loads(data)["access"]

    def programme_id(self) -> int:
        from courses.models import Programme

        return Programme.objects.get(code=PROGRAMME_CODE).pk
