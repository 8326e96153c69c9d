"""Attendance written while the broker (Redis) cannot be reached: the write is committed, so it
answers as always; the recompute it asked for is found later by reconcile (courses.core.queue)."""

import datetime

import pytest
from django.utils import timezone

from enrollment.models import Attendance, StaleClass
from reporting.models import ClassProgress
from reporting.services.periodic import stale_reconcile
from tests.factories import ClassSessionFactory
from tests.roles import client_as

# Committed for real: the enqueue after the commit is what used to turn the answer into a 500.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_bulk_write_and_a_check_out_answer_2xx_and_are_recomputed_later(
    attendance_world, broker_unreachable
):
    world = attendance_world
    records = [
        {"session": world.session.pk, "enrollment": e.pk, "status": "present", "minutes": 120}
        for e in world.active
    ]
    response = client_as(world.trainer).post("/api/v1/attendance/bulk", {"records": records}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 3

    now = timezone.now()
    live = ClassSessionFactory(
        training_class=world.training_class,
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(minutes=110),
        planned_minutes=120,
    )
    learner = client_as(world.learner_user)
    assert learner.post(f"/api/v1/sessions/{live.pk}/check-in").status_code == 200
    response = learner.post(f"/api/v1/sessions/{live.pk}/check-out")
    assert response.status_code == 200, response.content
    assert response.json()["checked_in"] is False

    # All of it committed, and the class left marked for the recompute that could not be queued.
    assert Attendance.objects.filter(session=world.session).count() == 3
    assert Attendance.objects.filter(session=live, enrollment=world.active[0]).exists()
    assert StaleClass.objects.filter(training_class=world.training_class).exists()
    assert not ClassProgress.objects.filter(pk=world.training_class.pk).exists()

    # The broker is back (tasks in-process here); a few minutes on, reconcile queues the mark again.
    broker_unreachable.conf.task_always_eager = True
    StaleClass.objects.update(marked_at=timezone.now() - datetime.timedelta(minutes=5))
    report = stale_reconcile()
    assert world.training_class.pk in report.requeued_classes
    progress = ClassProgress.objects.get(pk=world.training_class.pk)
    assert progress.enrolled == 3
    assert not StaleClass.objects.exists()
