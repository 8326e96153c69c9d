"""Reactions of reporting to changes made elsewhere, declared where a reader looks for them.

A change of what reports show besides the rollup rows (programme names and periods, targets,
baselines, province and curriculum names) must not be hidden by a cached answer
(reporting.selectors.report_cache): each save or delete of those models replaces the answers'
version. Connected by importing this module (ReportingConfig.ready).
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from courses.models import Curriculum, Programme, Province
from reporting.models import Baseline, Target
from reporting.selectors import report_cache


@receiver(post_save, sender=Programme, dispatch_uid="report-cache-True-courses.Programme")
@receiver(post_delete, sender=Programme, dispatch_uid="report-cache-False-courses.Programme")
@receiver(post_save, sender=Target, dispatch_uid="report-cache-True-reporting.Target")
@receiver(post_delete, sender=Target, dispatch_uid="report-cache-False-reporting.Target")
@receiver(post_save, sender=Baseline, dispatch_uid="report-cache-True-reporting.Baseline")
@receiver(post_delete, sender=Baseline, dispatch_uid="report-cache-False-reporting.Baseline")
@receiver(post_save, sender=Province, dispatch_uid="report-cache-True-courses.Province")
@receiver(post_delete, sender=Province, dispatch_uid="report-cache-False-courses.Province")
@receiver(post_save, sender=Curriculum, dispatch_uid="report-cache-True-courses.Curriculum")
@receiver(post_delete, sender=Curriculum, dispatch_uid="report-cache-False-courses.Curriculum")
def reference_data_changed(sender, **kwargs) -> None:
    report_cache.invalidate()
