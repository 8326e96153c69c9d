"""The admins' dashboard at /dashboard/: a server-rendered page (no front-end build step).

National progress against the target (a provincial admin: their province's), a bar chart per
province, the trend by year, the past periods, when the figures were computed, filters by
programme, level and curriculum (a GET form; central admins also pick a province), and links to
the CSV/XLSX exports of the API. Figures come from the same selectors as the report API
(reporting.selectors.dashboard); the template writes them in the reader's language with Django's
localisation (reporting.templatetags.figures: 1.234,5 in Vietnamese, 1,234.5 in English).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.core import throttling
from courses.core.permissions import is_admin, is_central_admin
from courses.models import Curriculum, Level, Programme, Province
from reporting.models import ALL_LEVELS, Dimension
from reporting.pages.accounts import landing_url
from reporting.pages.drilldown import dashboard_links
from reporting.rules.figures import rate_percent
from reporting.selectors.dashboard import dashboard_curricula, dashboard_figures, position_names_en
from reporting.selectors.reports_rows import level_label
from reporting.selectors.reports_scope import programme_current, report_scope


class LoginView(auth_views.LoginView):
    """The dashboard's sign-in form: while the account named or the address has failed too often
    (courses.core.throttling), 429 with Retry-After and the form again, the password not checked."""

    template_name = "reporting/login.html"
    next_page = "dashboard"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Admins to the dashboard, learners to their portal, trainers to their sessions
        (enrollment.pages), without a `next`. An account whose password someone else set is then
        sent on to change it (courses.core.middleware), the page asked for kept."""
        return landing_url(self.request.user)

    def post(self, request, *args, **kwargs):
        wait = throttling.wait(request, throttling.username_of(request.POST))
        if wait is None:
            return super().post(request, *args, **kwargs)
        refused = throttling.refused(wait)
        context = self.get_context_data(
            form=self.form_class(request, initial={"username": request.POST.get("username", "")}),
            refused=refused.detail,
        )
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(refused.wait)
        return response


# --- filters -------------------------------------------------------------------------------------


class PeriodChoiceField(forms.ModelChoiceField):
    """A programme with its period, and whether the ministry has closed it (its final report)."""

    def label_from_instance(self, obj):
        # hasattr: a programme never closed has no close (the reverse one-to-one raises).
        close = obj.close if hasattr(obj, "close") else None
        if close is None:
            return str(obj)
        return _("%(programme)s, đã khóa sổ %(date)s") % {
            "programme": obj,
            "date": f"{close.closed_on:%d/%m/%Y}",
        }


class DashboardFilterForm(forms.Form):
    programme = PeriodChoiceField(
        queryset=Programme.objects.select_related("close").order_by("-period_start", "code"),
        required=False,
        label=gettext_lazy("Chương trình"),
        empty_label=gettext_lazy("Chương trình hiện hành"),
    )
    level = forms.ChoiceField(
        choices=[("", gettext_lazy("Tất cả các cấp")), *Level.choices],
        required=False,
        label=gettext_lazy("Cấp thực hiện"),
    )
    curriculum = forms.ModelChoiceField(
        queryset=Curriculum.objects.none(),
        required=False,
        label=gettext_lazy("Bộ chương trình"),
        empty_label=gettext_lazy("Tất cả bộ chương trình"),
    )
    province = forms.ModelChoiceField(
        queryset=Province.objects.current().order_by("code"),
        required=False,
        label=gettext_lazy("Tỉnh, thành phố"),
        empty_label=gettext_lazy("Toàn quốc"),
    )

    def __init__(self, *args, central: bool, curricula, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["curriculum"].queryset = curricula
        if not central:
            del self.fields["province"]

    @classmethod
    def programme_and_province(cls, data, *, central: bool) -> tuple[Programme | None, Province | None]:
        """The programme and province asked for, read first: the curriculum choices depend on them.
        One not valid is the current programme, the whole scope."""
        fields = cls(data or None, central=central, curricula=Curriculum.objects.none()).fields
        try:
            programme = fields["programme"].clean(data.get("programme")) or programme_current()
        except forms.ValidationError:
            programme = programme_current()
        province = None
        if "province" in fields:
            try:
                province = fields["province"].clean(data.get("province"))
            except forms.ValidationError:
                province = None
        return programme, province

    def level_and_curriculum(self) -> tuple[str, Curriculum | None]:
        if not self.is_bound:
            return ALL_LEVELS, None
        self.is_valid()  # a filter in error is shown and left out; the others still apply
        return self.cleaned_data.get("level") or ALL_LEVELS, self.cleaned_data.get("curriculum")


# --- charts --------------------------------------------------------------------------------------


def province_bars(rows: list[dict]) -> list[dict]:
    """One bar per province: achieved against the largest figure shown, and the target's mark."""
    scale = max([1] + [r["achieved_luot"] or 0 for r in rows] + [r["target_luot"] or 0 for r in rows])
    bars = []
    for row in rows:
        achieved, target = row["achieved_luot"] or 0, row["target_luot"]
        bars.append(
            {
                "code": row["code"],
                "label": row["label"],
                "achieved": achieved,
                "target": target,
                "rate": row["rate_percent"],
                "width": f"{achieved * 100 / scale:.2f}",
                "target_left": f"{target * 100 / scale:.2f}" if target else None,
                "in_progress": row["in_progress"],
            }
        )
    return bars


def breakdown_tables(breakdowns: list[dict], *, english_names: dict[int, str]) -> list[dict]:
    """Each breakdown as a compact table: lượt achieved per row and its share of the total (the
    rate's rule, reporting.rules.figures: truncated, so a share is never shown above what it is),
    with the share's bar. Positions in English where the position has an English name."""
    tables = []
    for breakdown in breakdowns:
        total = breakdown["total"]["achieved_luot"] or 0
        rows = []
        for row in breakdown["rows"]:
            achieved = row["achieved_luot"] or 0
            share = rate_percent(achieved, total)
            label = row["label"]
            if breakdown["dimension"] == Dimension.POSITION and row["key_id"] in english_names:
                label = english_names[row["key_id"]]
            rows.append(
                {
                    "key": row["key"],
                    "label": label or _("Chưa xác định"),
                    "achieved": achieved,
                    "share": share,
                    "width": f"{min(share or 0, 100):.2f}",
                }
            )
        tables.append(
            {
                "dimension": breakdown["dimension"],
                "title": breakdown["dimension_label"],
                "rows": rows,
                "total": total,
            }
        )
    return tables


def year_chart(rows: list[dict]) -> dict:
    """Columns of lượt achieved per year (an SVG drawn by the template), targets as ticks."""
    width, height, top, bottom, left = 680, 240, 24, 36, 8
    plot = height - top - bottom
    scale = max([1] + [r["achieved_luot"] or 0 for r in rows] + [r["target_luot"] or 0 for r in rows])
    slot = (width - left * 2) / max(len(rows), 1)
    bar = slot * 0.56
    columns = []
    for index, row in enumerate(rows):
        achieved = row["achieved_luot"] or 0
        bar_height = achieved * plot / scale
        x = left + index * slot + (slot - bar) / 2
        target = row["target_luot"]
        columns.append(
            {
                "year": row["key"],
                "x": f"{x:.1f}",
                "y": f"{top + plot - bar_height:.1f}",
                "width": f"{bar:.1f}",
                "height": f"{bar_height:.1f}",
                "center": f"{x + bar / 2:.1f}",
                "value_y": f"{top + plot - bar_height - 6:.1f}",
                "label_y": f"{height - bottom + 18:.1f}",
                "achieved": achieved,
                "target_y": f"{top + plot - target * plot / scale:.1f}" if target else None,
                "target_x2": f"{x + bar:.1f}",
            }
        )
    return {"width": width, "height": height, "baseline": top + plot, "columns": columns}


# --- the page ------------------------------------------------------------------------------------


def _export_links(params: dict, province_id) -> list[dict]:
    api = "/api/v1/reports"

    def link(path, label, **extra):
        query = urlencode({k: v for k, v in {**params, **extra}.items() if v not in (None, "")})
        suffix = f"?{query}" if query else ""
        return {
            "label": label,
            "csv": f"{api}/{path}/export.csv{suffix}",
            "xlsx": f"{api}/{path}/export.xlsx{suffix}",
        }

    links = [
        link("summary", _("Tiến độ so với chỉ tiêu"), level=None),
        link("breakdown", _("Theo tỉnh, thành phố"), dimension=Dimension.CURRENT_PROVINCE.value),
        link("breakdown", _("Theo năm"), dimension="year"),
    ]
    if not params.get("curriculum"):
        links += [
            link("breakdown", _("Theo bộ chương trình"), dimension=Dimension.CURRICULUM.value),
            link("breakdown", _("Theo chức danh"), dimension=Dimension.POSITION.value),
            link("breakdown", _("Theo giới tính"), dimension=Dimension.GENDER.value),
            link("breakdown", _("Theo dân tộc thiểu số"), dimension=Dimension.ETHNIC_MINORITY.value),
        ]
    if province_id:
        links.append(link(f"provinces/{province_id}", _("Chi tiết tỉnh"), province=None, curriculum=None))
    links += [
        link("history", _("Các giai đoạn"), level=None, curriculum=None),
        link("gaps", _("Tỉnh chưa khai giảng, chưa báo cáo"), curriculum=None),
    ]
    return links


@login_required(login_url="login")
def dashboard(request):
    user = request.user
    if not is_admin(user):
        return render(request, "reporting/forbidden.html", status=403)
    central = is_central_admin(user)
    programme, province = DashboardFilterForm.programme_and_province(request.GET, central=central)
    scope = report_scope(user, province)
    if programme is None:
        return render(request, "reporting/dashboard.html", {"no_programme": True, "scope": scope.as_dict()})
    form = DashboardFilterForm(
        request.GET or None, central=central, curricula=dashboard_curricula(programme, scope)
    )
    level, curriculum = form.level_and_curriculum()
    figures = dashboard_figures(programme=programme, scope=scope, level=level, curriculum=curriculum)
    params = {
        "programme": programme.pk,
        "level": level,
        "curriculum": curriculum.pk if curriculum else None,
        "province": scope.province_id if central and scope.province else None,
    }
    context = _page(form, figures, level, params, scope.province_id)
    context["programme_record"], context["curriculum_record"] = programme, curriculum
    context["breakdowns"] = breakdown_tables(figures["breakdowns"], english_names=_position_names(figures))
    context["classes_href"] = dashboard_links(context["bars"], scope, programme_id=programme.pk, level=level)
    return render(request, "reporting/dashboard.html", context)


def _position_names(figures: dict) -> dict[int, str]:
    """The English names of the positions in the breakdown by position, on an English page only."""
    if translation.get_language() != "en":
        return {}
    ids = [
        row["key_id"]
        for breakdown in figures["breakdowns"]
        if breakdown["dimension"] == Dimension.POSITION
        for row in breakdown["rows"]
        if row["key_id"]
    ]
    return position_names_en(ids)


def _page(form, figures: dict, level: str, params: dict, province_id) -> dict:
    """The template's context: the figures as the selectors give them (the template formats them:
    reporting.templatetags.figures), the charts' geometry and the export links."""
    summary, headline = figures["summary"], figures["headline"]
    return {
        "form": form,
        "programme": summary["programme"],
        "scope": summary["scope"],
        "level_label": level_label(level),
        "curriculum": summary["curriculum"],
        "headline": headline,
        "rate_width": f"{min(float(headline['rate_percent'] or 0), 100):.1f}",
        "levels": [*summary["levels"], summary["total"]],
        "computed_at": summary["computed_at"],
        "bars_title": figures["by_province"]["dimension_label"],
        "bars": province_bars(figures["by_province"]["rows"]),
        "years": year_chart(figures["by_year"]["rows"]),
        "history": figures["history"]["periods"],
        "freshness": figures["freshness"],
        "gaps": figures["gaps"],
        "exports": _export_links(params, province_id),
    }
