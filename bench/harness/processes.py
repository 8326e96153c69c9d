"""gunicorn and the Celery worker as child processes of the run: started and stopped here,
nothing left running (stop_all at the end, whatever happened)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from bench.harness.basics import LOG_DIR, ROOT, VENV_BIN, BenchError

_CHILDREN: list[subprocess.Popen] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(name: str, args: list[str], env: dict) -> subprocess.Popen:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    out = open(LOG_DIR / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
    out.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(args)}\n".encode())
    out.flush()
    process = subprocess.Popen(  # noqa: S603 - our own programs from the virtualenv
        args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    process.log_file = out  # type: ignore[attr-defined]
    _CHILDREN.append(process)
    return process


def stop(process: subprocess.Popen, *, grace: float = 30) -> None:
    """SIGTERM (a warm shutdown), then SIGKILL the process group it leads, if still there."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    # The group is the one it was started in (start_new_session): its pool children too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    with contextlib.suppress(Exception):
        process.log_file.close()  # type: ignore[attr-defined]
    if process in _CHILDREN:
        _CHILDREN.remove(process)


def stop_all() -> None:
    for process in list(reversed(_CHILDREN)):
        stop(process, grace=10)


@dataclass
class Gunicorn:
    """gunicorn on a free loopback port: the benchmark's application (bench.wsgi) by default, the
    project's own for the attacks."""

    workers: int
    threads: int
    application: str = "bench.wsgi:application"
    timeout: int = 120
    backlog: int | None = 2048
    log_name: str = "gunicorn"
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def describe(self) -> dict:
        return {
            "worker_class": "gthread" if self.threads > 1 else "sync",
            "workers": self.workers,
            "threads": self.threads,
            "bind": f"127.0.0.1:{self.port}",
        }

    def start(self, env: dict) -> None:
        self.port = free_port()
        args = [
            str(VENV_BIN / "gunicorn"),
            self.application,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
        ]
        if self.backlog is not None:
            args += ["--backlog", str(self.backlog)]
        args += ["--timeout", str(self.timeout), "--log-level", "warning"]
        if self.threads > 1:
            args += ["--worker-class", "gthread", "--threads", str(self.threads)]
        self.process = spawn(self.log_name, args, env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"gunicorn exited with {self.process.returncode}: see {LOG_DIR}/{self.log_name}.log"
                )
            try:
                urllib.request.urlopen(f"{self.base}/api/v1/me", timeout=2)  # noqa: S310 - loopback
            except urllib.error.HTTPError:
                return  # 401: it answers
            except OSError:
                time.sleep(0.2)
                continue
            return
        raise BenchError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@dataclass
class Worker:
    """A real Celery worker (prefork pool by default, as `celery -A config worker` runs it)."""

    concurrency: int
    pool: str = "prefork"
    process: subprocess.Popen | None = None
    name: str = field(default_factory=lambda: f"bench-{os.getpid()}-{int(time.time())}@127.0.0.1")

    def describe(self) -> dict:
        return {"pool": self.pool, "concurrency": self.concurrency, "prefetch_multiplier": 1}

    def start(self, env: dict, app) -> None:
        app.control.purge()
        # A new name each time: a ping answered is this worker's, never a previous one's.
        self.name = f"bench-{os.getpid()}-{time.monotonic_ns()}@127.0.0.1"
        args = [
            str(VENV_BIN / "celery"),
            "-A",
            "config",
            "worker",
            f"--pool={self.pool}",
            f"--concurrency={self.concurrency}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "-n",
            self.name,
            "-Q",
            env.get("BENCH_CELERY_QUEUE", "celery"),
        ]
        self.process = spawn("celery-worker", args, env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"the Celery worker exited with {self.process.returncode}: see {LOG_DIR}/celery-worker.log"
                )
            if app.control.ping(destination=[self.name], timeout=0.5):
                return
        raise BenchError("the Celery worker did not answer a ping within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, grace=60)
            self.process = None
