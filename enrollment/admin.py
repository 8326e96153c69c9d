from django.contrib import admin

from enrollment.models import Enrollment, Learner

# --- learners and enrolment (issue 3) --------------------------------------------------------------
# Written through the API, whose services keep accounts, capacity and the audit history in step;
# shown read-only here.


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Learner)
class LearnerAdmin(_ReadOnly):
    list_display = ["national_id", "full_name", "gender", "province", "position", "is_ethnic_minority"]
    list_filter = ["gender", "is_ethnic_minority"]
    search_fields = ["national_id", "legacy_id_number", "full_name", "search_text"]
    list_select_related = ["province", "position"]


@admin.register(Enrollment)
class EnrollmentAdmin(_ReadOnly):
    list_display = ["learner", "training_class", "status", "source", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["learner__national_id", "learner__full_name", "training_class__code"]
    list_select_related = ["learner", "training_class"]
