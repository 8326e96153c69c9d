"""The admins' progress reports (issue 4), resolved first under /api/v1/ (config/urls.py): the
most requested paths of the API should not be matched against every other pattern before them."""

from django.urls import path

from reporting.api import views_exports as exports
from reporting.api import views_reports as reports
from reporting.api import views_training_hours as hours

urlpatterns = [
    path("reports/summary", reports.SummaryView.as_view(), name="report-summary"),
    path("reports/summary/export.csv", exports.SummaryCSVView.as_view(), name="report-summary-csv"),
    path("reports/summary/export.xlsx", exports.SummaryXLSXView.as_view(), name="report-summary-xlsx"),
    path("reports/breakdown", reports.BreakdownView.as_view(), name="report-breakdown"),
    path("reports/breakdown/export.csv", exports.BreakdownCSVView.as_view(), name="report-breakdown-csv"),
    path("reports/breakdown/export.xlsx", exports.BreakdownXLSXView.as_view(), name="report-breakdown-xlsx"),
    path("reports/provinces/<int:id>", reports.ProvinceDetailView.as_view(), name="report-province"),
    path(
        "reports/provinces/<int:id>/export.csv",
        exports.ProvinceDetailCSVView.as_view(),
        name="report-province-csv",
    ),
    path(
        "reports/provinces/<int:id>/export.xlsx",
        exports.ProvinceDetailXLSXView.as_view(),
        name="report-province-xlsx",
    ),
    path("reports/history", reports.HistoryView.as_view(), name="report-history"),
    path("reports/history/export.csv", exports.HistoryCSVView.as_view(), name="report-history-csv"),
    path("reports/history/export.xlsx", exports.HistoryXLSXView.as_view(), name="report-history-xlsx"),
    path("reports/gaps", reports.GapsView.as_view(), name="report-gaps"),
    path("reports/gaps/export.csv", exports.GapsCSVView.as_view(), name="report-gaps-csv"),
    path("reports/gaps/export.xlsx", exports.GapsXLSXView.as_view(), name="report-gaps-xlsx"),
    path("reports/final", reports.FinalView.as_view(), name="report-final"),
    path("reports/freshness", reports.FreshnessView.as_view(), name="report-freshness"),
    path("reports/training-hours", hours.TrainingHoursView.as_view(), name="report-training-hours"),
    path(
        "reports/training-hours/export.csv",
        hours.TrainingHoursCSVView.as_view(),
        name="report-training-hours-csv",
    ),
    path(
        "reports/training-hours/export.xlsx",
        hours.TrainingHoursXLSXView.as_view(),
        name="report-training-hours-xlsx",
    ),
]
