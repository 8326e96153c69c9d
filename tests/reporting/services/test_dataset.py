"""The national dataset generator (reporting/services/dataset*.py): what it leaves behind is usable as is."""

import pytest
from django.core.management import call_command

from courses.models import ClassStatus, Role, TrainingClass
from enrollment.models import Enrollment
from tests.factories import LearnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_api_creates_rows_after_a_generated_dataset(client_for):
    """The generator writes its own ids; every table it wrote must hand out new ids past them, or
    the next enrolment (learner, account, class) through the API collides with a generated one."""
    call_command(
        "generate_dataset",
        # Fewer enrolments asked for than the central and online classes hold: the generator
        # writes more than it planned for.
        "--enrolments=2000",
        "--central-classes=100",
        "--online-class-size=3",
        "--sessions-per-class=1",
        stdout=open("/dev/null", "w"),  # noqa: SIM115, PTH123 - the command's progress lines
    )
    generated = TrainingClass.objects.filter(code__startswith="GEN-ELE-").first()  # online: no capacity
    TrainingClass.objects.filter(pk=generated.pk).update(status=ClassStatus.OPEN)
    newcomer = LearnerFactory()  # a learner (and account) created after the dataset
    client = client_for(UserFactory(role=Role.CENTRAL_ADMIN))

    response = client.post(
        f"/api/v1/classes/{generated.pk}/enrollments", {"learner_id": newcomer.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Enrollment.objects.filter(training_class=generated, learner=newcomer).exists()
    assert Enrollment.objects.filter(training_class__code__startswith="GEN-").count() > 2000


def test_every_generated_class_ends_within_the_plan_it_counts_towards():
    """The 2021-2025 plan counts classes ending by 31/12/2025; the generator wrote classes ending
    in 2026 into it (issue 11.6)."""
    call_command(
        "generate_dataset",
        "--enrolments=3000",
        "--central-classes=200",
        "--online-class-size=3",
        "--sessions-per-class=1",
        stdout=open("/dev/null", "w"),  # noqa: SIM115, PTH123 - the command's progress lines
    )
    generated = TrainingClass.objects.filter(code__startswith="GEN-")
    assert generated.count() > 200
    assert not generated.filter(programme__isnull=True).exists()
    assert list(generated.outside_programme_period().values_list("code", "end_date")) == []
