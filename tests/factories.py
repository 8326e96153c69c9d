import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from courses.models import (
    ClassMode,
    ClassSession,
    ClassStatus,
    Curriculum,
    InstitutionKind,
    Level,
    Position,
    PositionCategory,
    Programme,
    Province,
    Region,
    Role,
    Topic,
    TrainingClass,
    TrainingInstitution,
    User,
)
from enrollment.models import Enrollment, EnrollmentSource, EnrollmentStatus, Gender, Learner


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code", "valid_from")

    code = factory.Sequence(lambda n: f"{(n % 90) + 10:02d}")
    name = factory.Sequence(lambda n: f"Tỉnh Thử Nghiệm {n}")
    codename = factory.Sequence(lambda n: f"thu_nghiem_{n}")
    division_type = "tỉnh"
    region = Region.NORTH
    valid_from = datetime.date(2099, 7, 1)
    valid_until = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    role = Role.LEARNER
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    code = factory.Sequence(lambda n: f"position-{n}")
    name_vi = factory.Sequence(lambda n: f"Chức danh {n}")
    name_en = factory.Sequence(lambda n: f"Position {n}")
    category = PositionCategory.APPOINTED


class CurriculumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Curriculum
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"cur-{n}")
    version = 1
    title_vi = factory.Sequence(lambda n: f"Bồi dưỡng kiến thức {n}")
    title_en = factory.Sequence(lambda n: f"Knowledge training {n}")

    @factory.post_generation
    def positions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.positions.set(extracted)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    curriculum = factory.SubFactory(CurriculumFactory)
    order = factory.Sequence(lambda n: n + 1)
    title_vi = factory.Sequence(lambda n: f"Chuyên đề {n}")
    hours = Decimal("4.0")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    code = factory.Sequence(lambda n: f"programme-{n}")
    decision_number = factory.Sequence(lambda n: f"{n}/QĐ-TTg")
    title_vi = "Đề án thử nghiệm"
    period_start = datetime.date(2026, 1, 1)
    period_end = datetime.date(2030, 12, 31)
    levels = factory.LazyFunction(lambda: [Level.CENTRAL, Level.PROVINCIAL])


# --- classes, learners, enrolment (issue 3) ---------------------------------------------------------


def _current_province(code: str = "19"):
    """A current province from the reference data (Thái Nguyên by default)."""
    return Province.objects.current().get(code=code)


class TrainingInstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingInstitution

    code = factory.Sequence(lambda n: f"institution-{n}")
    name = factory.Sequence(lambda n: f"Trường Chính trị {n}")
    kind = InstitutionKind.PROVINCIAL


class TrainingClassFactory(factory.django.DjangoModelFactory):
    """An OPEN online class of Thái Nguyên (19) starting in 2026, organised by its province.

    Pass trainers=[user, ...] to assign trainers; mode=ClassMode.IN_PERSON needs capacity=N.
    """

    class Meta:
        model = TrainingClass
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"class-{n}")
    title = factory.Sequence(lambda n: f"Lớp bồi dưỡng {n}")
    curriculum = factory.SubFactory(CurriculumFactory)
    province = factory.LazyFunction(_current_province)
    organiser_province = factory.SelfAttribute("province")
    mode = ClassMode.ONLINE
    level = Level.PROVINCIAL
    status = ClassStatus.OPEN
    start_date = datetime.date(2026, 9, 1)
    end_date = datetime.date(2026, 12, 31)
    capacity = None
    planned_size = 100

    @factory.post_generation
    def trainers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.trainers.set(extracted)


class ClassSessionFactory(factory.django.DjangoModelFactory):
    """A two-hour session on the class's start date at 08:00 local time (Asia/Ho_Chi_Minh)."""

    class Meta:
        model = ClassSession

    training_class = factory.SubFactory(TrainingClassFactory)
    title = factory.Sequence(lambda n: f"Buổi {n}")
    starts_at = factory.LazyAttribute(
        lambda o: datetime.datetime.combine(
            o.training_class.start_date, datetime.time(8, 0), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    planned_minutes = 120
    join_url = "https://meet.example.vn/room"


class LearnerFactory(factory.django.DjangoModelFactory):
    """A learner of Thái Nguyên with their own user (role learner, username = national id)."""

    class Meta:
        model = Learner

    national_id = factory.Sequence(lambda n: f"{19_000_000_000 + n:012d}")
    full_name = factory.Sequence(lambda n: f"Trần Thị Học Viên {n}")
    gender = Gender.FEMALE
    date_of_birth = datetime.date(1985, 5, 17)
    province = factory.LazyFunction(_current_province)
    user = factory.SubFactory(
        UserFactory,
        role=Role.LEARNER,
        username=factory.SelfAttribute("..national_id"),
        full_name=factory.SelfAttribute("..full_name"),
        province=factory.SelfAttribute("..province"),
    )


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    learner = factory.SubFactory(LearnerFactory)
    training_class = factory.SubFactory(TrainingClassFactory)
    status = EnrollmentStatus.ENROLLED
    source = EnrollmentSource.ADMIN
