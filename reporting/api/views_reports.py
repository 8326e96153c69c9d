"""The admins' progress reports under /api/v1/reports/, and their CSV and XLSX exports.

Central admins read the nation or any current province; a provincial admin reads their own
province only (its slice is their "national" summary; another province is 403, or 404 by path).
Learners and trainers get 403, anonymous callers 401. Figures come from the live rollup
generation only (selectors_reports), in a few indexed queries per request.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.core.openapi import ErrorResponseSerializer, error_responses
from courses.core.permissions import IsAdmin
from courses.models import Level, Province
from reporting.api import serializers_reports as s
from reporting.files import exports
from reporting.selectors import report_cache
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
NO_FORMAT = OpenApiParameter("format", exclude=True)

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

    def get(self, request, *args, **kwargs):
        if not self.cached or not isinstance(request.accepted_renderer, ReportJSONRenderer):
            return Response(self.build(request, self.query(request), **kwargs))
        key = self.answer_key(request.user, kwargs, request.query_params, request.accepted_media_type)
        if key is None:
            return Response(self.build(request, self.query(request), **kwargs))
        version, body = report_cache.answers.lookup(key)
        if body is None:
            data = self.build(request, self.query(request), **kwargs)
            body = request.accepted_renderer.render(
                data, request.accepted_media_type, self.get_renderer_context()
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


class SummaryView(ReportView):
    @extend_schema(
        operation_id="reports_summary",
        summary="National progress against the targets",
        description="For a programme: per level (central institutions, provinces, e-learning) and in "
        "total, the target (lượt), lượt achieved, rate, classes planned/started/held, learners in "
        "progress, spending, cost per lượt, the pace projected to the period's end and when the "
        f"figures were computed. {WHO}",
        parameters=[PROGRAMME, PROVINCE, YEAR, CURRICULUM],
        responses={200: s.ReportSummarySerializer, **READ_ERRORS},
        tags=[TAG],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, params, **kwargs):
        return report_summary(
            programme=self.programme(params),
            scope=self.scope(request, params),
            year=params.get("year", 0),
            curriculum=params.get("curriculum"),
        )


class BreakdownView(ReportView):
    query_serializer_class = s.BreakdownQuerySerializer

    @extend_schema(
        operation_id="reports_breakdown",
        summary="Progress broken down by a dimension or by year",
        description="The scope's figures by one dimension (province at the time, the 34 current "
        "provinces, region, curriculum, position, mode, gender, ethnic minority) or by year, with "
        "a totals row. By current province every province in scope is listed (zeros where nothing "
        "was held). Learner dimensions (position, gender, ethnic minority) have no class counts or "
        f"spending. {WHO}",
        parameters=[DIMENSION, PROGRAMME, PROVINCE, LEVEL, YEAR, CURRICULUM],
        responses={200: s.ReportBreakdownSerializer, **READ_ERRORS},
        tags=[TAG],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, params, **kwargs):
        return report_breakdown(
            programme=self.programme(params),
            scope=self.scope(request, params),
            dimension=params["dimension"],
            level=params.get("level", ""),
            year=params.get("year", 0),
            curriculum=params.get("curriculum"),
        )


class ProvinceDetailView(ReportView):
    @extend_schema(
        operation_id="reports_province",
        summary="One province in detail",
        description="A current province's figures per level and in total, by year, and broken down "
        "by the units at the time (legacy provinces merged into it), curriculum, mode, position, "
        "gender and ethnic minority. Central admins: any current province. A provincial admin: their "
        "own; another province, or a legacy unit, gives 404. Learners and trainers: 403.",
        parameters=[PROVINCE_ID, PROGRAMME, LEVEL, YEAR],
        responses={200: s.ReportProvinceDetailSerializer, **READ_ERRORS},
        tags=[TAG],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

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


class HistoryView(ReportView):
    @extend_schema(
        operation_id="reports_history",
        summary="Past periods beside the current one",
        description="The figures reported for the past programmes (2010-2015 under Decision 1956, "
        "2016-2020 under Decision 1600, young cadres under Decision 567), oldest first, then the "
        "programme's live figures. A province sees the figures reported for it (or for the legacy "
        f"units merged into it). {WHO}",
        parameters=[PROGRAMME, PROVINCE],
        responses={200: s.ReportHistorySerializer, **READ_ERRORS},
        tags=[TAG],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, params, **kwargs):
        return report_history(programme=self.programme(params), scope=self.scope(request, params))


class GapsView(ReportView):
    # Reads the per-class figures as they are recomputed, ahead of the rollup rows the cache
    # version follows.
    cached = False

    @extend_schema(
        operation_id="reports_gaps",
        summary="Provinces with no class started or no data reported",
        description="The current provinces (of 34) where, for the programme, no class is planned or "
        "started, no learner is enrolled, or classes have started without any attendance recorded; "
        f"each with its reasons. {WHO}",
        parameters=[PROGRAMME, PROVINCE, LEVEL],
        responses={200: s.ReportGapsSerializer, **READ_ERRORS},
        tags=[TAG],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, params, **kwargs):
        return report_gaps(
            programme=self.programme(params),
            scope=self.scope(request, params),
            level=params.get("level", ""),
        )


class FreshnessView(ReportView):
    # What is waiting for a recompute changes with every mark, not with the rollup rows.
    cached = False

    @extend_schema(
        operation_id="reports_freshness",
        summary="When the figures were computed",
        description="The live generation reports read and when it was published, when each current "
        "province's and the national figures were last computed, and what is waiting for a "
        f"recompute (classes, provinces). {WHO}",
        parameters=[PROVINCE],
        responses={200: s.ReportFreshnessSerializer, **error_responses(400, 401, 403)},
        tags=[TAG],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def build(self, request, params, **kwargs):
        return report_freshness(scope=self.scope(request, params))


# --- exports -------------------------------------------------------------------------------------


class _FileRenderer(BaseRenderer):
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_FileRenderer):
    media_type = exports.XLSX_CONTENT_TYPE
    format = "xlsx"


class ExportMixin:
    """Serves a report as a file: the same figures as its JSON view, in the official layout, its
    headings, labels and name in the request's language (Vietnamese by default). Errors stay JSON."""

    file_format = "csv"
    to_report = None
    cached = False  # files are written anew: only the JSON answers are kept

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), _FileRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        params = self.query(request)
        report = type(self).to_report(self.build(request, params, **kwargs))
        write, content_type = exports.WRITERS[self.file_format]
        content = write(report)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{report.filename(self.file_format)}"'
        return response


def _file_errors(*statuses: int) -> dict:
    return {
        (code, "application/json"): OpenApiResponse(ErrorResponseSerializer, description=response.description)
        for code, response in error_responses(*statuses).items()
    }


def export_views(view: type[ReportView], path: str, to_report, summary: str, parameters: list):
    """The CSV and XLSX views of a report view (GET /api/v1/reports/<path>)."""
    name = path.split("/")[0]
    made = []
    for file_format, renderer, content_type, what in (
        ("csv", CSVRenderer, "text/csv", "CSV, UTF-8 with BOM"),
        ("xlsx", XLSXRenderer, exports.XLSX_CONTENT_TYPE, "XLSX"),
    ):
        cls = type(
            f"{view.__name__}{file_format.upper()}",
            (ExportMixin, view),
            {
                "file_format": file_format,
                "to_report": staticmethod(to_report),
                "renderer_classes": [JSONRenderer, renderer],
                "__doc__": f"{summary} ({what}).",
            },
        )
        schema = extend_schema(
            operation_id=f"reports_{name}_export_{file_format}",
            summary=f"{summary} ({what})",
            description=f"The report of GET /api/v1/reports/{path} as a file in the layout of an official "
            "report: the reporting unit (Bộ Nội vụ, or Sở Nội vụ of the province) and the national "
            "motto, the date, the title BÁO CÁO KẾT QUẢ BỒI DƯỠNG CÁN BỘ, CÔNG CHỨC CẤP XÃ, the "
            "programme and its period, the filters and when the figures were computed, the column "
            "headings (STT, Đơn vị, Chỉ tiêu (lượt), Đã thực hiện (lượt), Tỷ lệ (%), …) and a totals "
            "row (Tổng cộng). Headings, labels and the file's name (bao-cao-theo-tinh-…-yyyymmdd, or "
            "report-by-province-…-yyyymmdd) follow Accept-Language: Vietnamese by default, English "
            "with `en`. Text cells starting with =, +, - or @ are neutralised. "
            "Same access rules and parameters as the JSON report.",
            parameters=[*parameters, NO_FORMAT],
            responses={
                (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=f"The {what} file."),
                **_file_errors(400, 401, 403, 404),
            },
            tags=[TAG],
        )

        # A function of its own per view: extend_schema marks the function it decorates.
        def get(self, request, *args, **kwargs):
            return ExportMixin.get(self, request, *args, **kwargs)

        cls.get = schema(get)
        made.append(cls)
    return made


SummaryCSVView, SummaryXLSXView = export_views(
    SummaryView,
    "summary",
    exports.summary_report,
    "National progress against the targets",
    [PROGRAMME, PROVINCE, YEAR, CURRICULUM],
)
BreakdownCSVView, BreakdownXLSXView = export_views(
    BreakdownView,
    "breakdown",
    exports.breakdown_report,
    "Progress broken down by a dimension or by year",
    [DIMENSION, PROGRAMME, PROVINCE, LEVEL, YEAR, CURRICULUM],
)
ProvinceDetailCSVView, ProvinceDetailXLSXView = export_views(
    ProvinceDetailView,
    "provinces/{id}",
    exports.province_report,
    "One province in detail",
    [PROVINCE_ID, PROGRAMME, LEVEL, YEAR],
)
HistoryCSVView, HistoryXLSXView = export_views(
    HistoryView,
    "history",
    exports.history_report,
    "Past periods beside the current one",
    [PROGRAMME, PROVINCE],
)
GapsCSVView, GapsXLSXView = export_views(
    GapsView,
    "gaps",
    exports.gaps_report,
    "Provinces with no class started or no data reported",
    [PROGRAMME, PROVINCE, LEVEL],
)
