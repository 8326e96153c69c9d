"""The writes of an account's password (courses/services/accounts.py): whoever sets it decides
whether its owner must change it; the owner's choice passes Django's rules, clears the mark and,
being a new password, moves the account to its next token generation."""

import pytest

from courses.core.errors import DomainError
from courses.services.accounts import account_password_change, account_password_set
from tests.factories import UserFactory


def test_accounts_start_with_no_change_required(db):
    # The model's default, and the factories': accounts whose owner chose the password.
    assert UserFactory().password_change_required is False


def test_a_password_set_by_someone_else_is_to_be_changed(learner):
    generation = learner.token_generation
    user = account_password_set(user=learner, password="cap-boi-admin-7391", change_required=True)
    assert user.password_change_required and user.check_password("cap-boi-admin-7391")
    assert user.token_generation == generation + 1
    unusable = account_password_set(user=user, password=None, change_required=True)
    assert not unusable.has_usable_password()


def test_the_owners_choice_clears_the_mark_and_ends_the_tokens(learner):
    given = account_password_set(user=learner, password="cap-boi-admin-7391", change_required=True)
    chosen = account_password_change(user=given, new_password="Hoa sen nở muộn 2026")
    assert not chosen.password_change_required
    assert chosen.check_password("Hoa sen nở muộn 2026")
    assert chosen.token_generation == given.token_generation + 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("1234567890", "This password is entirely numeric."),
        ("abc", "This password is too short. It must contain at least 8 characters."),
        ("password", "This password is too common."),
    ],
)
def test_the_owners_choice_passes_the_password_rules(learner, password, message):
    given = account_password_set(user=learner, password="cap-boi-admin-7391", change_required=True)
    with pytest.raises(DomainError) as refused:
        account_password_change(user=given, new_password=password, field="new_password1")
    assert refused.value.code == "password_invalid"
    assert message in [item.message for item in refused.value.errors]
    assert {item.field for item in refused.value.errors} == {"new_password1"}
    given.refresh_from_db()
    assert given.password_change_required and given.check_password("cap-boi-admin-7391")


def test_a_password_like_the_accounts_name_is_refused(db):
    user = UserFactory(username="nguyenvanbinh", full_name="Nguyễn Văn Bình")
    with pytest.raises(DomainError):
        account_password_change(user=user, new_password="nguyenvanbinh")
