"""A small world of classes, trainers and learners in two provinces, for the class and enrolment tests.

Thái Nguyên (19): an OPEN in-person class with two seats, taught by `trainer`, whose curriculum
serves `position`; `learner` is enrolled in it, `joiner` (same province and position) is not.
Hà Nội (01): an online class taught by `other_trainer`, with `other_learner` enrolled.
Every role is then tried "from" the Thái Nguyên class (tests.roles.CLASS_ROLES): its own trainer and
learner, the trainer and learner of the other class, the admins of both provinces, the central admin,
and anonymous; `as_role` (tests.roles) signs in as them.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from courses.models import ClassMode, Position, Province, Role
from tests.factories import (
    ClassSessionFactory,
    CurriculumFactory,
    EnrollmentFactory,
    LearnerFactory,
    TrainingClassFactory,
    UserFactory,
)
from tests.roles import class_role_users


def build_world(*, province_admin, other_province_admin, central_admin) -> SimpleNamespace:
    here = Province.objects.current().get(code="19")
    there = Province.objects.current().get(code="01")
    position, other_position = Position.objects.order_by("sort_order", "code")[:2]
    curriculum = CurriculumFactory(positions=[position])
    trainer = UserFactory(role=Role.TRAINER, full_name="Giảng Viên Thái Nguyên")
    other_trainer = UserFactory(role=Role.TRAINER, full_name="Giảng Viên Hà Nội")
    training_class = TrainingClassFactory(
        code="tn-truc-tiep-1",
        title="Lớp bồi dưỡng Thái Nguyên",
        curriculum=curriculum,
        province=here,
        mode=ClassMode.IN_PERSON,
        capacity=2,
        planned_size=None,
        trainers=[trainer],
    )
    other_class = TrainingClassFactory(
        code="hn-truc-tuyen-1",
        title="Lớp trực tuyến Hà Nội",
        curriculum=curriculum,
        province=there,
        trainers=[other_trainer],
    )
    session = ClassSessionFactory(training_class=training_class)
    other_session = ClassSessionFactory(training_class=other_class)
    learner = LearnerFactory(province=here, position=position, full_name="Nguyễn Văn An")
    joiner = LearnerFactory(province=here, position=position, full_name="Trần Thị Bình")
    other_learner = LearnerFactory(province=there, position=position, full_name="Lê Văn Cường")
    enrollment = EnrollmentFactory(learner=learner, training_class=training_class)
    other_enrollment = EnrollmentFactory(learner=other_learner, training_class=other_class)
    users = class_role_users(
        own_learner=learner.user,
        other_learner=other_learner.user,
        own_trainer=trainer,
        other_trainer=other_trainer,
        province_admin=province_admin,
        other_province_admin=other_province_admin,
        central_admin=central_admin,
    )
    return SimpleNamespace(
        here=here,
        there=there,
        position=position,
        other_position=other_position,
        curriculum=curriculum,
        trainer=trainer,
        other_trainer=other_trainer,
        training_class=training_class,
        other_class=other_class,
        session=session,
        other_session=other_session,
        learner=learner,
        joiner=joiner,
        other_learner=other_learner,
        enrollment=enrollment,
        other_enrollment=other_enrollment,
        users=users,
    )


@pytest.fixture
def world(db, province_admin, other_province_admin, central_admin):
    return build_world(
        province_admin=province_admin,
        other_province_admin=other_province_admin,
        central_admin=central_admin,
    )
