"""The admins' progress reports under /api/v1/reports/ (their CSV and XLSX exports: views_exports).

Central admins read the nation or any current province; a provincial admin reads their own
province only (its slice is their "national" summary; another province is 403, or 404 by path).
Learners and trainers get 403, anonymous callers 401. Figures come from the live rollup
generation only (selectors_reports), in a few indexed queries per request.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.core.openapi import error_responses
from courses.core.permissions import IsAdmin
from courses.models import Level, Province
from reporting.api import serializers_reports as s
from reporting.files import exports
from reporting.models import PeriodClose
from reporting.selectors import report_cache
from reporting.selectors.reports_final import programme_closed_latest, report_final
from reporting.selectors.reports_gaps import report_freshness, report_gaps
from reporting.selectors.reports_history import report_history
from reporting.selectors.reports_progress import report_breakdown, report_province, report_summary
from reporting.selectors.reports_rows import BREAKDOWN_DIMENSIONS
from reporting.selectors.reports_scope import Scope, programme_current, report_scope, report_scope_key

TAG = "reports"
WHO = (
    "Central admins: the nation, or one current province with `province`. A provincial admin: "
    "their own province only (another province gives 403). Learners and trainers: 403."
)

PROGRAMME = OpenApiParameter(
    "programme",
    int,
    description="Programme id. Default: the current programme (the one whose period contains today, "
    "else the latest to have started).",
)
PROVINCE = OpenApiParameter(
    "province",
    int,
    description="Id of a current province (one of the 34): that province's figures, legacy units "
    "merged into it included. Omitted: the nation for a central admin, their own province for a "
    "provincial admin.",
)
LEVEL = OpenApiParameter(
    "level",
    str,
    enum=[""] + list(Level.values),
    description="central (central institutions), provincial (provinces), elearning; omitted or "
    "empty for all levels.",
)
YEAR = OpenApiParameter(
    "year", int, description="One year (a class counts in the year it ends). Omitted: the whole period."
)
CURRICULUM = OpenApiParameter(
    "curriculum",
    int,
    description="Id of a curriculum: only its classes' figures. For the breakdown, only with "
    "dimension current_province or year.",
)
DIMENSION = OpenApiParameter(
    "dimension",
    str,
    required=True,
    enum=BREAKDOWN_DIMENSIONS,
    description="province (the unit at the time, legacy ones included), current_province (the 34 "
    "current provinces, old ones rolled up), region, curriculum, position, mode, gender, "
    "ethnic_minority, or year.",
)
PROVINCE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Id of a current province.")

READ_ERRORS = error_responses(400, 401, 403, 404)


# --- the JSON reports ----------------------------------------------------------------------------


class RenderedJSON(bytes):
    """An answer already rendered to JSON (from the report cache)."""


class ReportJSONRenderer(JSONRenderer):
    """JSON, passing an answer already rendered through as it is."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, RenderedJSON):
            return bytes(data)
        return super().render(data, accepted_media_type, renderer_context)


class ReportView(APIView):
    """A report: validate the query, resolve programme and scope, build the figures.

    With `cached`, a JSON answer is kept in the report cache (report_cache), keyed by all it
    depends on: the report and its path, its query parameters, what the user may read (the
    nation, or their province), the language, the media type and the day (the pace, the default
    programme). It is looked up in get, so after DRF has authenticated the request against the
    account as it is now and checked its role, as for any other request; the parameter and scope
    checks ran when the answer was computed for that same key, and only answers that passed them
    (200) are kept.
    """

    permission_classes = [IsAdmin]
    renderer_classes = [ReportJSONRenderer, BrowsableAPIRenderer]
    query_serializer_class = s.ReportQuerySerializer
    cached = True

    def query(self, request) -> dict:
        serializer = self.query_serializer_class(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def programme(self, params: dict):
        programme = params.get("programme") or programme_current()
        if programme is None:
            raise NotFound(_("Chưa có chương trình nào."))
        return programme

    def scope(self, request, params: dict) -> Scope:
        try:
            return report_scope(request.user, params.get("province"))
        except DjangoPermissionDenied as denied:
            raise PermissionDenied(str(denied) or None) from denied

    def build(self, request, params: dict, **kwargs) -> dict:
        raise NotImplementedError

    def figures(self, request, **kwargs) -> dict:
        return self.build(request, self.query(request), **kwargs)

    def get(self, request, *args, **kwargs):
        key = None
        if self.cached and isinstance(request.accepted_renderer, ReportJSONRenderer):
            key = self.answer_key(request.user, kwargs, request.query_params, request.accepted_media_type)
        if key is None:
            return Response(self.figures(request, **kwargs))
        version, body = report_cache.answers.lookup(key)
        if body is None:
            body = request.accepted_renderer.render(
                self.figures(request, **kwargs), request.accepted_media_type, self.get_renderer_context()
            )
            report_cache.answers.store(key, version, body)
        return Response(RenderedJSON(body))

    def answer_key(self, user, kwargs, params, media_type: str) -> str | None:
        scope = report_scope_key(user)
        if scope is None:
            return None
        return report_cache.answers.key(
            type(self).__name__,
            sorted(kwargs.items()),
            [(name, params.getlist(name)) for name in s.query_parameter_names(self.query_serializer_class)],
            scope,
            translation.get_language(),
            media_type,
            timezone.localdate().isoformat(),
        )


def report_schema(*, operation_id: str, description: str, response, errors=READ_ERRORS):
    """The schema of a report view's GET, from what the class declares (summary, parameters)."""

    def decorate(view):
        return extend_schema_view(
            get=extend_schema(
                operation_id=operation_id,
                summary=view.summary,
                description=description,
                parameters=view.parameters,
                responses={200: response, **errors},
                tags=[TAG],
            )
        )(view)

    return decorate


@report_schema(
    operation_id="reports_summary",
    description="For a programme: per level (central institutions, provinces, e-learning) and in "
    "total, the target (lượt), lượt achieved, rate, classes planned/started/held, learners in "
    "progress, spending, cost per lượt, the pace projected to the period's end and when the "
    f"figures were computed. {WHO}",
    response=s.ReportSummarySerializer,
)
class SummaryView(ReportView):
    report_path = "summary"
    summary = "National progress against the targets"
    parameters = [PROGRAMME, PROVINCE, YEAR, CURRICULUM]
    file_report = staticmethod(exports.summary_report)

    def build(self, request, params, **kwargs):
        return report_summary(
            programme=self.programme(params),
            scope=self.scope(request, params),
            year=params.get("year", 0),
            curriculum=params.get("curriculum"),
        )


@report_schema(
    operation_id="reports_breakdown",
    description="The scope's figures by one dimension (province at the time, the 34 current "
    "provinces, region, curriculum, position, mode, gender, ethnic minority) or by year, with "
    "a totals row. By current province every province in scope is listed (zeros where nothing "
    "was held). Learner dimensions (position, gender, ethnic minority) have no class counts or "
    f"spending. {WHO}",
    response=s.ReportBreakdownSerializer,
)
class BreakdownView(ReportView):
    query_serializer_class = s.BreakdownQuerySerializer
    report_path = "breakdown"
    summary = "Progress broken down by a dimension or by year"
    parameters = [DIMENSION, PROGRAMME, PROVINCE, LEVEL, YEAR, CURRICULUM]
    file_report = staticmethod(exports.breakdown_report)

    def build(self, request, params, **kwargs):
        return report_breakdown(
            programme=self.programme(params),
            scope=self.scope(request, params),
            dimension=params["dimension"],
            level=params.get("level", ""),
            year=params.get("year", 0),
            curriculum=params.get("curriculum"),
        )


@report_schema(
    operation_id="reports_province",
    description="A current province's figures per level and in total, by year, and broken down "
    "by the units at the time (legacy provinces merged into it), curriculum, mode, position, "
    "gender and ethnic minority. Central admins: any current province. A provincial admin: their "
    "own; another province, or a legacy unit, gives 404. Learners and trainers: 403.",
    response=s.ReportProvinceDetailSerializer,
)
class ProvinceDetailView(ReportView):
    report_path = "provinces/{id}"
    summary = "One province in detail"
    parameters = [PROVINCE_ID, PROGRAMME, LEVEL, YEAR]
    file_report = staticmethod(exports.province_report)

    def build(self, request, params, id=None, **kwargs):  # noqa: A002 - the path's name
        province = Province.objects.current().filter(pk=id).first()
        if province is None:
            raise NotFound(_("Không có tỉnh, thành phố hiện hành với id này."))
        try:
            report_scope(request.user, province)
        except DjangoPermissionDenied as denied:
            raise NotFound(_("Không có tỉnh, thành phố hiện hành với id này.")) from denied
        return report_province(
            programme=self.programme(params),
            province=province,
            level=params.get("level", ""),
            year=params.get("year", 0),
        )


@report_schema(
    operation_id="reports_history",
    description="The figures reported for the past programmes (2010-2015 under Decision 1956, "
    "2016-2020 under Decision 1600, young cadres under Decision 567), oldest first, then the "
    "programme's live figures. A province sees the figures reported for it (or for the legacy "
    f"units merged into it). {WHO}",
    response=s.ReportHistorySerializer,
)
class HistoryView(ReportView):
    report_path = "history"
    summary = "Past periods beside the current one"
    parameters = [PROGRAMME, PROVINCE]
    file_report = staticmethod(exports.history_report)

    def build(self, request, params, **kwargs):
        return report_history(programme=self.programme(params), scope=self.scope(request, params))


@report_schema(
    operation_id="reports_gaps",
    description="The current provinces (of 34) where, for the programme, no class is planned or "
    "started, no learner is enrolled, or classes have started without any attendance recorded; "
    f"each with its reasons. {WHO}",
    response=s.ReportGapsSerializer,
)
class GapsView(ReportView):
    # Reads the per-class figures as they are recomputed, ahead of the rollup rows the cache
    # version follows.
    cached = False
    report_path = "gaps"
    summary = "Provinces with no class started or no data reported"
    parameters = [PROGRAMME, PROVINCE, LEVEL]
    file_report = staticmethod(exports.gaps_report)

    def build(self, request, params, **kwargs):
        return report_gaps(
            programme=self.programme(params),
            scope=self.scope(request, params),
            level=params.get("level", ""),
        )


@report_schema(
    operation_id="reports_freshness",
    description="The live generation reports read and when it was published, when each current "
    "province's and the national figures were last computed, and what is waiting for a "
    f"recompute (classes, provinces). {WHO}",
    response=s.ReportFreshnessSerializer,
    errors=error_responses(400, 401, 403),
)
class FreshnessView(ReportView):
    # What is waiting for a recompute changes with every mark, not with the rollup rows.
    cached = False
    summary = "When the figures were computed"
    parameters = [PROVINCE]

    def build(self, request, params, **kwargs):
        return report_freshness(scope=self.scope(request, params))


@report_schema(
    operation_id="reports_final",
    description="The final report (tổng kết) of a closed period: the summary per level and in total "
    "as it stood at the close (frozen: later corrections never change it), and beside it what "
    "changed since (`after_close`: lượt, enrolments, classes and spending added, and the records "
    "entered after the close), never added in. Default programme: the one closed last; a programme "
    f"not closed gives 404. {WHO}",
    response=s.ReportFinalSerializer,
)
class FinalView(ReportView):
    # Counts records entered since the close, which change ahead of the rollup rows the cache
    # version follows.
    cached = False
    query_serializer_class = s.FinalQuerySerializer
    report_path = "final"
    summary = "The final report of a closed period"
    parameters = [
        OpenApiParameter(
            "programme", int, description="Programme id of a closed period. Default: the one closed last."
        ),
        PROVINCE,
    ]

    def build(self, request, params, **kwargs):
        programme = params.get("programme") or programme_closed_latest()
        close = (
            PeriodClose.objects.filter(programme=programme).select_related("programme", "closed_by").first()
        )
        if close is None:
            raise NotFound(_("Giai đoạn này chưa được khóa sổ."))
        return report_final(close=close, scope=self.scope(request, params))
