"""The dashboard's drill-down, read-only: the nation (or a province) → its classes → a class's roster.

* /dashboard/classes/: the classes the reader's report counts (a central admin: the nation, every
  level, central institutions' classes included; a provincial admin: their province);
* /dashboard/provinces/<code>/: one current province's classes, with its figures (the report
  API's summary for that province). A provincial admin reaches their own province only: another,
  or a legacy unit's code, is 404, as the province report of the API
  (/api/v1/reports/provinces/{id}) answers;
* /dashboard/classes/<id>/: a class's figures and its roster, as the roster API
  (/api/v1/classes/{id}/roster) gives it to the admin: a class out of their reach is 404.

Learners and trainers get the dashboard's 403 page; anonymous visitors the sign-in page. Figures
come from the report selectors (reporting.selectors.reports_progress) and the computed class
figures they sum (reporting.selectors.drilldown); the roster from the roster API's selector, the
personal data at the level the API shows it (enrollment.rules.personal_data) and every learner
shown recorded as read (enrollment.services.data_access). Lists are paged.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from types import SimpleNamespace
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from courses.core.permissions import is_admin
from courses.models import Level, Programme, Province
from courses.selectors.classes import province_in_scope
from enrollment.rules.personal_data import mask_national_id, reads_full_record
from enrollment.services.data_access import learner_data_access_record
from reporting.models import ALL_LEVELS
from reporting.rules.figures import rate_percent
from reporting.selectors.drilldown import (
    administered_class,
    class_roster,
    scope_class_list,
    scope_class_totals,
)
from reporting.selectors.reports_progress import report_summary
from reporting.selectors.reports_rows import level_label
from reporting.selectors.reports_scope import programme_current, report_scope

# A class not computed yet shows no figure ("—"), rather than zeros it may not have.
NO_FIGURES = SimpleNamespace(
    **dict.fromkeys(("completed_luot", "enrolled", "in_progress", "not_completed", "average_percent"))
)
CLASSES_PER_PAGE = 50
ROSTER_PER_PAGE = 100
SEARCH_LENGTH = 100


def admin_page(view: Callable) -> Callable:
    """The dashboard's rule (is_admin, as the report API's IsAdmin): others get its 403 page."""

    @login_required(login_url="login")
    @wraps(view)
    def page(request, *args, **kwargs):
        if not is_admin(request.user):
            return render(request, "reporting/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return page


class ClassListFilterForm(forms.Form):
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.order_by("-period_start", "code"),
        required=False,
        label=gettext_lazy("Chương trình"),
        empty_label=gettext_lazy("Chương trình hiện hành"),
    )
    level = forms.ChoiceField(
        choices=[("", gettext_lazy("Tất cả các cấp")), *Level.choices],
        required=False,
        label=gettext_lazy("Cấp thực hiện"),
    )

    def programme_and_level(self) -> tuple[Programme | None, str]:
        """A filter in error is shown and left out, as on the dashboard."""
        if not self.is_bound:
            return programme_current(), ALL_LEVELS
        self.is_valid()
        programme = self.cleaned_data.get("programme") or programme_current()
        return programme, self.cleaned_data.get("level") or ALL_LEVELS


def _page_number(request) -> str:
    return request.GET.get("page", "1")[:12]


def _query(**params) -> str:
    """The parameters that have a value as a query string ("?programme=1&level=central"), or ""."""
    kept = {name: value for name, value in params.items() if value not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


def _page_query(**params) -> str:
    """What goes before `page=` in a page link: "?programme=1&" (or "?")."""
    query = _query(**params)
    return f"{query}&" if query else "?"


def _related(instance, name: str):
    """A reverse one-to-one loaded by select_related, or None where there is no row."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def dashboard_links(bars: list[dict], scope, *, programme_id: int, level: str) -> str:
    """The dashboard's ways down: each province bar's `href` to its province's classes (a
    province's own dashboard shows the units merged into it: each leads to that province), and
    the address of the scope's class list, returned."""
    query = _query(programme=programme_id, level=level)
    for bar in bars:
        code = bar["code"] if scope.is_national else scope.province.code
        bar["href"] = f"{reverse('drilldown:province', args=[code])}{query}"
    if scope.is_national:
        return f"{reverse('drilldown:classes')}{query}"
    return f"{reverse('drilldown:province', args=[scope.province.code])}{query}"


# --- the classes of a scope ----------------------------------------------------------------------


@require_GET
@admin_page
def scope_classes(request, code: str | None = None):
    province = None
    if code is not None:
        province = Province.objects.current().filter(code=code).first()
        if province is None:
            raise Http404
    try:
        scope = report_scope(request.user, province)
    except PermissionDenied as denied:
        # As the province report of the API: another province is none of the reader's.
        raise Http404 from denied
    form = ClassListFilterForm(request.GET or None)
    programme, level = form.programme_and_level()
    context = {"form": form, "scope": scope.as_dict(), "province": scope.province}
    if programme is None:
        return render(request, "reporting/drilldown_classes.html", {**context, "no_programme": True})

    summary = report_summary(programme=programme, scope=scope)
    headline = summary["total"]
    if level:
        headline = next((row for row in summary["levels"] if row["level"] == level), headline)
    classes = scope_class_list(reader=request.user, programme=programme, scope=scope, level=level)
    page = Paginator(classes, CLASSES_PER_PAGE).get_page(_page_number(request))
    rows = []
    for training_class in page.object_list:
        progress = _related(training_class, "progress")
        rows.append(
            {
                "training_class": training_class,
                "progress": progress or NO_FIGURES,
                "completion_percent": rate_percent(progress.completed_luot, progress.enrolled)
                if progress
                else None,
                "trainers": ", ".join(str(t.full_name or t.username) for t in training_class.trainers.all()),
            }
        )
    filters = {"programme": programme.pk, "level": level}
    return render(
        request,
        "reporting/drilldown_classes.html",
        {
            **context,
            "programme": summary["programme"],
            "level_label": level_label(level),
            "headline": headline,
            "computed_at": summary["computed_at"],
            "rows": rows,
            "page": page,
            "totals": scope_class_totals(classes) if page.paginator.num_pages > 1 else None,
            "filters": _query(**filters),
            "page_query": _page_query(**filters),
            "dashboard_query": _query(**filters, province=scope.province_id),
        },
    )


# --- a class and its roster ----------------------------------------------------------------------


@require_GET
@admin_page
def class_page(request, pk: int):
    training_class = administered_class(request.user, pk)
    if training_class is None:
        raise Http404
    search = request.GET.get("q", "")[:SEARCH_LENGTH]
    roster = class_roster(training_class, request.user, search=search)
    page = Paginator(roster, ROSTER_PER_PAGE).get_page(_page_number(request))
    enrollments = list(page.object_list)
    learner_data_access_record(
        request=request,
        learners=[enrollment.learner for enrollment in enrollments],
        training_class_id=training_class.pk,
    )
    rows = []
    for enrollment in enrollments:
        learner = enrollment.learner
        progress = _related(enrollment, "progress")
        rate = enrollment.attendance_rate
        rows.append(
            {
                "enrollment": enrollment,
                "learner": learner,
                "national_id": learner.national_id
                if reads_full_record(request.user, learner)
                else mask_national_id(learner.national_id),
                "attendance_percent": None if rate is None else rate * 100,
                "outcome": progress.get_outcome_display() if progress else None,
                "certificate": _related(enrollment, "certificate"),
            }
        )
    # The class counts in the figures of the current province it was held in (a legacy unit's
    # successor); its page is linked where the reader may open it.
    unit = training_class.province.current_unit
    return render(
        request,
        "reporting/drilldown_class.html",
        {
            "training_class": training_class,
            "unit": unit if province_in_scope(request.user, unit) else None,
            "progress": _related(training_class, "progress"),
            "trainers": ", ".join(str(t.full_name or t.username) for t in training_class.trainers.all()),
            "rows": rows,
            "page": page,
            "search": search,
            "page_query": _page_query(q=search),
            "back_query": _query(programme=training_class.programme_id),
        },
    )
