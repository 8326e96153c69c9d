"""What the enrollment API's views share: their permission classes, tags, id parameters and the
texts of the access rules their schema descriptions repeat."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import BasePermission

from courses.core.permissions import is_admin, is_learner, is_trainer

# --- permissions ---------------------------------------------------------------------------------


class IsTrainerOrAdmin(BasePermission):
    def has_permission(self, request, view):
        return is_trainer(request.user) or is_admin(request.user)


class IsLearner(BasePermission):
    def has_permission(self, request, view):
        return is_learner(request.user)


# --- tags ----------------------------------------------------------------------------------------

ATTENDANCE_TAG = "attendance"
ENROLLMENTS_TAG = "enrollments"
LEARNERS_TAG = "learners"
LEARNER_TAG = "me"

# --- rules, as the endpoints' descriptions state them ------------------------------------------

CLOSED_RULE = (
    "Once the class is closed, only an admin of its scope may change it, giving a non-empty `reason` "
    "(400 naming `reason` without one; 403 for trainers)."
)
MANAGER_RULE = (
    "Trainers of the class and admins of its scope (provincial admins: their province; central admins: "
    "all). Learners get 403; a class out of the caller's reach is 404."
)
LEARNER_RULE = "Learners only (other roles get 403), for the classes they are enrolled in."

# --- path parameters -----------------------------------------------------------------------------


def id_parameter(description: str) -> OpenApiParameter:
    return OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=description)


SESSION_ID = id_parameter("Id of the session.")
CLASS_ID = id_parameter("Id of the class.")
ENROLLMENT_ID = id_parameter("Id of the enrolment.")
# The enrolment endpoints (views_enrollments) word their ids so in the published schema; kept as
# they are so that the schema does not change.
ENROLMENT_ENDPOINTS_CLASS_ID = id_parameter("Class id.")
ENROLMENT_ENDPOINTS_ENROLLMENT_ID = id_parameter("Enrolment id.")
