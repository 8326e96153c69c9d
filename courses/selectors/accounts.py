"""Reads of accounts."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from courses.core.accounts import User

# An identification number typed with its digits grouped ("019 085 001 234", "019.085.001.234").
_GROUPED_DIGITS = re.compile(r"^[\d .\-]+$")


def accounts_for_password_reset(identifier: str) -> QuerySet[User]:
    """The accounts a password reset request names: by username (a learner's is their
    identification number, typed with or without spaces, dots or dashes between the digits) or by
    email, the account's (User.email: for a learner, the enrollment services keep it equal to the
    email of their learner record). Only active accounts with an email, the one the link is sent to.
    An email may name several accounts: each gets its own link."""
    identifier = identifier.strip()
    accounts = User.objects.filter(is_active=True).exclude(email="")
    if "@" in identifier:
        return accounts.filter(email__iexact=identifier)
    if _GROUPED_DIGITS.match(identifier):
        identifier = re.sub(r"[ .\-]", "", identifier)
    return accounts.filter(username=identifier)
