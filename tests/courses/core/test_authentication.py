"""The account authentication reads on every request: the whole row, as the ORM reads it."""

import pytest
from django.contrib.auth.models import update_last_login

from courses.core.authentication import account_read
from courses.models import Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_account_read_is_the_account_the_orm_reads(province):
    user = UserFactory(role=Role.PROVINCE_ADMIN, province=province, email="a@example.vn")
    update_last_login(None, user)
    read, stored = account_read(str(user.pk)), User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(stored, field.attname), field.name
    assert read.get_deferred_fields() == set()
    assert read.province == province


@pytest.mark.parametrize("user_id", ["999999999", "not-a-number", None])
def test_no_account_for_an_unknown_or_malformed_id(user_id):
    assert account_read(user_id) is None
