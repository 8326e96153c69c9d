from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    # The admin's section headings; Vietnamese like every label, English in the .po.
    verbose_name = _("Chỉ tiêu, tiến độ và báo cáo")

    def ready(self):
        # Imports only. The tasks are registered in every process, not only in workers (which
        # autodiscover them): the embedded default runs tasks in-process and looks them up by name
        # (courses.core.queue). The receivers connect by being declared (reporting.receivers).
        from reporting import receivers, tasks  # noqa: F401
