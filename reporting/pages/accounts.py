"""Signing in's companions, for every account that signs in at /login/ (learners mostly):

- the password change, forced after signing in with a password someone else set
  (User.password_change_required: every page leads here until it is done,
  courses.core.middleware.PasswordChangeRequiredMiddleware), and open to anyone signed in;
- the password reset by email: "Forgot password?" on /login/ asks for the identification number
  (the username) or the email (courses.selectors.accounts says which accounts either names); the
  answer is the same whether an account was found or not, and the email is sent by a task
  (courses.password_reset_email_send) so that it takes as long either way. Requests are limited
  per identifier typed and per address (courses.core.throttling). The emailed link works once and
  for PASSWORD_RESET_TIMEOUT; the password chosen through it clears the forced change.

Every password chosen here goes through courses.services.accounts (Django's validators; a new
password moves the account to its next token generation, ending its API tokens and other sessions).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate, update_session_auth_hash
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.shortcuts import redirect, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from courses.core import throttling
from courses.core.permissions import is_learner, is_trainer
from courses.core.queue import enqueue_committed
from courses.core.text import has_control_characters
from courses.selectors.accounts import accounts_for_password_reset
from courses.services.accounts import account_password_change
from courses.tasks import PASSWORD_RESET_EMAIL_TASK


def landing_url(user) -> str:
    """Where an account lands once signed in: learners on their portal, trainers on their
    sessions (enrollment.pages), admins on the dashboard."""
    if is_learner(user):
        return resolve_url("portal:my_classes")
    if is_trainer(user):
        return resolve_url("portal:trainer_sessions")
    return resolve_url("dashboard")


# --- the password change -----------------------------------------------------------------------------

# The longest password taken, as the API takes (courses.api.serializers_catalogue): room for any
# passphrase, a bound on what is hashed.
PASSWORD_MAX_LENGTH = 128


def _bounded(form) -> None:
    for name in ("new_password1", "new_password2"):
        field = form.fields[name]
        field.max_length = PASSWORD_MAX_LENGTH
        field.validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))
        field.widget.attrs["maxlength"] = str(PASSWORD_MAX_LENGTH)


class OwnPasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (current password, the new one twice, the validators' rules shown), with the
    current password checked the way a sign-in checks it: a wrong one is a failed sign-in, counted,
    and refused unchecked past the limit (courses.core.throttling)."""

    def __init__(self, user, *args, request, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)
        _bounded(self)
        if user.password_change_required:
            self.fields["old_password"].label = gettext_lazy("Mật khẩu được cấp (mật khẩu vừa đăng nhập)")

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        wait = throttling.wait(self.request, self.user.username)
        if wait is not None:
            raise ValidationError(throttling.refused(wait).detail, code="throttled")
        if authenticate(self.request, username=self.user.username, password=old_password) is None:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password

    def save(self, commit=True):
        self.user = account_password_change(
            user=self.user, new_password=self.cleaned_data["new_password1"], field="new_password1"
        )
        return self.user


@method_decorator(login_required(login_url="login"), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "reporting/password_change.html"
    form_class = OwnPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "forced": self.request.user.password_change_required,
            "next": self._next(),
        }

    def _next(self) -> str:
        """The page asked for before the change (the middleware's `next`), if it is one of ours."""
        target = self.request.POST.get(REDIRECT_FIELD_NAME) or self.request.GET.get(REDIRECT_FIELD_NAME, "")
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return target if safe else ""

    def form_valid(self, form):
        user = form.save()
        update_session_auth_hash(self.request, user)  # this browser stays signed in; others end
        messages.success(self.request, _("Đã đổi mật khẩu."))
        return redirect(self._next() or landing_url(user))


# --- the password reset by email ------------------------------------------------------------------------


class PasswordResetRequestForm(forms.Form):
    identifier = forms.CharField(
        label=gettext_lazy("Số định danh cá nhân (tên đăng nhập) hoặc email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def clean_identifier(self):
        identifier = self.cleaned_data["identifier"].strip()
        if has_control_characters(identifier):
            raise ValidationError(_("Có ký tự không hợp lệ."), code="control_characters")
        return identifier


class PasswordResetRequestView(FormView):
    """The same answer whether an account was found or not: the "sent" page."""

    template_name = "reporting/password_reset_form.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        identifier = form.cleaned_data["identifier"]
        wait = throttling.reset_wait(self.request, identifier)
        if wait is not None:
            refused = throttling.refused(wait)
            message = _("Đã có quá nhiều yêu cầu: hãy thử lại sau %(minutes)d phút.") % {
                "minutes": max(1, -(-refused.wait // 60))
            }
            response = self.render_to_response(self.get_context_data(form=form, refused=message), status=429)
            response["Retry-After"] = str(refused.wait)
            return response
        throttling.reset_asked(self.request, identifier)
        language = translation.get_language()
        for user_id in accounts_for_password_reset(identifier).values_list("pk", flat=True):
            enqueue_committed(PASSWORD_RESET_EMAIL_TASK, user_id, language)
        return super().form_valid(form)


class PasswordResetDoneView(TemplateView):
    template_name = "reporting/password_reset_done.html"


class OwnSetPasswordForm(auth_forms.SetPasswordForm):
    """Django's form (the new password twice, the validators' rules shown), saved by the service."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bounded(self)

    def save(self, commit=True):
        self.user = account_password_change(
            user=self.user, new_password=self.cleaned_data["new_password1"], field="new_password1"
        )
        return self.user


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's: the link checked (a used or expired one is a page saying so, with a way to ask
    for another), then the new password; no sign-in on the way (the owner signs in with it)."""

    template_name = "reporting/password_reset_confirm.html"
    form_class = OwnSetPasswordForm
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False


class PasswordResetCompleteView(TemplateView):
    template_name = "reporting/password_reset_complete.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "login_url": reverse("login")}
