from django.urls import include, path
from rest_framework.routers import DefaultRouter

from courses.api import views_aliases, views_classes, views_column_mappings
from courses.api import views_catalogue as views
from courses.api import views_imports as views_import

router = DefaultRouter(trailing_slash=False)
router.register("positions", views.PositionViewSet, basename="position")
router.register("provinces", views.ProvinceViewSet, basename="province")
router.register("communes", views.CommuneViewSet, basename="commune")
router.register("curricula", views.CurriculumViewSet, basename="curriculum")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("institutions", views_classes.InstitutionViewSet, basename="institution")
router.register("classes", views_classes.TrainingClassViewSet, basename="class")
router.register("sessions", views_classes.ClassSessionViewSet, basename="session")
router.register("aliases", views_aliases.AliasViewSet, basename="alias")
router.register("column-mappings", views_column_mappings.ColumnMappingViewSet, basename="column-mapping")

urlpatterns = [
    path("auth/token", views.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/token/revoke", views.TokenRevokeView.as_view(), name="token-revoke"),
    path("me", views.MeView.as_view(), name="me"),
    path("me/password", views.MyPasswordView.as_view(), name="me-password"),
    # Fixed paths under a router prefix (e.g. curricula/import) go above the router: its detail
    # route would otherwise take the last segment for an id.
    path("curricula/import", views_import.CatalogueImportView.as_view(), name="curriculum-import"),
    path("import-jobs", views_import.ImportJobViewSet.as_view({"get": "list"}), name="import-job-list"),
    path(
        "import-jobs/<int:pk>",
        views_import.ImportJobViewSet.as_view({"get": "retrieve"}),
        name="import-job-detail",
    ),
    path("", include(router.urls)),
]
