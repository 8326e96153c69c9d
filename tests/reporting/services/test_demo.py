import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

from courses.models import ClassMode, TrainingClass
from enrollment.models import Attendance, EnrollmentStatus
from reporting.models import ProgressRollup
from reporting.selectors.progress import rollup_live_generation_id


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


def test_make_demo_sets_up_on_the_embedded_sqlite_default(tmp_path):
    """`make demo` runs on SQLite, which CI's PostgreSQL suite never touches otherwise: a schema
    feature SQLite lacks (a unique constraint with included columns, say) breaks only there."""
    root = Path(__file__).resolve().parents[3]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    for command in (
        ["migrate", "--noinput"],
        ["load_reference_data"],
        ["demo_setup"],
        ["progress_table"],
    ):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{command[0]} failed:\n{result.stderr[-3000:]}"
    # The table counts the demo's online classes and their completed learners.
    online = next(line for line in result.stdout.splitlines() if line.startswith("Bồi dưỡng trực tuyến"))
    assert online.split()[-4] == "2/2"
    assert int(online.split()[-6].replace(".", "")) > 0
