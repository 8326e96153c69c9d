"""Users per role, API clients signed in as them, and the tables of what each role is answered.

One definition of the users: a user of each role, with the provincial admins of Thái Nguyên (19,
`province`) and of Hà Nội (01, `other_province`). The class worlds (tests.class_world, the enrollment
attendance_world) add the people of their classes through `class_role_users`, under the names of
CLASS_ROLES.

One way to try a permission: `@by_role(TABLE)` parametrizes a test over the roles of TABLE with the
`expected` outcome of each (a status, or whatever the test compares), and `as_role(role)` is a client
signed in as that role (`user_of(role)` the user; None for anonymous). The test ids are the role names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pytest
from rest_framework.test import APIClient

from courses.models import Province, Role
from tests.factories import UserFactory

# --- the role names --------------------------------------------------------------------------------

# The roles, a user each (the provincial admin of Thái Nguyên; `other_province_admin` is Hà Nội's).
ROLES = ["anonymous", "learner", "trainer", "province_admin", "central_admin"]

# Roles that read the national reference data and catalogue but may not write them.
READ_ONLY_ROLES = ["learner", "trainer", "province_admin"]

# Roles as seen from a class of Thái Nguyên: its own trainer and learner, the trainer and learner of
# a class of Hà Nội, the admins of both provinces, the central admin, and anonymous.
CLASS_ROLES = [
    "anonymous",
    "own_learner",
    "other_learner",
    "own_trainer",
    "other_trainer",
    "province_admin",
    "other_province_admin",
    "central_admin",
]

# The roles a class world adds: the people of its two classes.
PEOPLE_OF_THE_CLASSES = {"own_learner", "other_learner", "own_trainer", "other_trainer"}

# --- what each role is answered ----------------------------------------------------------------------

# Anyone signed in.
SIGNED_IN = {role: 401 if role == "anonymous" else 200 for role in ROLES}
# Central admins only.
CENTRAL_ADMINS = {**dict.fromkeys(ROLES, 403), "anonymous": 401, "central_admin": 200}

# Seen from the Thái Nguyên class. Its trainer and the admins of its scope manage it; its learner
# reads it; the other class's trainer and learner and the other province's admin don't see it (404).
READS_THE_CLASS = {
    "anonymous": 401,
    "own_learner": 200,
    "other_learner": 404,
    "own_trainer": 200,
    "other_trainer": 404,
    "province_admin": 200,
    "other_province_admin": 404,
    "central_admin": 200,
}
MANAGES_THE_CLASS = {**READS_THE_CLASS, "own_learner": 403}
ADMINISTERS_THE_CLASS = {**MANAGES_THE_CLASS, "own_trainer": 403}
# The class's staff, where a learner is refused by their role before any class is looked up.
STAFF_OF_THE_CLASS = {**MANAGES_THE_CLASS, "other_learner": 403}
# Learners only, each of their own class.
LEARNER_OF_THE_CLASS = {
    **dict.fromkeys(CLASS_ROLES, 403),
    "anonymous": 401,
    "own_learner": 200,
    "other_learner": 404,
}
# The admins of Thái Nguyên and the central admin create in Thái Nguyên.
ADMINS_OF_THE_PROVINCE = {
    **dict.fromkeys(CLASS_ROLES, 403),
    "anonymous": 401,
    "province_admin": 200,
    "central_admin": 200,
}
# Central admins only, among CLASS_ROLES.
CENTRAL_ADMINS_AMONG_CLASS_ROLES = {**dict.fromkeys(CLASS_ROLES, 403), "anonymous": 401, "central_admin": 200}


def succeeding(table: Mapping[str, object], status: int) -> dict[str, object]:
    """The table with its successes (200) answered `status` instead (201 created, 204 deleted)."""
    return {role: status if expected == 200 else expected for role, expected in table.items()}


def by_role(table: Mapping[str, object], *, roles: Iterable[str] | None = None):
    """Parametrize a test over the roles of `table` (or the `roles` named), giving `role` and the
    `expected` outcome of each; the test ids are the role names."""
    names = list(table) if roles is None else list(roles)
    return pytest.mark.parametrize(("role", "expected"), [(name, table[name]) for name in names], ids=names)


# --- the users ---------------------------------------------------------------------------------------


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


def class_role_users(
    *,
    own_learner,
    other_learner,
    own_trainer,
    other_trainer,
    province_admin,
    other_province_admin,
    central_admin,
) -> dict:
    """The user of each of CLASS_ROLES (None for anonymous), given the people of the two classes."""
    return {
        "anonymous": None,
        "own_learner": own_learner,
        "other_learner": other_learner,
        "own_trainer": own_trainer,
        "other_trainer": other_trainer,
        "province_admin": province_admin,
        "other_province_admin": other_province_admin,
        "central_admin": central_admin,
    }


@pytest.fixture
def user_of(request):
    """The user of a role name (None for anonymous): one of ROLES, or of CLASS_ROLES seen from the
    class of tests.class_world's `world`."""

    def user(role: str):
        if role == "anonymous":
            return None
        if role in PEOPLE_OF_THE_CLASSES:
            return request.getfixturevalue("world").users[role]
        return request.getfixturevalue(role)

    return user


# --- the clients -------------------------------------------------------------------------------------


def client_as(user) -> APIClient:
    """An API client signed in as `user` (None: not signed in)."""
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
    return client_as


@pytest.fixture
def as_role(user_of):
    """An API client signed in as a role name (see user_of; anonymous: not signed in)."""

    def client(role: str) -> APIClient:
        return client_as(user_of(role))

    return client
