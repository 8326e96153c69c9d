"""Redis as the tests break it: a port where nothing listens, and redis-server processes of the
tests' own, to stop and restart. The Redis at REDIS_URL is shared with other runs and is never
stopped; a test that needs Redis to fail uses one of these."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time

import pytest


def closed_port() -> int:
    """A local port nothing listens on (bound once to find it, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server without persistence, on a port of its own: a restart loses everything it
    held, as a crashed Redis without a snapshot does."""

    def __init__(self):
        self.port = closed_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.fail("redis-server is needed to stop and restart a Redis of the test's own")
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return
            time.sleep(0.05)
        pytest.fail(f"redis-server did not answer on port {self.port}")

    def kill(self) -> None:
        """Gone at once, with whatever it held (SIGKILL)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.kill()


def broker_reconnect(app) -> None:
    """Drop this process's pooled broker connections (and the producers on them): the next send
    connects afresh, to the broker configured now or to a Redis just restarted."""
    from kombu import pools

    from courses.core.queue import broker_retry_now

    pools.reset()  # closes every pool (kombu keeps them per connection URL, process-wide)
    app._pool = None
    app.amqp._producer_pool = None
    broker_retry_now()  # a failure seen on the broker before is no reason to skip this one


@contextlib.contextmanager
def celery_broker(url: str):
    """Tasks sent from this process go to the broker at `url` (not run in-process) meanwhile.

    Set on the app, not in Django's settings: the app reads those live until a value is set on
    it, so a settings fixture undone after this would leave it sending to the broker for good."""
    from config.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    broker_reconnect(app)
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        broker_reconnect(app)


@pytest.fixture
def broker_unreachable():
    """Tasks sent from this process go to a broker that cannot be reached."""
    with celery_broker(f"redis://127.0.0.1:{closed_port()}/0") as app:
        yield app


def unreachable_cache() -> dict:
    """CACHES for override_settings: the default cache on a Redis that cannot be reached."""
    return {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "KEY_PREFIX": "cadre",
        }
    }
