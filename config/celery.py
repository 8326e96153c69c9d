"""The Celery app: JSON only, with explicit time limits and a visibility timeout.

The values come from the settings (config/settings/base.py, Celery section, some of them from the
environment). They hold the guarantees the tasks rely on, and refuse to load without them:
- tasks and results are JSON (no pickle from whoever can write to Redis; fixed, not configurable);
- every task has a soft time limit below a hard one;
- a task taken by a worker that died is delivered again after the visibility timeout, which must
  be above the hard time limit, or a task still running would be delivered a second time.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
