"""A worker killed with SIGKILL in the middle of a task, and Redis restarted without what it held:
no figure is lost, none counted twice, and a rebuild left half-done is done again.

Each test runs its own Redis (tests.redis_server: the shared one is never stopped) as the broker,
result backend and cache of its own worker process, and blocks the task it kills where it waits
for a PostgreSQL advisory lock that the test holds: the kill always lands mid-task, inside the
transaction that writes the figures.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from enrollment.models import StaleClass
from enrollment.services.progress import class_progress_mark_stale
from reporting.models import (
    Certificate,
    ClaimKind,
    ClassProgress,
    GenerationStatus,
    RollupGeneration,
    StaleClaim,
)
from reporting.services import sql
from reporting.services.periodic import stale_reconcile
from reporting.services.rebuilds import progress_rebuild
from reporting.services.stale import REBUILD_TASK
from tests.redis_server import broker_reconnect, celery_broker
from tests.reporting.conftest import attend_all, enrol, make_class, national, province

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Short limits for the worker under test, so that a redelivery happens within the test.
TIME_LIMIT, SOFT_TIME_LIMIT, VISIBILITY_TIMEOUT = 15, 12, 20


def _database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class Worker:
    """`celery worker` in a process group of its own, on the test's Redis and database."""

    def __init__(self, app, broker_url: str):
        self.app = app
        self.broker_url = broker_url
        self.process: subprocess.Popen | None = None
        self.groups: list[int] = []

    def start(self, pool: str = "threads") -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",  # tasks it sends go to the broker
            "DEBUG": "False",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.broker_url,
            "CONN_MAX_AGE": "0",
            "CELERY_TASK_TIME_LIMIT": str(TIME_LIMIT),
            "CELERY_TASK_SOFT_TIME_LIMIT": str(SOFT_TIME_LIMIT),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        }
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", "--concurrency=2"]
            + ["--loglevel=WARNING", "--without-gossip", "--without-mingle", "-n", f"crash-{os.getpid()}@%h"],
            env=env,
            start_new_session=True,
        )
        self.groups.append(self.process.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited with code {self.process.returncode}")
            if self.app.control.ping(timeout=0.5):
                return
        pytest.fail("the worker did not answer a ping within 60 s")

    def kill(self, *, main_only: bool = False) -> None:
        """SIGKILL to the worker and every process it started (nothing is acknowledged or handed
        back to the broker, as when a machine or container dies), or to its main process only
        (a prefork pool's children are left to finish what they were running, unacknowledged)."""
        if self.process is not None and self.process.poll() is None:
            if main_only:
                self.process.kill()
            else:
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def kill_all(self) -> None:
        """Every process of every worker started, orphaned pool processes included."""
        self.kill()
        for group in self.groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)


@pytest.fixture
def crash_site(redis_server):
    """This process's task sends and a worker, on the test's own Redis."""
    with celery_broker(redis_server.url()) as app:
        worker = Worker(app, redis_server.url())
        try:
            yield app, worker, redis_server
        finally:
            worker.kill_all()


class AdvisoryLock:
    """An advisory lock of reporting.services.sql held by the test on a connection of its own."""

    def __init__(self, namespace: int, a: int):
        self.key = sql.advisory_key(namespace, a)
        db = connection.settings_dict
        self.connection = psycopg.connect(
            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres",
            dbname=db["NAME"], password=db["PASSWORD"] or None, autocommit=True,
        )  # fmt: skip
        self.connection.execute("SELECT pg_advisory_lock(%s)", [self.key])

    def wait_for_a_waiter(self, timeout: float = 45) -> None:
        """Until a task waits for this lock: the kill will then land mid-task."""
        _wait_for(lambda: self._waiters() > 0, timeout)

    def _waiters(self) -> int:
        (count,) = self.connection.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND ((classid::bigint << 32) | objid::bigint) = %s",
            [self.key],
        ).fetchone()
        return count

    def release(self) -> None:
        if not self.connection.closed:
            self.connection.close()  # ends the session, and its lock


def _wait_for(condition, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not reached within {timeout} s")


def _class_with_one_completion(programme):
    training_class = make_class(programme=programme, province=province("19"))
    done, short = enrol(training_class), enrol(training_class)
    attend_all(done, 60)
    attend_all(short, 10)
    return training_class


def _counted_once(programme, training_class) -> None:
    """The figures as one recompute gives them: nothing lost, nothing counted twice."""
    progress = ClassProgress.objects.get(pk=training_class.pk)
    assert (progress.enrolled, progress.completed_luot) == (2, 1)
    assert Certificate.objects.filter(enrollment__training_class=training_class).count() == 1
    total = national(programme)
    assert (total.enrolled, total.achieved_luot, total.not_completed) == (2, 1, 1)


def test_a_recompute_killed_mid_task_is_delivered_again_after_the_visibility_timeout(crash_site, programme):
    app, worker, _redis = crash_site
    training_class = _class_with_one_completion(programme)
    worker.start()
    lock = AdvisoryLock(sql.Lock.CLASS, training_class.pk)
    try:
        class_progress_mark_stale(class_ids=[training_class.pk])  # enqueues the recompute
        lock.wait_for_a_waiter()
        started = time.monotonic()
        worker.kill()
        worker.start()
    finally:
        lock.release()

    # Redis kept the task, unacknowledged: a worker gets it again once the visibility timeout
    # (just above the hard time limit) has passed, not an hour later.
    _wait_for(
        lambda: (row := national(programme)) and row.achieved_luot == 1, timeout=VISIBILITY_TIMEOUT + 40
    )
    assert time.monotonic() - started >= VISIBILITY_TIMEOUT - 1
    _counted_once(programme, training_class)
    assert not StaleClaim.objects.exists() and not StaleClass.objects.exists()


def test_a_recompute_whose_worker_lost_its_main_process_is_done_once_and_acknowledged(crash_site, programme):
    """The prefork pool's process may still commit the figures; the task, never acknowledged, is
    delivered again after the visibility timeout: a second run that changes nothing."""
    app, worker, redis = crash_site
    training_class = _class_with_one_completion(programme)
    worker.start(pool="prefork")
    lock = AdvisoryLock(sql.Lock.CLASS, training_class.pk)
    try:
        class_progress_mark_stale(class_ids=[training_class.pk])
        lock.wait_for_a_waiter()
        worker.kill(main_only=True)
        worker.start()
    finally:
        lock.release()

    broker = redis_client(redis)
    _wait_for(
        lambda: (row := national(programme)) and row.achieved_luot == 1, timeout=VISIBILITY_TIMEOUT + 40
    )
    # Nothing left unacknowledged: the task was delivered again and ran to its end.
    _wait_for(
        lambda: broker.hlen("unacked") == 0 and broker.llen("celery") == 0, timeout=VISIBILITY_TIMEOUT + 40
    )
    _counted_once(programme, training_class)
    assert not StaleClaim.objects.exists() and not StaleClass.objects.exists()


def redis_client(server):
    import redis

    return redis.Redis(port=server.port)


def test_a_recompute_lost_with_the_worker_and_redis_is_queued_again_by_reconcile(crash_site, programme):
    app, worker, redis = crash_site
    training_class = _class_with_one_completion(programme)
    worker.start()
    lock = AdvisoryLock(sql.Lock.CLASS, training_class.pk)
    try:
        class_progress_mark_stale(class_ids=[training_class.pk])
        lock.wait_for_a_waiter()
        worker.kill()
        redis.restart()  # the unacknowledged task is gone with it
        broker_reconnect(app)
        worker.start()
    finally:
        lock.release()

    # The mark was taken, and the figures never committed: the claim says so.
    assert not StaleClass.objects.exists()
    assert StaleClaim.objects.filter(kind=ClaimKind.CLASS, key=training_class.pk).exists()
    assert not ClassProgress.objects.filter(pk=training_class.pk).exists()

    # A few minutes on, beat's reconcile (run here) marks the class again and queues its recompute.
    StaleClaim.objects.update(claimed_at=timezone.now() - datetime.timedelta(minutes=5))
    # The dead worker's PostgreSQL session ends once it gets the lock it waited for.
    _wait_for(lambda: stale_reconcile().claims_restored == [(ClaimKind.CLASS, training_class.pk)])
    _wait_for(lambda: (row := national(programme)) and row.achieved_luot == 1)
    _counted_once(programme, training_class)
    assert ClassProgress.objects.get(pk=training_class.pk).revision == 1


def test_a_rebuild_abandoned_by_a_killed_worker_and_redis_is_done_again(crash_site, programme):
    app, worker, redis = crash_site
    thai_nguyen, hanoi = province("19"), province("01")
    in_thai_nguyen = make_class(programme=programme, province=thai_nguyen)
    in_hanoi = make_class(programme=programme, province=hanoi)
    attend_all(enrol(in_thai_nguyen), 60)
    attend_all(enrol(in_hanoi), 60)
    progress_rebuild()  # live figures: 2 completed
    # Attendance no mark reports (only a rebuild reads it, as a changed planned length would be).
    attend_all(enrol(in_hanoi), 60)
    assert national(programme).achieved_luot == 2

    worker.start()
    lock = AdvisoryLock(sql.Lock.PROVINCE, thai_nguyen.pk)
    try:
        app.send_task(REBUILD_TASK)
        lock.wait_for_a_waiter()  # Thái Nguyên's task of the rebuild waits
        abandoned = RollupGeneration.objects.get(status=GenerationStatus.BUILDING)
        worker.kill()
        redis.restart()  # the chord's remaining tasks and its counter are gone
        broker_reconnect(app)
        worker.start()
    finally:
        lock.release()

    time.sleep(2)
    assert RollupGeneration.objects.get(pk=abandoned.pk).status == GenerationStatus.BUILDING
    assert national(programme).achieved_luot == 2  # the reports still show the old figures

    # Long after its last province, reconcile fails it and starts the rebuild again.
    RollupGeneration.objects.filter(pk=abandoned.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=1),
        progressed_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert stale_reconcile().generations_abandoned == [abandoned.pk]
    live = _wait_for(
        lambda: RollupGeneration.objects.filter(status=GenerationStatus.LIVE, reason="restart").first()
    )
    assert RollupGeneration.objects.get(pk=abandoned.pk).status == GenerationStatus.FAILED
    total = national(programme)
    assert (total.generation_id, total.enrolled, total.achieved_luot) == (live.pk, 3, 3)
    assert national(programme, scope=hanoi).achieved_luot == 2
    assert stale_reconcile().generations_abandoned == []
    assert settings.CELERY_VISIBILITY_TIMEOUT > settings.CELERY_TASK_TIME_LIMIT
