"""Programme targets, reported figures, completion rules and computed progress in the ministry's
back office."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from courses.admin import ReadOnlyAdmin
from enrollment.models import CompletionRule
from reporting.models import (
    Baseline,
    Certificate,
    ClassProgress,
    EnrollmentProgress,
    PeriodClose,
    ProgressRollup,
    RollupGeneration,
    StaleClaim,
    StaleRollup,
    Target,
    TargetRevision,
)
from reporting.services.programmes import (
    completion_rule_delete,
    completion_rule_save,
    target_create,
    target_delete,
    target_update,
)


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    """Written through the target services, so that a change here is in the target's history too
    (with who made it) and the rollups' targets are marked for a refresh."""

    list_display = [
        "programme",
        "level",
        "province",
        "curriculum",
        "position",
        "year",
        "target_luot",
        "target_classes",
        "target_learners",
        "budget_million_vnd",
    ]
    list_filter = ["programme", "level", "year", "province", "position"]
    search_fields = [
        "programme__code",
        "programme__decision_number",
        "province__name",
        "curriculum__code",
        "note",
    ]
    list_select_related = ["programme", "province", "curriculum", "position"]
    autocomplete_fields = ["programme", "province", "curriculum", "position"]

    def save_model(self, request, obj, form, change):
        fields = {f.name: getattr(obj, f.name) for f in Target._meta.concrete_fields if f.name != "id"}
        if change:
            stored = Target.objects.get(pk=obj.pk)
            target_update(target=stored, data=fields, user=request.user, source="admin")
        else:
            obj.pk = target_create(data=fields, user=request.user, source="admin").pk

    def delete_model(self, request, obj):
        target_delete(target=obj, user=request.user, source="admin")

    def delete_queryset(self, request, queryset):
        for target in queryset:
            target_delete(target=target, user=request.user, source="admin")


@admin.register(TargetRevision)
class TargetRevisionAdmin(ReadOnlyAdmin):
    """A target's history, appended by the target services: read here, never changed."""

    list_display = [
        "changed_at",
        "scope_label",
        "action",
        "changed_by",
        "source",
        "target_luot",
        "budget_million_vnd",
    ]
    list_filter = ["action", "source"]
    search_fields = ["note", "changed_by__username"]
    list_select_related = ["changed_by"]

    @admin.display(description=_("phạm vi"))
    def scope_label(self, revision):
        return revision.scope.get("label", "")


@admin.register(Baseline)
class BaselineAdmin(admin.ModelAdmin):
    list_display = [
        "programme",
        "level",
        "province",
        "target_luot",
        "achieved_luot",
        "achieved_rate_percent",
        "spending_million_vnd",
    ]
    list_filter = ["programme", "level", "province"]
    search_fields = ["programme__code", "programme__decision_number", "province__name", "source"]
    list_select_related = ["programme", "province"]
    autocomplete_fields = ["programme", "province"]


# --- completion and progress (issue 4) ---------------------------------------------------------


@admin.register(CompletionRule)
class CompletionRuleAdmin(admin.ModelAdmin):
    list_display = ["programme", "min_attendance_percent", "excused_policy", "min_final_score", "updated_at"]
    list_select_related = ["programme"]
    autocomplete_fields = ["programme"]

    # Through the service: a rule change marks the classes it governs for recomputing.
    def save_model(self, request, obj, form, change):
        completion_rule_save(rule=obj)

    def delete_model(self, request, obj):
        completion_rule_delete(rule=obj)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            completion_rule_delete(rule=rule)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    """Issued and revoked by the progress computation when a class finishes or is corrected."""

    list_display = ["number", "learner", "training_class", "issued_at", "revoked_at"]
    list_filter = ["revoked_at", ("enrollment__training_class__province", admin.RelatedFieldListFilter)]
    search_fields = ["number", "verification_code", "enrollment__learner__full_name"]
    list_select_related = ["enrollment__learner", "enrollment__training_class"]

    @admin.display(description=_("học viên"))
    def learner(self, certificate):
        return certificate.enrollment.learner.full_name

    @admin.display(description=_("lớp"))
    def training_class(self, certificate):
        return certificate.enrollment.training_class.code


@admin.register(ClassProgress)
class ClassProgressAdmin(ReadOnlyAdmin):
    """Figures the aggregation task computes from attendance and scores."""

    list_display = [
        "training_class",
        "class_status",
        "enrolled",
        "in_progress",
        "completed_luot",
        "not_completed",
        "held_sessions",
        "planned_sessions",
        "revision",
        "computed_at",
    ]
    list_filter = ["class_status", "scope_province"]
    search_fields = ["training_class__code"]
    list_select_related = ["training_class"]


@admin.register(EnrollmentProgress)
class EnrollmentProgressAdmin(ReadOnlyAdmin):
    """Each enrolment's progress, computed by the aggregation task."""

    list_display = [
        "enrollment_id",
        "training_class",
        "percent",
        "final_score",
        "outcome",
        "counted_luot",
        "computed_at",
    ]
    list_filter = ["outcome", ("training_class__province", admin.RelatedFieldListFilter)]
    search_fields = ["training_class__code"]
    list_select_related = ["training_class"]


@admin.register(PeriodClose)
class PeriodCloseAdmin(ReadOnlyAdmin):
    """The closes of periods, viewed only: a period is closed through the API (its service freezes
    the figures); reopening is not offered."""

    list_display = ["programme", "closed_on", "closed_at", "closed_by"]
    list_select_related = ["programme", "closed_by"]
    exclude = ["figures"]


@admin.register(RollupGeneration)
class RollupGenerationAdmin(ReadOnlyAdmin):
    """Each rebuild of the rollups, started, published and retired by the rollup task."""

    list_display = ["id", "status", "reason", "started_at", "published_at", "retired_at"]
    list_filter = ["status"]


@admin.register(ProgressRollup)
class ProgressRollupAdmin(ReadOnlyAdmin):
    """The reports' figures, rebuilt by the rollup task in a new generation; never edited."""

    list_display = [
        "generation",
        "programme",
        "scope_province",
        "level",
        "year",
        "dimension",
        "label",
        "target_luot",
        "achieved_luot",
        "rate_percent",
        "computed_at",
    ]
    list_filter = ["dimension", "level", "year", "programme", "scope_province", "generation__status"]
    search_fields = ["label", "code", "key"]
    list_select_related = ["generation", "programme", "scope_province"]


@admin.register(StaleRollup)
class StaleRollupAdmin(ReadOnlyAdmin):
    """Rollup scopes the services marked for a refresh; the rollup task clears the marks."""

    list_display = ["scope", "marked_at"]


@admin.register(StaleClaim)
class StaleClaimAdmin(ReadOnlyAdmin):
    """Marks a running aggregation task has taken; it releases them when it finishes."""

    list_display = ["kind", "key", "claimed_at"]
    list_filter = ["kind"]
