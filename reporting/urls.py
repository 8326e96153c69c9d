from django.urls import include, path
from rest_framework.routers import DefaultRouter

from reporting import views

router = DefaultRouter(trailing_slash=False)
router.register("programmes", views.ProgrammeViewSet, basename="programme")
router.register("targets", views.TargetViewSet, basename="target")
router.register("baselines", views.BaselineViewSet, basename="baseline")

urlpatterns = [
    path("certificates/verify/<str:code>", views.CertificateVerifyView.as_view(), name="certificate-verify"),
    path("me/certificates", views.MyCertificateListView.as_view(), name="my-certificates"),
    path("me/progress", views.MyProgressListView.as_view(), name="my-progress"),
    path("", include(router.urls)),
]

# --- the admins' progress reports (issue 4) ------------------------------------------------------
from reporting import views_reports as reports  # noqa: E402

urlpatterns += [
    path("reports/summary", reports.SummaryView.as_view(), name="report-summary"),
    path("reports/summary/export.csv", reports.SummaryCSVView.as_view(), name="report-summary-csv"),
    path("reports/summary/export.xlsx", reports.SummaryXLSXView.as_view(), name="report-summary-xlsx"),
    path("reports/breakdown", reports.BreakdownView.as_view(), name="report-breakdown"),
    path("reports/breakdown/export.csv", reports.BreakdownCSVView.as_view(), name="report-breakdown-csv"),
    path("reports/breakdown/export.xlsx", reports.BreakdownXLSXView.as_view(), name="report-breakdown-xlsx"),
    path("reports/provinces/<int:id>", reports.ProvinceDetailView.as_view(), name="report-province"),
    path(
        "reports/provinces/<int:id>/export.csv",
        reports.ProvinceDetailCSVView.as_view(),
        name="report-province-csv",
    ),
    path(
        "reports/provinces/<int:id>/export.xlsx",
        reports.ProvinceDetailXLSXView.as_view(),
        name="report-province-xlsx",
    ),
    path("reports/history", reports.HistoryView.as_view(), name="report-history"),
    path("reports/history/export.csv", reports.HistoryCSVView.as_view(), name="report-history-csv"),
    path("reports/history/export.xlsx", reports.HistoryXLSXView.as_view(), name="report-history-xlsx"),
    path("reports/gaps", reports.GapsView.as_view(), name="report-gaps"),
    path("reports/gaps/export.csv", reports.GapsCSVView.as_view(), name="report-gaps-csv"),
    path("reports/gaps/export.xlsx", reports.GapsXLSXView.as_view(), name="report-gaps-xlsx"),
    path("reports/freshness", reports.FreshnessView.as_view(), name="report-freshness"),
]
