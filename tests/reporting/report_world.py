"""A hand-built world for the report, export and dashboard tests, run through the real aggregation.

Programme 2021-2025 (ended, so the pace projects exactly what was achieved), national targets
central 20, provincial 30, e-learning 10 (total 60); provincial targets for the legacy units
Bắc Kạn (06) 8 and old Thái Nguyên (19) 4, so current Thái Nguyên's is 12; Hà Nội's own 15.

    C1 Hà Nội, central, in person, ends 2023, 30.0 million, curriculum A: 3 completed (2 men of
       the Tày minority holding `chair`, 1 Kinh woman) and 1 withdrawn;
    C2 Thái Nguyên (current unit), provincial, online, 2024, 12.5 million, curriculum B:
       2 completed, 1 not completed (67% attendance);
    C3 Bắc Kạn (legacy, now Thái Nguyên), provincial, online, 2024, 7.5 million, curriculum A:
       1 completed (a man);
    C4 Thái Nguyên, e-learning, still running, ends 2025, curriculum B: 2 learners in progress;
    C5 Hà Nội, draft: counts nowhere.

National: 6 lượt of 60 (10%), 9 enrolled, 2 in progress, 1 not completed, classes 4 planned /
4 started / 3 held, 50.0 million, 8.333 million per lượt. Hà Nội 3, Thái Nguyên 3 (2 + 1 from
Bắc Kạn). By year: 2023 3, 2024 3, 2025 0. Curriculum A 4, B 2. Men 3, women 3.
"""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.test import override_settings
from django.utils.translation import trans_real

from courses.models import ClassMode, ClassStatus, Level, Position
from enrollment.models import EnrollmentStatus
from reporting.models import Target
from reporting.services.rebuilds import progress_rebuild
from tests.factories import CurriculumFactory, ProgrammeFactory
from tests.reporting.conftest import attend_all, enrol, make_class, province


def completed(training_class, count=1, **learner_fields):
    enrollments = [enrol(training_class, **learner_fields) for _ in range(count)]
    for enrollment in enrollments:
        attend_all(enrollment, 60)
    return enrollments


def build_world(*, rebuild: bool = True) -> SimpleNamespace:
    hanoi, thai_nguyen = province("01"), province("19")
    bac_kan_old, thai_nguyen_old = province("06", legacy=True), province("19", legacy=True)
    programme = ProgrammeFactory(
        code="kh-thu-2021-2025",
        decision_number="99/KH-TEST",
        title_vi="Bồi dưỡng cán bộ, công chức xã giai đoạn 2021-2025 (thử nghiệm)",
        period_start=datetime.date(2021, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        levels=[Level.CENTRAL, Level.PROVINCIAL, Level.ELEARNING],
    )
    Target.objects.create(programme=programme, level=Level.CENTRAL, target_luot=20)
    Target.objects.create(programme=programme, level=Level.PROVINCIAL, target_luot=30)
    Target.objects.create(programme=programme, level=Level.ELEARNING, target_luot=10)
    Target.objects.create(programme=programme, level=Level.PROVINCIAL, province=bac_kan_old, target_luot=8)
    Target.objects.create(
        programme=programme, level=Level.PROVINCIAL, province=thai_nguyen_old, target_luot=4
    )
    Target.objects.create(programme=programme, level=Level.PROVINCIAL, province=hanoi, target_luot=15)

    curriculum_a = CurriculumFactory(code="cs-chu-tich", title_vi="Chủ tịch Ủy ban nhân dân xã")
    curriculum_b = CurriculumFactory(code="cs-van-phong", title_vi="Văn phòng - thống kê")
    chair = Position.objects.order_by("sort_order").first()

    c1 = make_class(
        programme=programme,
        province=hanoi,
        level=Level.CENTRAL,
        mode=ClassMode.IN_PERSON,
        capacity=40,
        start=datetime.date(2023, 5, 2),
        spending_million_vnd=Decimal("30.0"),
        curriculum=curriculum_a,
    )
    completed(c1, 2, gender="male", ethnicity="Tày", position=chair)
    completed(c1, 1, gender="female", ethnicity="Kinh")
    enrol(c1, status=EnrollmentStatus.WITHDRAWN)

    c2 = make_class(
        programme=programme,
        province=thai_nguyen,
        level=Level.PROVINCIAL,
        spending_million_vnd=Decimal("12.5"),
        curriculum=curriculum_b,
    )
    completed(c2, 2, gender="female", ethnicity="Kinh")
    attend_all(enrol(c2, gender="female", ethnicity="Kinh"), 40)

    c3 = make_class(
        programme=programme,
        province=bac_kan_old,
        level=Level.PROVINCIAL,
        spending_million_vnd=Decimal("7.5"),
        curriculum=curriculum_a,
    )
    completed(c3, 1, gender="male", ethnicity="Kinh")

    c4 = make_class(
        programme=programme,
        province=thai_nguyen,
        level=Level.ELEARNING,
        status=ClassStatus.RUNNING,
        start=datetime.date(2025, 6, 2),
        curriculum=curriculum_b,
    )
    enrol(c4, gender="female")
    enrol(c4, gender="female")

    c5 = make_class(programme=programme, province=hanoi, status=ClassStatus.DRAFT, curriculum=curriculum_a)
    completed(c5, 4)

    world = SimpleNamespace(
        programme=programme,
        hanoi=hanoi,
        thai_nguyen=thai_nguyen,
        bac_kan_old=bac_kan_old,
        thai_nguyen_old=thai_nguyen_old,
        curriculum_a=curriculum_a,
        curriculum_b=curriculum_b,
        chair=chair,
        classes=[c1, c2, c3, c4, c5],
    )
    if rebuild:
        rebuild_world(world)
    return world


def rebuild_world(world, *extra_provinces) -> None:
    """A full rebuild through the aggregation, over the provinces that have classes."""
    ids = {world.hanoi.pk, world.thai_nguyen.pk, *(p.pk for p in extra_provinces)}
    progress_rebuild(province_ids=sorted(ids))


@contextlib.contextmanager
def vietnamese_default():
    """Vietnamese as the site's default language, as in production (the test settings use English).

    Without it a Vietnamese request falls back to the English catalogue for every string it
    translates, since Django falls back to LANGUAGE_CODE; the cached catalogues are dropped on
    the way in and out so that no fallback leaks across tests.
    """
    with override_settings(LANGUAGE_CODE="vi"):
        trans_real._translations = {}
        try:
            yield
        finally:
            trans_real._translations = {}
    trans_real._translations = {}
