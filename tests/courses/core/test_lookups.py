"""field__any: the same rows as field__in, for ids, foreign keys and text, empty lists included."""

import pytest

from enrollment.models import Enrollment, Learner
from tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds():
    enrolments = [EnrollmentFactory() for _ in range(3)]
    wanted = [enrolments[0].pk, enrolments[2].pk, 10**9]
    assert (
        set(Enrollment.objects.filter(pk__any=wanted).values_list("pk", flat=True))
        == set(Enrollment.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        == {enrolments[0].pk, enrolments[2].pk}
    )
    classes = {enrolments[1].training_class_id}
    assert list(Enrollment.objects.filter(training_class_id__any=classes).values_list("pk", flat=True)) == [
        enrolments[1].pk
    ]
    national_id = enrolments[2].learner.national_id
    assert list(Learner.objects.filter(national_id__any=[national_id, "x"]).values_list("pk", flat=True)) == [
        enrolments[2].learner_id
    ]


def test_any_of_nothing_is_nothing():
    EnrollmentFactory()
    assert not Enrollment.objects.filter(pk__any=[]).exists()
