"""Endpoints to import files (the curriculum catalogue now) and to follow import jobs."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.api.serializers_imports import ImportJobSerializer, ImportUploadSerializer
from courses.core.errors import DomainError, ErrorItem
from courses.core.openapi import error_responses
from courses.core.parsers import FormParser, MultiPartParser
from courses.core.permissions import IsCentralAdmin
from courses.files.catalogue_file import LAYOUT
from courses.models import ImportJob, ImportKind, ImportStatus
from courses.selectors import catalogue as selectors_catalogue
from courses.services.import_jobs import import_job_submit

READER_OPTIONS = """**Reading the file.** The headings are searched for below any title block; in a workbook the sheet
whose headings match is read, or the one named by `sheet`. Columns no field claims are ignored and
listed in `report.file.ignored_columns`; `report.file` also shows the sheet, the heading rows and the
heading each field was read from. A layout whose headings the importer doesn't know is read with a
column mapping: `mapping`, a JSON object `{heading as written: field}`, or `mapping_id`, a saved one
(`/api/v1/column-mappings`, same kind, of the caller's province or national; 400 on `mapping_id`
otherwise). Without one, a file lacking a required column is refused naming the missing columns and
the headings not understood. A queued job reads the file with the mapping as it was at upload."""


IMPORT_JOB_RESPONSES = {
    200: OpenApiResponse(ImportJobSerializer, description="Dry run of a small file: nothing imported."),
    201: OpenApiResponse(ImportJobSerializer, description="Small file imported; counts in `report`."),
    202: OpenApiResponse(ImportJobSerializer, description="Large file queued: poll `url` (also `Location`)."),
}


def import_job_schema(*, errors: tuple[int, ...], **kwargs):
    """extend_schema of an upload answered with its import job: 200 (dry run), 201 (imported) or
    202 (queued), and the error statuses `errors`."""
    return extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={**IMPORT_JOB_RESPONSES, **error_responses(*errors)},
        **kwargs,
    )


def import_job_response(job: ImportJob, request) -> Response:
    """202 for a queued job, 200/201 for one that ran now, the common error shape for a failed one."""
    body = ImportJobSerializer(job, context={"request": request}).data
    if job.status == ImportStatus.FAILED:
        report = job.report or {}
        errors = [ErrorItem(**item) for item in report.get("errors", [])]
        error_status = report.get("error_status") or status.HTTP_400_BAD_REQUEST
        raise DomainError(
            code="invalid" if error_status == status.HTTP_400_BAD_REQUEST or not errors else errors[0].code,
            message=ngettext(
                "Có %(count)d lỗi: chưa có dữ liệu nào được nhập.",
                "Có %(count)d lỗi: chưa có dữ liệu nào được nhập.",
                len(errors),
            )
            % {"count": len(errors)},
            status=error_status,
            errors=errors,
        )
    if job.status in (ImportStatus.PENDING, ImportStatus.RUNNING):
        location = request.build_absolute_uri(reverse("import-job-detail", args=[job.pk]))
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})
    return Response(body, status=status.HTTP_200_OK if job.dry_run else status.HTTP_201_CREATED)


class ImportJobUploadView(APIView):
    """An upload that becomes an import job of `import_kind` (every import endpoint): the upload's
    fields (ImportUploadSerializer), the job submitted, the job or its errors answered."""

    parser_classes = [MultiPartParser, FormParser]
    import_kind: str

    def import_job_submit(self, request, *, params: dict | None = None) -> Response:
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        job = import_job_submit(
            kind=self.import_kind,
            file_name=upload.name,
            content=upload.read(),
            dry_run=serializer.validated_data["dry_run"],
            user=request.user,
            params=params,
            reader=serializer.reader(user=request.user, kind=self.import_kind),
        )
        return import_job_response(job, request)


CATALOGUE_IMPORT_DESCRIPTION = f"""
Import the official curriculum catalogue from an .xlsx or .csv file. Central admins only.

Every row is checked first. If any row is wrong nothing is imported and the answer is 400 listing
every error with its `row` (as the spreadsheet numbers it) and `field`.
`dry_run=true` checks the file and reports what would be created, updated or retired, importing
nothing. Importing the same file again changes nothing (all versions `unchanged`).

Files of up to `IMPORT_SYNC_MAX_ROWS` (500 by default) data rows are imported within the request:
200 for a dry run, 201 for an import, with the finished job and its report. Larger files are
queued: 202 with the job, whose `url` (also in `Location`) is polled with
`GET /api/v1/import-jobs/{{id}}` until `status` is `succeeded` or `failed`; `processed_rows` out of
`total_rows` is the progress.

{READER_OPTIONS}

**File layout**
{LAYOUT}"""


@extend_schema_view(
    post=import_job_schema(
        operation_id="curricula_import",
        summary="Import the curriculum catalogue from a file",
        description=CATALOGUE_IMPORT_DESCRIPTION,
        errors=(400, 401, 403),
        tags=["curricula"],
    )
)
class CatalogueImportView(ImportJobUploadView):
    permission_classes = [IsCentralAdmin]
    import_kind = ImportKind.CATALOGUE

    def post(self, request):
        return self.import_job_submit(request)


@extend_schema_view(
    list=extend_schema(
        summary="List import jobs",
        description=(
            "Import jobs, newest first: the user's own; central admins see everyone's. "
            "Filter by `kind` and `status`. Paginated: `page`, `page_size`."
        ),
        responses={200: ImportJobSerializer(many=True), **error_responses(400, 401)},
    ),
    retrieve=extend_schema(
        summary="Get an import job (poll for progress and report)",
        description=(
            "Status, progress (`processed_rows` of `total_rows`) and, once finished, the report with "
            "every error by row and field. Visible to whoever uploaded the file and to central admins; "
            "404 for anyone else."
        ),
        responses={200: ImportJobSerializer, **error_responses(401, 404)},
    ),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ImportJobSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors_catalogue.import_job_list(self.request.user)
