from django.urls import include, path
from rest_framework.routers import DefaultRouter

from reporting.api import views, views_allocations

router = DefaultRouter(trailing_slash=False)
router.register("programmes", views.ProgrammeViewSet, basename="programme")
router.register("targets", views.TargetViewSet, basename="target")
router.register("baselines", views.BaselineViewSet, basename="baseline")
router.register("allocations", views_allocations.AllocationViewSet, basename="allocation")

urlpatterns = [
    path("allocations/import", views_allocations.AllocationImportView.as_view(), name="allocation-import"),
    # A code is 32 hex characters: anything else (a NUL byte PostgreSQL refuses, a space) is no code, a 404.
    path(
        "certificates/verify", views.CertificateVerifyByNumberView.as_view(), name="certificate-verify-number"
    ),
    path("certificates/verify/<slug:code>", views.CertificateVerifyView.as_view(), name="certificate-verify"),
    path("me/certificates", views.MyCertificateListView.as_view(), name="my-certificates"),
    path("me/progress", views.MyProgressListView.as_view(), name="my-progress"),
    path("", include(router.urls)),
]
