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
