from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    """What this app plugs into courses (the class change hook, the enrolment importer, the column
    layouts of its files, the enrolment figures of a class) is named in settings, by dotted path:
    see CLASS_CHANGE_HOOKS, IMPORTERS, MAPPING_COLUMNS and CLASS_ENROLLMENT_FIGURES in
    config/settings/base.py."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "enrollment"
    # The admin's section headings; Vietnamese like every label, English in the .po.
    verbose_name = _("Học viên, ghi danh và điểm danh")
