"""The WSGI application gunicorn serves in the benchmark (the project's, with bench.settings)."""

import os

from django.core.wsgi import get_wsgi_application

from config.process import tune_garbage_collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

application = get_wsgi_application()
tune_garbage_collector()
