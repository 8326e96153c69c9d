from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

handler400 = "courses.core.errors.json_bad_request"
handler404 = "courses.core.errors.json_not_found"
handler500 = "courses.core.errors.json_server_error"

api_v1 = [
    path("", include("reporting.api.urls_reports")),
    path("", include("courses.api.urls")),
    path("", include("enrollment.api.urls")),
    path("", include("reporting.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Swagger UI and ReDoc from our static files (drf-spectacular-sidecar): they work offline.
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="courses/redoc.html"),
        name="redoc",
    ),
]

# The admins' dashboard (issue 4): a server-rendered page behind a session login.
from django.contrib.auth import views as auth_views  # noqa: E402

from reporting.pages import accounts as views_accounts  # noqa: E402
from reporting.pages import dashboard as views_dashboard  # noqa: E402

urlpatterns += [
    path("login/", views_dashboard.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    # A learner's certificates and their PDFs; the public page their QR codes open (issue 14).
    path("portal/certificates/", include("reporting.pages.urls_certificates")),
    path("verify/", include("reporting.pages.urls_verify")),
    # Its drill-down (issues 14, 15): a province's classes, a class's roster.
    path("dashboard/", include("reporting.pages.urls_drilldown")),
    # Signing in's companions (issue 14): the password change (forced after a password someone else
    # set) and the reset by email.
    path("password/change/", views_accounts.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", views_accounts.PasswordResetRequestView.as_view(), name="password_reset"),
    path("password-reset/sent/", views_accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views_accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views_accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The learners' portal (issue 14): their classes, their progress, the classes they may join.
    path("portal/", include("enrollment.pages.urls")),
]
