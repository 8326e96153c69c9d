from django.urls import path

from enrollment.pages import portal

app_name = "portal"

urlpatterns = [
    path("", portal.my_classes, name="my_classes"),
    path("classes/<int:pk>/join/", portal.join_class, name="join_class"),
]
