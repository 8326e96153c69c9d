"""The project's URLs plus the naive ingestion endpoint the benchmark compares against."""

from django.urls import path

from bench.naive import NaiveAttendanceBulkView
from config.urls import handler404, handler500  # noqa: F401 - the project's JSON error pages
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("bench/naive/attendance", NaiveAttendanceBulkView.as_view(), name="bench-naive-attendance"),
]
