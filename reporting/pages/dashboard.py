"""The admins' dashboard at /dashboard/: a server-rendered page (no front-end build step).

National progress against the target (a provincial admin: their province's), a bar chart per
province, the trend by year, the past periods, when the figures were computed, filters by
programme, level and curriculum (a GET form; central admins also pick a province), and links to
the CSV/XLSX exports of the API. Figures come from the same selectors as the report API.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Subquery
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.core import throttling
from courses.core.permissions import is_admin, is_central_admin
from courses.models import Curriculum, Level, Programme, Province
from enrollment.rules.completion import percent_truncated
from reporting.models import ALL_LEVELS, Dimension
from reporting.selectors.reports_gaps import report_freshness, report_gaps
from reporting.selectors.reports_history import report_history
from reporting.selectors.reports_progress import report_breakdown, report_summary
from reporting.selectors.reports_rows import BY_YEAR, level_label
from reporting.selectors.reports_scope import curricula_reported, programme_current, report_scope


class LoginView(auth_views.LoginView):
    """The dashboard's sign-in form: while the account named or the address has failed too often
    (courses.core.throttling), 429 with Retry-After and the form again, the password not checked."""

    template_name = "reporting/login.html"
    next_page = "dashboard"
    redirect_authenticated_user = True

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


# --- number formatting in the active language (vi: 1.234,5; en: 1,234.5) -----------------------


def fmt_number(value, places: int = 0) -> str:
    if value is None:
        return "—"
    thousands = get_format("THOUSAND_SEPARATOR") or ","
    decimal_mark = get_format("DECIMAL_SEPARATOR") or "."
    text = f"{Decimal(value):,.{places}f}"
    return text.replace(",", "\x00").replace(".", decimal_mark).replace("\x00", thousands)


def fmt_percent(value) -> str:
    """One decimal, truncated (enrollment.rules.completion.percent_truncated): 79.99 shows "79,9 %",
    never the "80,0 %" of a threshold it has not reached."""
    return "—" if value is None else f"{fmt_number(percent_truncated(value), 1)} %"


def fmt_moment(value) -> str:
    if value is None:
        return _("chưa có")
    local = timezone.localtime(value)
    return f"{local:%H:%M} {local:%d/%m/%Y}"


# --- filters -------------------------------------------------------------------------------------


class DashboardFilterForm(forms.Form):
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


def _curricula_choices(programme, scope):
    ids = curricula_reported(programme, scope).values("key_id")
    return Curriculum.objects.filter(pk__in=Subquery(ids)).order_by("code", "version")


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
                "achieved_text": fmt_number(achieved),
                "target_text": fmt_number(target),
                "rate_text": fmt_percent(row["rate_percent"]),
                "width": f"{achieved * 100 / scale:.2f}",
                "target_left": f"{target * 100 / scale:.2f}" if target else None,
                "in_progress": row["in_progress"],
            }
        )
    return bars


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
                "value": fmt_number(achieved),
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

    # The programme and scope first (the curriculum choices depend on them), then the whole form.
    raw = DashboardFilterForm(request.GET or None, central=central, curricula=Curriculum.objects.none())
    programme_field, province_field = raw.fields["programme"], raw.fields.get("province")
    try:
        programme = programme_field.clean(request.GET.get("programme")) or programme_current()
    except forms.ValidationError:
        programme = programme_current()
    province = None
    if province_field is not None:
        try:
            province = province_field.clean(request.GET.get("province"))
        except forms.ValidationError:
            province = None
    scope = report_scope(user, province)
    if programme is None:
        return render(request, "reporting/dashboard.html", {"no_programme": True, "scope": scope.as_dict()})

    form = DashboardFilterForm(
        request.GET or None, central=central, curricula=_curricula_choices(programme, scope)
    )
    level, curriculum = ALL_LEVELS, None
    if form.is_bound:
        form.is_valid()  # a filter in error is shown and left out; the others still apply
        level = form.cleaned_data.get("level") or ALL_LEVELS
        curriculum = form.cleaned_data.get("curriculum")

    summary = report_summary(programme=programme, scope=scope, curriculum=curriculum)
    headline = summary["total"]
    if level:
        headline = next((row for row in summary["levels"] if row["level"] == level), headline)
    if scope.is_national or curriculum is not None:
        by_province = report_breakdown(
            programme=programme,
            scope=scope,
            dimension=Dimension.CURRENT_PROVINCE,
            level=level,
            curriculum=curriculum,
        )
    else:
        # A province: its bars are the units it is made of (legacy provinces merged into it).
        by_province = report_breakdown(
            programme=programme, scope=scope, dimension=Dimension.PROVINCE, level=level
        )
    by_year = report_breakdown(
        programme=programme, scope=scope, dimension=BY_YEAR, level=level, curriculum=curriculum
    )
    history = report_history(programme=programme, scope=scope)
    freshness = report_freshness(scope=scope)
    gaps = report_gaps(programme=programme, scope=scope, level=level)

    params = {
        "programme": programme.pk,
        "level": level,
        "curriculum": curriculum.pk if curriculum else None,
        "province": scope.province_id if central and scope.province else None,
    }
    context = {
        "form": form,
        "programme": summary["programme"],
        "scope": summary["scope"],
        "level_label": level_label(level),
        "curriculum": summary["curriculum"],
        "headline": {
            "achieved": headline["achieved_luot"],
            "achieved_text": fmt_number(headline["achieved_luot"]),
            "target_text": fmt_number(headline["target_luot"]),
            "rate_text": fmt_percent(headline["rate_percent"]),
            "rate_width": f"{min(float(headline['rate_percent'] or 0), 100):.1f}",
            "projected_text": fmt_number(headline["projected_luot"]),
            "projected_rate_text": fmt_percent(headline["projected_rate_percent"]),
            "in_progress_text": fmt_number(headline["in_progress"]),
            "elapsed_text": fmt_percent(headline["elapsed_percent"]),
            "spending_text": fmt_number(headline["spending_million_vnd"], 1),
            "cost_text": fmt_number(headline["cost_per_luot_million_vnd"], 3),
        },
        "levels": [_level_display(row) for row in [*summary["levels"], summary["total"]]],
        "bars_title": by_province["dimension_label"],
        "bars": province_bars(by_province["rows"]),
        "years": year_chart(by_year["rows"]),
        "history": [_history_display(period) for period in history["periods"]],
        "freshness": {
            "published_at": fmt_moment(freshness["published_at"]),
            "computed_at": fmt_moment(summary["computed_at"]),
            "classes_waiting": freshness["classes_waiting"],
            "rollups_waiting": freshness["rollups_waiting"],
            "rebuilding": freshness["rebuilding"],
        },
        "gaps": {"count": gaps["provinces_with_gaps"], "of": gaps["provinces_in_scope"]},
        "exports": _export_links(params, scope.province_id),
    }
    return render(request, "reporting/dashboard.html", context)


def _level_display(row: dict) -> dict:
    return {
        "level": row["level"],
        "label": row["label"],
        "target": fmt_number(row["target_luot"]),
        "achieved": fmt_number(row["achieved_luot"]),
        "rate": fmt_percent(row["rate_percent"]),
        "classes": f"{fmt_number(row['classes_held'])} / {fmt_number(row['classes_planned'])}",
        "in_progress": fmt_number(row["in_progress"]),
        "spending": fmt_number(row["spending_million_vnd"], 1),
        "cost": fmt_number(row["cost_per_luot_million_vnd"], 3),
        "projected": fmt_number(row["projected_luot"]),
        "projected_rate": fmt_percent(row["projected_rate_percent"]),
        "is_total": row["level"] == ALL_LEVELS,
    }


def _history_display(period: dict) -> dict:
    programme = period["programme"]
    return {
        "title": programme["decision_number"],
        "period": f"{programme['period_start'].year}-{programme['period_end'].year}",
        "live": period["source"] == "live",
        "target": fmt_number(period["target_luot"]),
        "achieved": fmt_number(period["achieved_luot"]),
        "rate": fmt_percent(period["rate_percent"]),
        "spending": fmt_number(period["spending_million_vnd"], 0),
        "cost": fmt_number(period["cost_per_luot_million_vnd"], 3),
    }
