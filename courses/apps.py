from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    # The admin's section headings; Vietnamese like every label, English in the .po.
    verbose_name = _("Danh mục và lớp bồi dưỡng")

    def ready(self):
        from courses.core import lookups  # noqa: F401 - registers field__any
