import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from courses.models import Role
from enrollment.models import EnrollmentStatus
from tests.factories import (
    ClassSessionFactory,
    EnrollmentFactory,
    LearnerFactory,
    TrainingClassFactory,
    UserFactory,
)
from tests.roles import class_role_users

# --- attendance ------------------------------------------------------------------------------------
# A class of Thái Nguyên (19) with a trainer, two sessions and learners in every enrolment status,
# and a class of Hà Nội (01) with its own trainer and learner: enough to try every role on every
# attendance endpoint (`users`: the user of each of tests.roles.CLASS_ROLES).


@pytest.fixture
def attendance_world(
    db, trainer, province, other_province, province_admin, other_province_admin, central_admin
):
    local = ZoneInfo("Asia/Ho_Chi_Minh")
    training_class = TrainingClassFactory(trainers=[trainer], province=province, code="tn-online-1")
    first = ClassSessionFactory(
        training_class=training_class,
        starts_at=datetime.datetime(2026, 9, 1, 8, 0, tzinfo=local),
        ends_at=datetime.datetime(2026, 9, 1, 10, 0, tzinfo=local),
        planned_minutes=120,
    )
    second = ClassSessionFactory(
        training_class=training_class,
        starts_at=datetime.datetime(2026, 9, 2, 8, 0, tzinfo=local),
        ends_at=datetime.datetime(2026, 9, 2, 11, 0, tzinfo=local),
        planned_minutes=150,
    )
    active = [
        EnrollmentFactory(
            training_class=training_class,
            learner=LearnerFactory(full_name=name, email=email, province=province),
        )
        for name, email in [
            ("Nguyễn Văn An", "an@example.vn"),
            ("Trần Thị Bình", "binh@example.vn"),
            ("Lê Văn Cường", ""),
        ]
    ]
    withdrawn = EnrollmentFactory(training_class=training_class, status=EnrollmentStatus.WITHDRAWN)
    waitlisted = EnrollmentFactory(training_class=training_class, status=EnrollmentStatus.WAITLISTED)

    other_trainer = UserFactory(role=Role.TRAINER)
    other_class = TrainingClassFactory(trainers=[other_trainer], province=other_province, code="hn-online-1")
    other_session = ClassSessionFactory(training_class=other_class)
    other_enrollment = EnrollmentFactory(
        training_class=other_class, learner=LearnerFactory(province=other_province)
    )
    return SimpleNamespace(
        training_class=training_class,
        session=first,
        second_session=second,
        active=active,
        withdrawn=withdrawn,
        waitlisted=waitlisted,
        trainer=trainer,
        other_trainer=other_trainer,
        other_class=other_class,
        other_session=other_session,
        other_enrollment=other_enrollment,
        learner_user=active[0].learner.user,
        other_learner_user=other_enrollment.learner.user,
        users=class_role_users(
            own_learner=active[0].learner.user,
            other_learner=other_enrollment.learner.user,
            own_trainer=trainer,
            other_trainer=other_trainer,
            province_admin=province_admin,
            other_province_admin=other_province_admin,
            central_admin=central_admin,
        ),
    )
