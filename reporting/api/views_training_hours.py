"""The annual training hours report (GET /api/v1/reports/training-hours) and its CSV and XLSX
exports: each official's periods of training in a year against the annual minimum
(enrollment.rules.training_hours), with the learners who fall short.

Scoped as every report (reports_scope.report_scope): central admins the nation or any current
province, a provincial admin their own province; learners and trainers 403, anonymous 401. Each
learner is shown as the reader may read them (enrollment.rules.personal_data), and every learner
shown is recorded as read (enrollment.services.data_access), in the JSON page and in the file.
The JSON lists a page of learners; a file lists them all, in the same order with the same figures.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.response import Response

from courses.core.openapi import error_responses, json_error_responses
from courses.core.pagination import BoundedPageNumberPagination
from courses.core.renderers import Download, DownloadMixin
from enrollment.rules.training_hours import annual_minimum_periods
from enrollment.services.data_access import learner_data_access_record
from reporting.api import serializers_training_hours as s
from reporting.api.views_reports import PROVINCE, TAG, ReportView
from reporting.files import export_writers
from reporting.files.exports_training_hours import training_hours_report
from reporting.selectors.training_hours import learner_row, training_hours_header, training_hours_learners

YEAR = OpenApiParameter(
    "year",
    int,
    description="The year: a completed class counts in the year it ended. Default: the current year "
    "(Asia/Ho_Chi_Minh).",
)
SHORT_ONLY = OpenApiParameter(
    "short_only", bool, description="true: only the learners below the annual minimum. Default false."
)
PAGE = OpenApiParameter("page", int, description="A page of the learners (from 1).")
PAGE_SIZE = OpenApiParameter(
    "page_size", int, description="Learners per page (default 50, at most API_MAX_PAGE_SIZE)."
)
WHO = (
    "Central admins: the nation, or one current province with `province`. A provincial admin: their own "
    "province only (another province gives 403). Learners and trainers: 403."
)
DESCRIPTION = (
    "Each learner's training in a year: the classes they completed (the computed outcome "
    "'completed', as every report counts a lượt) that ended in the year, and the periods (tiết, 45 "
    "minutes) of the topics of the curriculum version each ran, in hours of 60 minutes beside them; "
    "set against the annual minimum (setting TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS, 40 periods by "
    "default). With the number of learners and of those falling short per current province (legacy "
    "units merged in). Learners in Vietnamese name order, paginated; their id number in full for "
    f"whoever reads their full record, else its last four digits. {WHO}"
)


class Counted:
    """A queryset whose length is known: the paginator slices it and reads its count without a
    COUNT query."""

    def __init__(self, queryset, count: int):
        self.queryset, self._count = queryset, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self.queryset[index]


class TrainingHoursView(ReportView):
    query_serializer_class = s.TrainingHoursQuerySerializer
    # Read anew each time: its figures follow the enrolments' computed outcomes, not the rollups
    # the report cache's version follows.
    cached = False
    report_path = "training-hours"
    summary = "Annual training hours of each official against the minimum"
    parameters = [YEAR, PROVINCE, SHORT_ONLY]

    def learners(self, request, params: dict):
        """The report's header and its learners' queryset, from validated parameters."""
        scope = self.scope(request, params)
        year = params.get("year") or timezone.localdate().year
        minimum = annual_minimum_periods()
        short_only = params["short_only"]
        header = training_hours_header(scope=scope, year=year, minimum=minimum, short_only=short_only)
        learners = training_hours_learners(scope=scope, year=year, minimum=minimum, short_only=short_only)
        return header, learners, minimum

    def get(self, request, *args, **kwargs):
        header, learners, minimum = self.learners(request, self.query(request))
        paginator = BoundedPageNumberPagination()
        # The header has counted the learners listed already (its totals): not counted twice.
        listed = header["totals"]["short" if header["short_only"] else "learners"]
        page = paginator.paginate_queryset(Counted(learners, listed), request, view=self)
        learner_data_access_record(request=request, learners=page)
        return Response(
            {
                **header,
                "count": paginator.page.paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": [learner_row(request.user, learner, minimum) for learner in page],
            }
        )

    def build(self, request, params, **kwargs):
        """The whole report, every learner listed (the files')."""
        header, learners, minimum = self.learners(request, params)
        learners = list(learners)
        learner_data_access_record(request=request, learners=learners)
        return {**header, "results": [learner_row(request.user, learner, minimum) for learner in learners]}


TrainingHoursView = extend_schema_view(
    get=extend_schema(
        operation_id="reports_training_hours",
        summary=TrainingHoursView.summary,
        description=DESCRIPTION,
        parameters=[*TrainingHoursView.parameters, PAGE, PAGE_SIZE],
        responses={200: s.TrainingHoursReportSerializer, **error_responses(400, 401, 403)},
        tags=[TAG],
    )
)(TrainingHoursView)


class TrainingHoursExportView(DownloadMixin, TrainingHoursView):
    """The report as a file: the same learners and figures as the JSON, all pages."""

    def get(self, request, *args, **kwargs):
        report = training_hours_report(self.figures(request, **kwargs))
        return Download(report, filename=report.filename(self.file_renderer.format))


def export_schema(view):
    renderer = view.file_renderer
    what = {"csv": "CSV, UTF-8 with BOM", "xlsx": "XLSX"}[renderer.format]
    view.__doc__ = f"{TrainingHoursView.summary} ({what})."
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"reports_training_hours_export_{renderer.format}",
            summary=f"{TrainingHoursView.summary} ({what})",
            description="The report of GET /api/v1/reports/training-hours as a file in the layout of an "
            "official report: I. the learners and those falling short per province, with a totals row; "
            "II. every learner listed (all pages, the same order and figures as the JSON): name, id "
            "number, province, commune, position, classes completed, periods (tiết), hours, periods "
            "missing and the result. Headings and the file's name follow Accept-Language (Vietnamese by "
            "default). Same access rules and parameters as the JSON report.",
            parameters=[*TrainingHoursView.parameters, OpenApiParameter("format", exclude=True)],
            responses={
                (200, renderer.media_type): OpenApiResponse(
                    OpenApiTypes.BINARY, description=f"The {what} file."
                ),
                **json_error_responses(400, 401, 403),
            },
            tags=[TAG],
        )
    )(view)


@export_schema
class TrainingHoursCSVView(TrainingHoursExportView):
    file_renderer = export_writers.ReportCSVRenderer


@export_schema
class TrainingHoursXLSXView(TrainingHoursExportView):
    file_renderer = export_writers.ReportXLSXRenderer
