"""The dashboard's drill-down (reporting.pages.drilldown), mounted under /dashboard/."""

from django.urls import path

from reporting.pages import drilldown

app_name = "drilldown"

urlpatterns = [
    path("classes/", drilldown.scope_classes, name="classes"),
    # A province's code (two digits); anything else is no province, a 404 (a slug holds no NUL byte).
    path("provinces/<slug:code>/", drilldown.scope_classes, name="province"),
    path("classes/<int:pk>/", drilldown.class_page, name="class"),
]
