"""A learner's email preferences in the portal (/portal/preferences/): session reminders off or on.

The same service as the API (PATCH /api/v1/me/preferences, enrollment.services.learners
.learner_reminders_set); learners only, as the API's learner endpoints.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from enrollment.pages.access import learner_page
from enrollment.selectors.learners import learner_of_user
from enrollment.services.learners import learner_reminders_set


class PreferencesForm(forms.Form):
    reminders_enabled = forms.BooleanField(
        label=gettext_lazy("Gửi email nhắc tôi trước mỗi buổi học"),
        help_text=gettext_lazy("Một ngày trước buổi học và ngay trước khi buổi học bắt đầu."),
        required=False,
    )


@require_http_methods(["GET", "POST"])
@learner_page
def preferences(request):
    learner = learner_of_user(request.user)
    if learner is not None and request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            enabled = form.cleaned_data["reminders_enabled"]
            learner_reminders_set(learner=learner, enabled=enabled)
            messages.success(
                request,
                _("Đã bật email nhắc lịch học.") if enabled else _("Đã tắt email nhắc lịch học."),
            )
            return redirect("portal:preferences")
    else:
        form = PreferencesForm(initial={"reminders_enabled": learner.reminders_enabled if learner else True})
    return render(request, "portal/preferences.html", {"learner": learner, "form": form})
