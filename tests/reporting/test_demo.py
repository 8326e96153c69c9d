from django.core.management import call_command

from courses.models import ClassMode, TrainingClass
from enrollment.models import Attendance, EnrollmentStatus
from reporting.models import ProgressRollup
from reporting.selectors import rollup_live_generation_id


def _run_demo():
    call_command("demo_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_demo_has_two_provinces_with_an_online_class_of_100_and_a_waitlist(db):
    _run_demo()
    demo = TrainingClass.objects.filter(code__startswith="DEMO-")
    online = demo.filter(mode=ClassMode.ONLINE, programme__isnull=False)
    assert online.values("province").distinct().count() == 2
    for training_class in online:
        assert (
            training_class.enrollments.filter(status__in=["enrolled", "completed", "not_completed"]).count()
            >= 100
        )
    in_person = demo.filter(mode=ClassMode.IN_PERSON)
    assert in_person.count() == 2
    for training_class in in_person:
        assert training_class.enrollments.filter(status=EnrollmentStatus.WAITLISTED).exists()
    assert Attendance.objects.filter(enrollment__training_class__in=demo).count() > 1000

    # Aggregated: the national total shows the demo's completed lượt.
    total = ProgressRollup.objects.get(
        generation_id=rollup_live_generation_id(),
        scope_province__isnull=True,
        programme__code="ke-hoach-2021-2025",
        level="",
        year=0,
        dimension="total",
    )
    assert total.achieved_luot == demo.filter(enrollments__status="completed").count()
    assert total.achieved_luot > 0


def test_running_the_demo_twice_changes_no_data(db):
    _run_demo()
    before = (TrainingClass.objects.count(), Attendance.objects.count())
    _run_demo()
    assert (TrainingClass.objects.count(), Attendance.objects.count()) == before
