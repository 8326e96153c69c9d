from django.apps import AppConfig


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"

    def ready(self):
        # Register the tasks in every process, not only in workers (which autodiscover them): the
        # embedded default runs tasks in-process and looks them up by name (courses.queue).
        from reporting import tasks  # noqa: F401
