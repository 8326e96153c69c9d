"""Programme targets and reported figures in the ministry's back office."""

from django.contrib import admin

from reporting.models import Baseline, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = [
        "programme",
        "level",
        "province",
        "curriculum",
        "position",
        "year",
        "target_luot",
        "target_classes",
        "budget_million_vnd",
    ]
    list_filter = ["programme", "level", "year"]
    search_fields = [
        "programme__code",
        "programme__decision_number",
        "province__name",
        "curriculum__code",
        "note",
    ]
    list_select_related = ["programme", "province", "curriculum", "position"]
    autocomplete_fields = ["programme", "province", "curriculum", "position"]


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
    list_filter = ["programme", "level"]
    search_fields = ["programme__code", "programme__decision_number", "province__name", "source"]
    list_select_related = ["programme", "province"]
    autocomplete_fields = ["programme", "province"]
