import datetime
from decimal import Decimal

import factory

from courses.models import (
    Curriculum,
    Level,
    Position,
    PositionCategory,
    Programme,
    Province,
    Region,
    Role,
    Topic,
    User,
)


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
