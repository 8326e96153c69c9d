"""Enqueue Celery tasks by name, so that an app can ask for work owned by an app it may not import.

Work asked for once a transaction commits (enqueue_on_commit) is recorded in the database by that
transaction first (a class's stale mark, a rollup scope's mark: enrollment.services.progress,
reporting.services.stale). The broker is only the fast path: when it cannot be reached the write stands
and answers as it would, the failure is logged, and reporting's reconcile, every minute, queues
again whatever mark is left (reporting.services.periodic.stale_reconcile).
"""

import logging
import time

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

# After a failed send, this process leaves the broker alone for a while: each attempt costs about
# a second of retries, which a request marking many classes would otherwise pay once per class.
BROKER_RETRY_AFTER_SECONDS = 10.0
_broker_down_until = 0.0


def broker_retry_now() -> None:
    """Forget a failure seen: the next enqueue tries the broker at once (a broker just configured
    or restarted)."""
    global _broker_down_until
    _broker_down_until = 0.0


def enqueue(task_name: str, *args) -> None:
    app = current_app
    if app.conf.task_always_eager:
        # The embedded default has no broker: run a task that is registered here in-process.
        task = app.tasks.get(task_name)
        if task is not None:
            task.apply(args=args, throw=True)
        return
    app.send_task(task_name, args=list(args))


def enqueue_committed(task_name: str, *args) -> bool:
    """enqueue() for work already recorded in committed rows: never raises. False (and a warning
    in the log) when the task could not be queued; the record stays for reconcile to find."""
    global _broker_down_until
    if current_app.conf.task_always_eager:
        try:
            enqueue(task_name, *args)
        except Exception:  # noqa: BLE001 - the task ran in-process and failed: the write stands
            logger.exception("%s%r failed in-process; left to reconcile", task_name, args)
            return False
        return True
    if time.monotonic() < _broker_down_until:
        logger.warning("broker unavailable: %s%r not queued; left to reconcile", task_name, args)
        return False
    try:
        enqueue(task_name, *args)
    except Exception:  # noqa: BLE001 - the broker's errors are not one type (kombu, redis, OSError)
        _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER_SECONDS
        logger.warning("%s%r not queued; left to reconcile", task_name, args, exc_info=True)
        return False
    _broker_down_until = 0.0
    return True


def enqueue_on_commit(task_name: str, *args) -> None:
    """Queue the task once the current transaction commits (at once outside one). The write has
    committed by then: its answer never depends on the broker."""
    transaction.on_commit(lambda: enqueue_committed(task_name, *args))
