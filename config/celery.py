"""The Celery app: JSON only, with explicit time limits and a visibility timeout.

The values come from the settings (config/settings/base.py, Celery section, some of them from the
environment); the guarantees the tasks rely on are checked here, so that no configuration can
start a worker without them:
- tasks and results are JSON (no pickle from whoever can write to Redis);
- every task has a soft and a hard time limit;
- a task taken by a worker that died is delivered again after the visibility timeout, which must
  be above the hard time limit, or a task still running would be delivered a second time.
"""

import os

from celery import Celery
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def check_reliability(conf) -> None:
    """Refuse a configuration that would run pickled tasks, run a task without limit, or deliver a
    task still running to a second worker."""
    if (
        set(conf.accept_content) != {"json"}
        or conf.task_serializer != "json"
        or conf.result_serializer != "json"
    ):
        raise ImproperlyConfigured("Celery must accept and send JSON only.")
    hard, soft = conf.task_time_limit, conf.task_soft_time_limit
    if not hard or not soft or soft >= hard:
        raise ImproperlyConfigured("Celery needs a soft time limit below a hard time limit.")
    visibility = (conf.broker_transport_options or {}).get("visibility_timeout")
    if conf.broker_url.startswith(("redis://", "rediss://")) and (not visibility or visibility <= hard):
        raise ImproperlyConfigured(
            f"The broker's visibility timeout ({visibility} s) must be above the hard time limit ({hard} s)."
        )


check_reliability(app.conf)
