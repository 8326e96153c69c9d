"""Schemathesis against the OpenAPI schema: every operation, as a central admin and as a learner.

Each operation gets a bounded number of generated requests, valid ones (positive) and invalid ones
(negative), sent through the WSGI application to the real PostgreSQL test database. Every answer
must be no server error, and its status, content type and body must be the ones the schema
declares. Path ids are mostly drawn from objects that exist (a small world of classes, sessions,
enrolments and learners), so that reads and writes reach the serialisers, not only the 404.

Deterministic: derandomised Hypothesis, no example database, no shrinking. Each request runs in
a savepoint rolled back after it, so every request sees the same world whatever came before.

    CI=true DATABASE_URL=... REDIS_URL=... .venv/bin/python -m pytest tests/test_schemathesis.py -q -s
prints the figures (operations, requests, failures) per role.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from courses.models import ClassMode, Commune, Curriculum, Position, Province, TrainingInstitution
from tests.class_world import build_world
from tests.factories import (
    ClassSessionFactory,
    EnrollmentFactory,
    LearnerFactory,
    TrainingClassFactory,
    TrainingInstitutionFactory,
)

# No server error; the status, content type and body the schema declares. Left out: the checks that
# an invalid request is refused (negative_data_rejection: an unknown `ordering` or a bad `page_size`
# is ignored, as DRF does) and that a valid one is accepted (positive_data_acceptance: a valid shape
# still breaks domain rules, a 400).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Per operation and role: about 2,000 requests in all, half a minute on an idle machine.
POSITIVE_EXAMPLES = 5
NEGATIVE_EXAMPLES = 3
PASSWORD = "schemathesis-pass-1234"  # noqa: S105


@dataclass
class Run:
    operations: int = 0
    requests: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def summary(self, role: str) -> str:
        return (
            f"schemathesis as {role}: {self.operations} operations, {self.requests} requests, "
            f"{len(self.failures)} failing (operation, mode); statuses {dict(sorted(self.statuses.items()))}"
        )


@contextmanager
def _connection_kept_open():
    """The WSGI handler closes the database connection after each request when it is not in
    autocommit mode, which would end the test's transaction: Django's own test client turns that
    off the same way, around each of its requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(db, province_admin, other_province_admin, central_admin):
    """The class world of the class and enrolment tests, plus what the schema defects of issue 10
    were found on: an in-person class of a training institution (seats left) beside online ones (no
    seats left: null), a session without a join link (null), a learner without e-mail or area ("")
    and a legacy province with no successor recorded (null)."""
    world = build_world(
        province_admin=province_admin,
        other_province_admin=other_province_admin,
        central_admin=central_admin,
    )
    institution = TrainingInstitutionFactory(province=world.here)
    central_class = TrainingClassFactory(
        curriculum=world.curriculum,
        province=world.there,
        mode=ClassMode.IN_PERSON,
        capacity=30,
        planned_size=None,
        institution=institution,
        trainers=[world.trainer],
    )
    ClassSessionFactory(training_class=central_class, join_url="")
    EnrollmentFactory(learner=world.joiner, training_class=central_class)
    LearnerFactory(province=world.here, position=world.position, email="", area_type="")
    Province.objects.create(
        code="98",
        name="Tỉnh chưa ghi nơi sáp nhập",
        codename="tinh_chua_ghi",
        region=world.here.region,
        valid_from=datetime.date(2008, 8, 1),
        valid_until=datetime.date(2025, 6, 30),
    )
    return world


def _id_pools(world) -> dict[str, list]:
    from courses.models import ClassSession, Programme, Topic, TrainingClass
    from enrollment.models import Attendance, Enrollment, Learner
    from reporting.models import Baseline, Target

    def ids(queryset, n=12):
        return list(queryset.order_by("pk").values_list("pk", flat=True)[:n])

    return {
        "classes": ids(TrainingClass.objects),
        "sessions": ids(ClassSession.objects),
        "enrollments": ids(Enrollment.objects),
        "learners": ids(Learner.objects),
        "attendance": ids(Attendance.objects),
        "positions": ids(Position.objects),
        "provinces": ids(Province.objects.filter(code__in=["01", "19", "06"])),
        "communes": ids(Commune.objects.filter(province__code="19")),
        "curricula": ids(Curriculum.objects),
        "topics": ids(Topic.objects),
        "programmes": ids(Programme.objects),
        "targets": ids(Target.objects),
        "allocations": ids(Target.objects.filter(curriculum=None, position=None)),
        "baselines": ids(Baseline.objects),
        "institutions": ids(TrainingInstitution.objects),
    }


def _collection(path: str) -> str | None:
    """The collection whose id a path names: /api/v1/reports/provinces/{id} -> provinces."""
    parts = path.strip("/").split("/")
    if "{id}" not in parts:
        return None
    return parts[parts.index("{id}") - 1]


def _run(schema, token: str, pools: dict[str, list]) -> Run:
    run = Run()
    for result in schema.get_all_operations():
        operation = result.ok()
        run.operations += 1
        pool = pools.get(_collection(operation.path) or "", [])
        for mode, examples in (
            (schemathesis.GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
            (schemathesis.GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES),
        ):
            _run_operation(run, operation, mode, examples, token, pool)
    return run


def _run_operation(run, operation, mode, examples, token, pool):
    @given(case=operation.as_strategy(generation_mode=mode), pick=st.integers(0, 3 * max(len(pool), 1)))
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def example(case, pick):
        if pool and "id" in (case.path_parameters or {}) and pick < 2 * len(pool):
            # Two times in three an object that exists, else what was generated (mostly a 404).
            case.path_parameters["id"] = pool[pick % len(pool)]
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        with transaction.atomic():
            response = case.call()
            transaction.set_rollback(True)
        run.requests += 1
        run.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as failures:
            key = f"{operation.label} [{mode.value}]"
            run.failures.setdefault(key, str(failures)[:3000])

    try:
        example()
    except Unsatisfiable:
        # Nothing to make invalid (an operation without parameters or body): negative mode only.
        assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label


def _token(user) -> str:
    """An access token from the sign-in endpoint, as a client gets one: a token the API did not
    accept would leave every operation at 401, which the schema documents, and prove nothing."""
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    client = Client()
    response = client.post(
        "/api/v1/auth/token",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    token = response.json()["access"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    return token


@pytest.mark.parametrize("role", ["central_admin", "learner"])
def test_no_server_error_and_every_answer_as_the_schema_says(api_world, role):
    user = api_world.users["central_admin"] if role == "central_admin" else api_world.learner.user
    token = _token(user)
    with _connection_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
        run = _run(schema, token, _id_pools(api_world))
    print(run.summary(role))
    for key, message in run.failures.items():
        print(f"--- {key}\n{message}\n")
    assert not run.failures, run.summary(role) + "\n" + "\n".join(run.failures)
