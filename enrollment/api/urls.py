from django.urls import include, path
from rest_framework.routers import DefaultRouter

from enrollment.api import views_attendance as attendance
from enrollment.api import views_enrollments as enrolments
from enrollment.api import views_learners as learners
from enrollment.api import views_my_attendance as my_attendance
from enrollment.api import views_scores as score_views

router = DefaultRouter(trailing_slash=False)
router.register("learners", learners.LearnerViewSet, basename="learner")

# Attendance and scores (fixed paths, above the router so that its detail routes don't take them).
attendance_urlpatterns = [
    path(
        "sessions/<int:pk>/attendance", attendance.SessionAttendanceView.as_view(), name="session-attendance"
    ),
    path(
        "sessions/<int:pk>/attendance/platform-report",
        attendance.PlatformReportView.as_view(),
        name="session-attendance-platform-report",
    ),
    path("sessions/<int:pk>/check-in", my_attendance.SessionCheckInView.as_view(), name="session-check-in"),
    path(
        "sessions/<int:pk>/check-out", my_attendance.SessionCheckOutView.as_view(), name="session-check-out"
    ),
    path(
        "sessions/<int:pk>/heartbeat", my_attendance.SessionHeartbeatView.as_view(), name="session-heartbeat"
    ),
    path("attendance/bulk", attendance.AttendanceBulkView.as_view(), name="attendance-bulk"),
    path(
        "attendance/<int:pk>/history", attendance.AttendanceHistoryView.as_view(), name="attendance-history"
    ),
    path("enrollments/<int:pk>/score", score_views.EnrollmentScoreView.as_view(), name="enrollment-score"),
    path("classes/<int:pk>/scores", score_views.ClassScoresView.as_view(), name="class-scores"),
    path(
        "classes/<int:pk>/scores/import",
        score_views.ClassScoresImportView.as_view(),
        name="class-scores-import",
    ),
    path(
        "classes/<int:pk>/attendance-sheet.xlsx",
        attendance.ClassAttendanceSheetXlsxView.as_view(),
        name="class-attendance-sheet-xlsx",
    ),
    path("classes/<int:pk>/roster.xlsx", attendance.ClassRosterXlsxView.as_view(), name="class-roster-xlsx"),
    path("me/sessions", my_attendance.MySessionsView.as_view(), name="me-sessions"),
    path("me/attendance", my_attendance.MyAttendanceView.as_view(), name="me-attendance"),
    path(
        "me/classes/<int:pk>/progress", my_attendance.MyClassProgressView.as_view(), name="me-class-progress"
    ),
]

# Learners and enrolment.
enrolment_urlpatterns = [
    path("me/learner", learners.MyLearnerView.as_view(), name="me-learner"),
    path("me/preferences", learners.MyPreferencesView.as_view(), name="me-preferences"),
    path("me/enrollments", enrolments.MyEnrollmentsView.as_view(), name="me-enrollments"),
    path("classes/<int:pk>/join", enrolments.ClassJoinView.as_view(), name="class-join"),
    path("classes/<int:pk>/enrollments", enrolments.ClassEnrollmentsView.as_view(), name="class-enrollments"),
    path(
        "classes/<int:pk>/enrollments/import",
        enrolments.EnrollmentImportView.as_view(),
        name="class-enrollments-import",
    ),
    path("classes/<int:pk>/roster", enrolments.ClassRosterView.as_view(), name="class-roster"),
    path("enrollments/<int:pk>", enrolments.EnrollmentDetailView.as_view(), name="enrollment-detail"),
    path(
        "enrollments/<int:pk>/withdraw",
        enrolments.EnrollmentWithdrawView.as_view(),
        name="enrollment-withdraw",
    ),
    path(
        "enrollments/<int:pk>/history", enrolments.EnrollmentHistoryView.as_view(), name="enrollment-history"
    ),
    path("learner-data-access", learners.LearnerDataAccessView.as_view(), name="learner-data-access"),
]

urlpatterns = [
    *enrolment_urlpatterns,
    *attendance_urlpatterns,
    path("", include(router.urls)),
]
