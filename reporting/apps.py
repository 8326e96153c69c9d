from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    # The admin's section headings; Vietnamese like every label, English in the .po.
    verbose_name = _("Chỉ tiêu, tiến độ và báo cáo")

    def ready(self):
        # Register the tasks in every process, not only in workers (which autodiscover them): the
        # embedded default runs tasks in-process and looks them up by name (courses.core.queue).
        from reporting import tasks  # noqa: F401

        self._reports_follow_reference_data()

    def _reports_follow_reference_data(self):
        """A change of what reports show besides the rollup rows (names, programmes, targets,
        baselines) must not be hidden by a cached answer."""
        from django.db.models.signals import post_delete, post_save

        from courses.models import Curriculum, Programme, Province
        from reporting.models import Baseline, Target
        from reporting.selectors import report_cache

        for model in (Programme, Target, Baseline, Province, Curriculum):
            for signal in (post_save, post_delete):
                signal.connect(
                    report_cache.answers.changed,
                    sender=model,
                    dispatch_uid=f"report-cache-{signal is post_save}-{model._meta.label}",
                )
