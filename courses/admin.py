"""The ministry's back office. Labels come from the models' Vietnamese verbose names.

Foreign keys to large tables (communes, provinces, curricula) use autocompletion and changelists
join their related rows, so that no page loads a whole table or runs a query per row.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models import (
    Alias,
    ClassSession,
    ColumnMapping,
    Commune,
    Curriculum,
    ImportJob,
    Level,
    Material,
    Position,
    Programme,
    Province,
    Topic,
    TrainingClass,
    TrainingInstitution,
    User,
)
from courses.selectors.catalogue import ProvinceStatus


class ReadOnlyAdmin(admin.ModelAdmin):
    """A page for data the services write (they keep its rules, counters and audit history in
    step): it is viewed here, never added, changed or deleted. Large tables skip the full count."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PasswordSetByAdminMixin:
    """The Django admin's forms that set another person's password (adding an account, "set
    password" on an account): its owner must change it at their next sign-in
    (User.password_change_required). An admin changes their own at /admin/password_change/, a form
    of another kind."""

    def set_password_and_save(self, user, *args, **kwargs):
        user.password_change_required = True
        return super().set_password_and_save(user, *args, **kwargs)


class UserCreationForm(PasswordSetByAdminMixin, auth_forms.AdminUserCreationForm):
    pass


class PasswordChangeForm(PasswordSetByAdminMixin, auth_forms.AdminPasswordChangeForm):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    change_password_form = PasswordChangeForm
    list_display = [
        "username",
        "full_name",
        "email",
        "role",
        "province",
        "is_staff",
        "is_active",
        "password_change_required",
    ]
    list_filter = ["role", "province", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "full_name", "email"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Vai trò và đơn vị"), {"fields": ("full_name", "role", "province")}),
        (_("Mật khẩu"), {"fields": ("password_change_required",)}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Vai trò và đơn vị"), {"fields": ("full_name", "role", "province")}),
    )


class ProvinceStatusFilter(admin.SimpleListFilter):
    title = _("hiệu lực")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ProvinceStatus.choices

    def queryset(self, request, queryset):
        if self.value() == ProvinceStatus.CURRENT:
            return queryset.current()
        if self.value() == ProvinceStatus.LEGACY:
            return queryset.legacy()
        return queryset


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type", "region", "valid_from", "valid_until", "successor"]
    list_filter = [ProvinceStatusFilter, "region"]
    search_fields = ["code", "name", "codename"]
    list_select_related = ["successor"]
    autocomplete_fields = ["successor"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type", "province", "area_type"]
    list_filter = ["area_type", ("province", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "codename"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "category", "sort_order", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    """Saved column mappings, to see who keeps which layout. They are written through the API
    (/api/v1/column-mappings), which checks each heading against its kind's fields; here they are
    read, and deleted."""

    list_display = ["name", "kind", "province", "institution", "created_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["province", "institution", "created_by"]
    readonly_fields = [
        "name",
        "kind",
        "mapping",
        "province",
        "institution",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    """Other spellings the importers accept (courses.selectors.vocabularies); built-in ones come from the
    reference files and are replaced when those are loaded again."""

    list_display = ["spelling", "kind", "target_label", "note", "is_builtin", "created_by", "created_at"]
    list_filter = ["kind", "is_builtin"]
    search_fields = ["spelling", "key", "value", "note"]
    list_select_related = ["position", "province", "commune", "created_by"]
    autocomplete_fields = ["position", "province", "commune"]
    readonly_fields = ["key", "is_builtin", "created_by", "created_at"]

    @admin.display(description=_("nghĩa là"))
    def target_label(self, alias):
        return alias.target_label

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


def _in_use(curriculum) -> bool:
    return curriculum is not None and Curriculum.objects.filter(pk=curriculum.pk).in_use().exists()


class TopicInline(admin.TabularInline):
    """Topics of a version classes use are shown read-only: its teaching content is frozen
    (courses.rules.curriculum_versions); a change is a new version."""

    model = Topic
    extra = 0
    fields = ["order", "title_vi", "title_en", "hours"]

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _in_use(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _in_use(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _in_use(obj)


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ["order", "kind", "title", "url"]
    # Links typed without a scheme are government sites served over https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Curriculum)
class CurriculumAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "title_vi", "area_type", "status", "is_starter", "hours"]
    list_filter = ["status", "area_type", "is_starter", "has_final_assessment"]
    search_fields = ["code", "title_vi", "title_en"]
    filter_horizontal = ["positions"]
    readonly_fields = ["is_starter", "created_at", "updated_at"]
    inlines = [TopicInline, MaterialInline]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # Identity and teaching content of a version classes use; the rest (titles, materials,
        # positions, status) is still the catalogue's to correct.
        return [*fields, "code", "version", "has_final_assessment"] if _in_use(obj) else fields

    def get_queryset(self, request):
        return super().get_queryset(request).with_total_hours()

    def get_search_results(self, request, queryset, search_term):
        # The search box also matches titles typed without diacritics ("boi duong").
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            results = results | queryset.search(search_term)
        return results, may_have_duplicates

    @admin.display(description=_("số tiết"), ordering="total_hours_sum")
    def hours(self, curriculum):
        return curriculum.total_hours_sum or 0

    def save_model(self, request, obj, form, change):
        # An edited set is no longer the starter stand-in, which the reference loader overwrites.
        obj.is_starter = False
        super().save_model(request, obj, form, change)


class ProgrammeAdminForm(forms.ModelForm):
    levels = forms.MultipleChoiceField(
        label=_("cấp thực hiện"), choices=Level.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Programme
        fields = [
            "code",
            "decision_number",
            "title_vi",
            "title_en",
            "description",
            "period_start",
            "period_end",
            "levels",
        ]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    form = ProgrammeAdminForm
    list_display = ["code", "decision_number", "title_vi", "period_start", "period_end"]
    search_fields = ["code", "decision_number", "title_vi", "title_en"]
    date_hierarchy = "period_start"


# --- classes (issue 3) ----------------------------------------------------------------------------
# Classes and sessions are written through the API, whose services hold their rules (capacity,
# province in force, status flow); here they are shown read-only. Institutions are plain data.


@admin.register(TrainingInstitution)
class TrainingInstitutionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "province"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]


class ClassSessionInline(admin.TabularInline):
    model = ClassSession
    extra = 0
    fields = ["starts_at", "ends_at", "planned_minutes", "topic", "title", "join_url"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ProgrammePeriodFilter(admin.SimpleListFilter):
    """Classes stored before the rule "a class ends within its programme's period" that break it
    (courses migration 0006 reports them; manage.py classes_outside_period lists them)."""

    title = _("thời gian chương trình")
    parameter_name = "programme_period"

    def lookups(self, request, model_admin):
        return [("outside", _("ngoài thời gian chương trình"))]

    def queryset(self, request, queryset):
        if self.value() == "outside":
            return queryset.outside_programme_period()
        return queryset


@admin.register(TrainingClass)
class TrainingClassAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "province", "mode", "status", "start_date", "end_date", "capacity"]
    list_filter = ["status", "mode", "level", "province", ProgrammePeriodFilter]
    search_fields = ["code", "title", "search_text"]
    list_select_related = ["province"]
    date_hierarchy = "start_date"
    inlines = [ClassSessionInline]


@admin.register(ClassSession)
class ClassSessionAdmin(ReadOnlyAdmin):
    """Sessions are planned through the class API (courses.services.class_sessions), which checks them
    against the class's dates and keeps the progress figures in step; here they are viewed."""

    list_display = ["training_class", "starts_at", "ends_at", "planned_minutes", "topic", "title"]
    list_filter = [("training_class__province", admin.RelatedFieldListFilter), "training_class__status"]
    search_fields = ["training_class__code", "title"]
    list_select_related = ["training_class", "topic"]
    date_hierarchy = "starts_at"


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    """Topics are edited on their curriculum's page, where those of a version classes use are
    frozen (courses.rules.curriculum_versions); this list finds them across curricula."""

    list_display = ["curriculum", "order", "title_vi", "title_en", "hours"]
    list_filter = ["curriculum__status", "curriculum__area_type"]
    search_fields = ["title_vi", "title_en", "curriculum__code"]
    list_select_related = ["curriculum"]


@admin.register(Material)
class MaterialAdmin(ReadOnlyAdmin):
    """Materials are edited on their curriculum's page; this list finds them across curricula."""

    list_display = ["curriculum", "order", "kind", "title", "url"]
    list_filter = ["kind", "curriculum__status"]
    search_fields = ["title", "url", "curriculum__code"]
    list_select_related = ["curriculum"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Uploads are run by the import service and its queued task (courses.services.import_jobs), dry run and
    real run alike; their outcome is viewed here. The file's bytes are not shown."""

    list_display = [
        "id",
        "kind",
        "status",
        "dry_run",
        "created_by",
        "created_at",
        "total_rows",
        "processed_rows",
    ]
    list_filter = ["status", "kind", "dry_run", ("created_by__province", admin.RelatedFieldListFilter)]
    search_fields = ["created_by__username", "created_by__full_name"]
    list_select_related = ["created_by"]
    exclude = ["file_content"]
    date_hierarchy = "created_at"
