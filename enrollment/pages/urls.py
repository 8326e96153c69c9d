from django.urls import path

from enrollment.pages import portal, trainer

app_name = "portal"

urlpatterns = [
    path("", portal.my_classes, name="my_classes"),
    path("classes/<int:pk>/join/", portal.join_class, name="join_class"),
    path("trainer/", trainer.my_sessions, name="trainer_sessions"),
    path("trainer/sessions/<int:pk>/", trainer.session_roster, name="trainer_roster"),
]
