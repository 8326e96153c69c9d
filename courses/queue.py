"""Enqueue Celery tasks by name, so that an app can ask for work owned by an app it may not import."""

from celery import current_app
from django.db import transaction


def enqueue(task_name: str, *args) -> None:
    app = current_app
    if app.conf.task_always_eager:
        # The embedded default has no broker: run a task that is registered here in-process.
        task = app.tasks.get(task_name)
        if task is not None:
            task.apply(args=args, throw=True)
        return
    app.send_task(task_name, args=list(args))


def enqueue_on_commit(task_name: str, *args) -> None:
    transaction.on_commit(lambda: enqueue(task_name, *args))
