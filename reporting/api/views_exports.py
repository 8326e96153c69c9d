"""The CSV and XLSX exports of the admins' progress reports (GET /api/v1/reports/<path>/export.csv,
export.xlsx): each the figures of its report view (views_reports: same access rules and
parameters) in the layout of an official report (reporting.files.exports), written by its
renderer (reporting.files.export_writers); errors stay JSON (courses.core.renderers)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view

from courses.core.openapi import json_error_responses
from courses.core.renderers import Download, DownloadMixin
from reporting.api.views_reports import (
    TAG,
    BreakdownView,
    GapsView,
    HistoryView,
    ProvinceDetailView,
    ReportView,
    SummaryView,
)
from reporting.files import export_writers

NO_FORMAT = OpenApiParameter("format", exclude=True)


class ReportExportView(DownloadMixin, ReportView):
    """Serves a report as a file: the same figures as its JSON view (file_report lays them out
    officially), written by its file_renderer; headings, labels and name in the request's language
    (Vietnamese by default). Errors stay JSON."""

    cached = False  # files are written anew: only the JSON answers are kept

    def get(self, request, *args, **kwargs):
        report = self.file_report(self.figures(request, **kwargs))
        return Download(report, filename=report.filename(self.file_renderer.format))


FILE_KINDS = {"csv": "CSV, UTF-8 with BOM", "xlsx": "XLSX"}


def export_schema(view):
    """The schema of a report's export (GET /api/v1/reports/<path>/export.<format>), from its
    report view's summary and parameters and its file renderer; the class's description (OPTIONS)
    says the same."""
    renderer = view.file_renderer
    what = FILE_KINDS[renderer.format]
    view.__doc__ = f"{view.summary} ({what})."
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"reports_{view.report_path.split('/')[0]}_export_{renderer.format}",
            summary=f"{view.summary} ({what})",
            description=f"The report of GET /api/v1/reports/{view.report_path} as a file in the layout of an "
            "official report: the reporting unit (Bộ Nội vụ, or Sở Nội vụ of the province) and the "
            "national motto, the date, the title BÁO CÁO KẾT QUẢ BỒI DƯỠNG CÁN BỘ, CÔNG CHỨC CẤP XÃ, "
            "the programme and its period, the filters and when the figures were computed, the column "
            "headings (STT, Đơn vị, Chỉ tiêu (lượt), Đã thực hiện (lượt), Tỷ lệ (%), …) and a totals "
            "row (Tổng cộng). Headings, labels and the file's name (bao-cao-theo-tinh-…-yyyymmdd, or "
            "report-by-province-…-yyyymmdd) follow Accept-Language: Vietnamese by default, English "
            "with `en`. Text cells starting with =, +, - or @ are neutralised. "
            "Same access rules and parameters as the JSON report.",
            parameters=[*view.parameters, NO_FORMAT],
            responses={
                (200, renderer.media_type): OpenApiResponse(
                    OpenApiTypes.BINARY, description=f"The {what} file."
                ),
                **json_error_responses(400, 401, 403, 404),
            },
            tags=[TAG],
        )
    )(view)


@export_schema
class SummaryCSVView(ReportExportView, SummaryView):
    file_renderer = export_writers.ReportCSVRenderer


@export_schema
class SummaryXLSXView(ReportExportView, SummaryView):
    file_renderer = export_writers.ReportXLSXRenderer


@export_schema
class BreakdownCSVView(ReportExportView, BreakdownView):
    file_renderer = export_writers.ReportCSVRenderer


@export_schema
class BreakdownXLSXView(ReportExportView, BreakdownView):
    file_renderer = export_writers.ReportXLSXRenderer


@export_schema
class ProvinceDetailCSVView(ReportExportView, ProvinceDetailView):
    file_renderer = export_writers.ReportCSVRenderer


@export_schema
class ProvinceDetailXLSXView(ReportExportView, ProvinceDetailView):
    file_renderer = export_writers.ReportXLSXRenderer


@export_schema
class HistoryCSVView(ReportExportView, HistoryView):
    file_renderer = export_writers.ReportCSVRenderer


@export_schema
class HistoryXLSXView(ReportExportView, HistoryView):
    file_renderer = export_writers.ReportXLSXRenderer


@export_schema
class GapsCSVView(ReportExportView, GapsView):
    file_renderer = export_writers.ReportCSVRenderer


@export_schema
class GapsXLSXView(ReportExportView, GapsView):
    file_renderer = export_writers.ReportXLSXRenderer
