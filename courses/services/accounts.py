"""Writes of an account's password. Who chose it decides whether its owner must change it.

A password someone else set (an admin creating the account or generating a new one, a roster
import) leaves the account `password_change_required` (courses.core.accounts.User): its owner
signs in with it once, to choose their own. A password the owner chose (the forced change, a
voluntary change, the emailed reset link) clears it. Either way the password is new, so saving it
moves the account to its next token generation: every token issued before ends.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from courses.core.accounts import User
from courses.core.errors import DomainError, ErrorItem


def _locked(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def account_password_set(*, user: User, password: str | None, change_required: bool) -> User:
    """Someone other than the owner sets the password (None: an unusable one, no sign-in until
    the next). `change_required` False only where the owner is known to have it and keep it (the
    demo's printed logins); an admin's generated password is True."""
    locked = _locked(user)
    locked.set_password(password)
    locked.password_change_required = change_required
    locked.save(update_fields=["password", "password_change_required"])
    return locked


@transaction.atomic
def account_password_change(*, user: User, new_password: str, field: str = "new_password") -> User:
    """The owner chooses their password: Django's validators (AUTH_PASSWORD_VALIDATORS, the
    account's name and username included) or a 400 naming `field`; stored hashed; the forced
    change cleared."""
    locked = _locked(user)
    try:
        validate_password(new_password, locked)
    except ValidationError as e:
        messages = [str(message) for message in e.messages]
        raise DomainError(
            message=messages[0],
            code="password_invalid",
            errors=[ErrorItem(message=message, field=field, code="password_invalid") for message in messages],
        ) from e
    locked.set_password(new_password)
    locked.password_change_required = False
    locked.save(update_fields=["password", "password_change_required"])
    return locked


def account_password_reset_email_send(*, user_id: int, language: str) -> bool:
    """Email the account a link to choose a new password (reporting.pages.accounts asks for it,
    through the task courses.password_reset_email_send, so that the answer takes as long whether an
    account was found or not). The link is on PUBLIC_BASE_URL and holds Django's reset token: it
    expires after PASSWORD_RESET_TIMEOUT and works once (the token is made from the password, which
    the reset changes). In `language`, the one of the page the request came from. False when the
    account has no email or is inactive by now: nothing sent. Sent again if the task is: a second
    link as good as the first, which ends with it."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return False
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "reset_url": f"{settings.PUBLIC_BASE_URL}{path}",
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        # The account named without its whole identification number (personal data, in an email).
        "username_end": user.username[-4:],
    }
    with translation.override(language):
        subject = "".join(render_to_string("courses/password_reset_subject.txt", context).splitlines())
        body = render_to_string("courses/password_reset_email.txt", context)
    send_mail(subject, body, None, [user.email])
    return True
