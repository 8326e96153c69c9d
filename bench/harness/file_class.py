"""What both steps of bench/files.py stand on, in their child process: Django set up, and the
bench class (a provincial online class of Thái Nguyên with a trainer and a session)."""

from __future__ import annotations

CLASS_CODE = "BENCH-FILES"


def django_setup() -> None:
    import django

    django.setup()


def bench_class(learners: int):
    """A provincial online class of Thái Nguyên with a trainer and a session; `learners` of the
    corpus's people enrolled (the roster step enrols nobody: a dry run)."""
    import datetime

    from django.utils import timezone

    from courses.models import ClassMode, ClassSession, Province, Role, TrainingClass, User

    province = Province.objects.current().get(code="19")
    trainer, _ = User.objects.get_or_create(
        username="bench-files-trainer", defaults={"role": Role.TRAINER, "province": province}
    )
    training_class = TrainingClass.objects.filter(code=CLASS_CODE).first()
    if training_class is None:
        from tests.factories import TrainingClassFactory

        training_class = TrainingClassFactory(
            code=CLASS_CODE, province=province, mode=ClassMode.ONLINE, capacity=25_000, trainers=[trainer]
        )
    session = ClassSession.objects.filter(training_class=training_class).first()
    if session is None:
        start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0) - datetime.timedelta(
            days=1
        )
        session = ClassSession.objects.create(
            training_class=training_class,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            planned_minutes=180,
        )
    return trainer, training_class, session
