"""Shared fixtures: reference data loaded once per test database, a user and an API client per role.

Under CI (CI=true) the suite runs against PostgreSQL and Redis and fails, never skips, when either
cannot be reached.
"""

import os

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from courses.models import Province, Role
from tests.factories import UserFactory

UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_sessionstart(session):
    if not UNDER_CI:
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        pytest.exit(f"CI must run against PostgreSQL (DATABASE_URL), got {engine}", returncode=3)
    if not settings.REDIS_URL:
        pytest.exit("CI must run with REDIS_URL set to a real Redis broker", returncode=3)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data (provinces, communes, positions, starter catalogue, programmes) once per run."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def province(db):
    return Province.objects.current().get(code="19")  # Thái Nguyên


@pytest.fixture
def other_province(db):
    return Province.objects.current().get(code="01")  # Hà Nội


@pytest.fixture
def learner(db):
    return UserFactory(role=Role.LEARNER)


@pytest.fixture
def trainer(db):
    return UserFactory(role=Role.TRAINER)


@pytest.fixture
def province_admin(province):
    return UserFactory(role=Role.PROVINCE_ADMIN, province=province)


@pytest.fixture
def other_province_admin(other_province):
    return UserFactory(role=Role.PROVINCE_ADMIN, province=other_province)


@pytest.fixture
def central_admin(db):
    return UserFactory(role=Role.CENTRAL_ADMIN)


def _client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def api_client():
    """Anonymous client."""
    return APIClient()


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture(params=["anonymous", "learner", "trainer", "province_admin", "central_admin"])
def any_role(request):
    """(role name, authenticated client) for each role in turn."""
    name = request.param
    user = None if name == "anonymous" else request.getfixturevalue(name)
    return name, _client_for(user)
