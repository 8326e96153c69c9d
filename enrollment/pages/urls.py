from django.urls import path

from enrollment.pages import (
    calendars,
    curriculum,
    portal,
    preferences,
    sessions,
    trainer,
    trainer_class,
    trainer_scores,
)

app_name = "portal"

urlpatterns = [
    path("", portal.my_classes, name="my_classes"),
    path("classes/<int:pk>/join/", portal.join_class, name="join_class"),
    path("preferences/", preferences.preferences, name="preferences"),
    path("sessions/", sessions.my_sessions, name="my_sessions"),
    path("sessions/<int:pk>/", sessions.session_page, name="session"),
    path("sessions/<int:pk>/check-in/", sessions.check_in, name="check_in"),
    path("sessions/<int:pk>/check-out/", sessions.check_out, name="check_out"),
    path("sessions/<int:pk>/heartbeat/", sessions.heartbeat, name="heartbeat"),
    path("classes/<int:pk>/curriculum/", curriculum.class_curriculum, name="class_curriculum"),
    path("classes/<int:pk>/calendar.ics", calendars.class_calendar, name="class_calendar"),
    path("calendar/", calendars.calendar_page, name="calendar"),
    path("calendar/reset/", calendars.reset_feed, name="calendar_reset"),
    path("calendar/<str:token>.ics", calendars.calendar_feed, name="calendar_feed"),
    path("trainer/", trainer.my_sessions, name="trainer_sessions"),
    path("trainer/sessions/<int:pk>/", trainer.session_roster, name="trainer_roster"),
    path("trainer/classes/", trainer_class.my_classes, name="trainer_classes"),
    path("trainer/classes/<int:pk>/", trainer_class.class_page, name="trainer_class"),
    path("trainer/classes/<int:pk>/scores/", trainer_scores.class_scores, name="trainer_scores"),
    path("trainer/classes/<int:pk>/uploads/", trainer_class.upload, name="trainer_upload_new"),
    path("trainer/classes/<int:pk>/uploads/<int:upload>/", trainer_class.upload_page, name="trainer_upload"),
    path(
        "trainer/classes/<int:pk>/uploads/<int:upload>/apply/",
        trainer_class.apply,
        name="trainer_upload_apply",
    ),
]
