"""Whom a password reset request names (courses/selectors/accounts.py)."""

from courses.selectors.accounts import accounts_for_password_reset
from tests.factories import UserFactory


def test_by_username_or_email_active_accounts_with_an_email_only(db):
    learner = UserFactory(username="019185004321", email="son@example.vn")
    admin = UserFactory(username="sonoivu-hanoi", email="SoNoiVu@example.vn")
    UserFactory(username="019185009999", email="")  # nowhere to send a link
    UserFactory(username="019185008888", email="gone@example.vn", is_active=False)
    shared = UserFactory(username="019185007777", email="son@example.vn")

    def named(identifier):
        return set(accounts_for_password_reset(identifier))

    assert named("019185004321") == {learner}
    assert named(" 019 185.004-321 ") == {learner}  # digits grouped as people write them
    assert named("sonoivu-hanoi") == {admin}  # a username with dashes is read as typed
    assert named("sonoivu@example.VN") == {admin}
    assert named("son@example.vn") == {learner, shared}  # each gets its own link
    assert named("019185009999") == set()
    assert named("019185008888") == set()
    assert named("gone@example.vn") == set()
    assert named("019185000000") == set()
