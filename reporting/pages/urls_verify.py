"""The public verification page, mounted at /verify/ (config/urls.py): no sign-in."""

from django.urls import path

from reporting.pages import certificates

app_name = "verify"

urlpatterns = [
    path("", certificates.verify_number, name="number"),
    # Any text up to the slash: the page, not the URL resolver, answers a malformed code with its
    # "unknown" verdict (reporting.selectors.progress.certificate_by_code).
    path("<str:code>/", certificates.verify_code, name="code"),
]
