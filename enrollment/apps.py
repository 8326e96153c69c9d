from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enrollment"
    # The admin's section headings; Vietnamese like every label, English in the .po.
    verbose_name = _("Học viên, ghi danh và điểm danh")

    def ready(self):
        # courses may not import enrollment: enrollment plugs into courses' registries instead.
        from courses.models import ImportKind, MappingKind
        from courses.services.catalogue import IMPORTERS, Importer
        from courses.services.classes import CLASS_CHANGE_HOOKS
        from courses.services.column_mappings import MAPPING_COLUMNS
        from enrollment.files.attendance_report import COLUMNS as PLATFORM_REPORT_COLUMNS
        from enrollment.files.enrollment_file import COLUMNS as ENROLMENT_COLUMNS
        from enrollment.files.score_file import COLUMNS as SCORE_COLUMNS
        from enrollment.services.enrollment_import import (
            enrolment_import,
            enrolment_import_check_params,
            enrolment_import_may_run,
        )
        from enrollment.services.enrollments import on_class_changed

        IMPORTERS[ImportKind.ENROLMENT] = Importer(
            columns=ENROLMENT_COLUMNS,
            may_run=enrolment_import_may_run,
            run=enrolment_import,
            check_params=enrolment_import_check_params,
        )
        MAPPING_COLUMNS[MappingKind.ENROLMENT] = ENROLMENT_COLUMNS
        MAPPING_COLUMNS[MappingKind.PLATFORM_REPORT] = PLATFORM_REPORT_COLUMNS
        MAPPING_COLUMNS[MappingKind.SCORES] = SCORE_COLUMNS
        if on_class_changed not in CLASS_CHANGE_HOOKS:
            CLASS_CHANGE_HOOKS.append(on_class_changed)
