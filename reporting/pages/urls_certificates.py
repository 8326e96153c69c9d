"""A learner's certificates in the portal, mounted at /portal/certificates/ (config/urls.py)."""

from django.urls import path

from reporting.pages import certificates

app_name = "certificates"

urlpatterns = [
    path("", certificates.my_certificates, name="mine"),
    path("<int:pk>/pdf/", certificates.certificate_download, name="pdf"),
]
