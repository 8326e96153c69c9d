"""Who may open the portal's pages: the API's role rules, one decorator per audience.

Anonymous visitors are sent to the sign-in page; a signed-in user of another role gets a 403 page
saying who the page is for.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from courses.core.permissions import is_admin, is_learner, is_trainer


def page_for(may_use: Callable[[object], bool], who_may: str):
    def decorator(view):
        @login_required(login_url="login")
        @wraps(view)
        def page(request, *args, **kwargs):
            if not may_use(request.user):
                return render(request, "portal/forbidden.html", {"who_may": who_may}, status=403)
            return view(request, *args, **kwargs)

        return page

    return decorator


# The learner endpoints' rule (IsLearner).
learner_page = page_for(is_learner, gettext_lazy("Trang này dành cho học viên."))
# The API's IsTrainerOrAdmin.
trainer_page = page_for(
    lambda user: is_trainer(user) or is_admin(user),
    gettext_lazy("Trang này dành cho giảng viên và quản trị viên."),
)
