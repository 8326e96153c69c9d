"""API representations of file uploads to import and of import jobs with their reports."""

from __future__ import annotations

import json

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.core.files.importing import upload_size_check
from courses.core.openapi import ErrorItemSerializer
from courses.core.write_fields import StrictWriteMixin
from courses.models import ImportJob, ImportKind, ImportStatus
from courses.services.column_mappings import upload_reader
from courses.services.import_jobs import import_item_actions, import_item_learners


@extend_schema_field(
    {
        "type": "string",
        "description": 'A JSON object {heading as written in the file: field}, e.g. {"Tên cán bộ": '
        '"full_name"}: which field each heading of a layout the importer does not know is. It wins '
        "over the importer's own headings. Save it with POST /api/v1/column-mappings to reuse it.",
    }
)
class UploadMappingField(serializers.Field):
    """A mapping sent with a multipart upload: a JSON text (or an object, from a JSON client)."""

    def to_internal_value(self, data):
        # Raised directly, not through self.fail(): DRF formats those messages, and the braces of
        # the example would be taken for placeholders.
        invalid = serializers.ValidationError(
            _("Cần một đối tượng JSON {“tiêu đề trong tệp”: “trường”}."), code="invalid"
        )
        if isinstance(data, str):
            if not data.strip():
                return None
            try:
                data = json.loads(data)
            except ValueError:
                raise invalid from None
        if not isinstance(data, dict):
            raise invalid
        return data

    def to_representation(self, value):
        return value


class ImportUploadSerializer(StrictWriteMixin, serializers.Serializer):
    file = serializers.FileField(
        help_text="The .xlsx or .csv file. A .csv may be UTF-8, UTF-16, Windows-1258 or Windows-1252, "
        "delimited by ',', ';' or a tab; text typed in the legacy TCVN3 or VNI fonts is converted to Unicode."
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="true: check the file and report what would change, import nothing."
    )
    sheet = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The worksheet to read, by name or number from 1; left out, the sheet whose headings "
        "match is chosen.",
    )
    mapping_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="A saved column mapping of this kind (GET /api/v1/column-mappings) to read the headings "
        "with.",
    )
    mapping = UploadMappingField(required=False, allow_null=True)

    def validate_file(self, upload):
        upload_size_check(upload.size)
        return upload

    def reader(self, *, user, kind: str) -> dict:
        """read_table's options for this upload, the mapping resolved (courses.services.column_mappings)."""
        data = self.validated_data
        return upload_reader(
            user=user,
            kind=kind,
            sheet=data.get("sheet"),
            mapping_id=data.get("mapping_id"),
            mapping=data.get("mapping"),
        )

    def file_to_read(self, *, user, kind: str) -> dict:
        """The uploaded file and how to read it, as the services reading one file at once take them
        (the score sheet, the meeting platform's report): content, filename, sheet, mapping."""
        reader = self.reader(user=user, kind=kind)
        upload = self.validated_data["file"]
        return {
            "content": upload.read(),
            "filename": upload.name,
            "sheet": reader["sheet"],
            "mapping": reader["mapping"],
        }


class ImportReportItemSerializer(serializers.Serializer):
    """One record the file describes; which keys are present depends on the import kind."""

    row = serializers.IntegerField(help_text="First row of the file describing it.")
    # Its choices are every importer's actions, set in get_fields (see there).
    action = serializers.ChoiceField(
        choices=(),
        help_text="What the import did (or, in a dry run, would do) to this record. Catalogue: created, "
        "updated, unchanged. Allocation: created, updated, unchanged. Enrolment: enrolled, waitlisted, re_enrolled (had withdrawn), unchanged "
        "(already in the class).",
    )
    code = serializers.CharField(required=False, help_text="Catalogue: curriculum code.")
    version = serializers.IntegerField(required=False, help_text="Catalogue: curriculum version.")
    in_place_of_version = serializers.IntegerField(
        required=False,
        help_text="Catalogue: the version the file named, which classes use and which therefore keeps "
        "its topics and hours; the file's changes went into `version` instead.",
    )
    scope = serializers.CharField(required=False, help_text="Allocation: province or central.")
    province = serializers.CharField(required=False, allow_null=True, help_text="Allocation: the province.")
    year = serializers.IntegerField(
        required=False, allow_null=True, help_text="Allocation: the year; null for the whole period."
    )
    target_luot = serializers.IntegerField(required=False, help_text="Allocation: the lượt allocated.")
    national_id = serializers.CharField(required=False, help_text="Enrolment: the learner's id number.")
    full_name = serializers.CharField(required=False, help_text="Enrolment: the learner's name.")
    # Its choices are the enrolment importer's, set in get_fields as the actions'.
    learner = serializers.ChoiceField(
        choices=(),
        required=False,
        help_text="Enrolment: whether the learner is created by the import or already known.",
    )

    def get_fields(self):
        fields = super().get_fields()
        # settings.IMPORTERS: each importer declares the actions of its report items (the enrolment
        # import's are the enrollment app's); read when the serializer is used, i.e. when the schema
        # is built, since courses may not import enrollment.
        fields["action"].choices = import_item_actions()
        fields["learner"].choices = import_item_learners()
        return fields


class FileDescriptionSerializer(serializers.Serializer):
    """courses.core.files.tabular.Table.describe(): what the reader found, to check in the dry run."""

    name = serializers.CharField(help_text="The file's name.")
    sheet = serializers.CharField(allow_null=True, help_text="The worksheet read; null for a CSV.")
    sheets = serializers.ListField(child=serializers.CharField(), help_text="Every sheet of the workbook.")
    heading_rows = serializers.ListField(
        child=serializers.IntegerField(), help_text="The row (or two rows) holding the headings."
    )
    columns = serializers.DictField(
        child=serializers.CharField(),
        help_text="Each field read, with the heading of its column as written in the file.",
    )
    ignored_columns = serializers.ListField(
        child=serializers.CharField(),
        help_text="Headings no field claimed: left out. Map them (`mapping`) if they hold a field.",
    )
    skipped_rows = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Rows inside the table that are not data (column numbers, repeated headings, notes).",
    )
    encoding = serializers.CharField(help_text="The text encoding the file was read in.")


class ImportReportSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    dry_run = serializers.BooleanField()
    total_rows = serializers.IntegerField(help_text="Data rows in the file (blank rows not counted).")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    retired = serializers.ListField(
        child=serializers.CharField(),
        help_text='Versions this import retires because a newer version is active, e.g. "csau-ubnd-dong-bang v1".',
    )
    items = ImportReportItemSerializer(many=True)
    errors = ErrorItemSerializer(
        many=True,
        help_text="Every error found, each naming its row and field; none when the import succeeded.",
    )
    warnings = ErrorItemSerializer(
        many=True,
        help_text="What did not stop the import but is worth checking (e.g. a repeated row merged).",
    )
    details = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Counts particular to the import kind (enrolment: learners_created, enrolled, "
        "waitlisted, re_enrolled, unchanged).",
    )
    error_status = serializers.IntegerField(
        allow_null=True, help_text="HTTP status the failure corresponds to (400 bad rows or file, 403, 500)."
    )
    file = FileDescriptionSerializer(
        allow_null=True,
        required=False,
        help_text="How the file was read; null when it could not be read (absent from reports stored "
        "before it was added).",
    )


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Poll this until `status` is succeeded or failed.")
    created_by_name = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=ImportKind.choices, read_only=True)
    status = serializers.ChoiceField(
        choices=ImportStatus.choices,
        read_only=True,
        help_text="pending (queued), running, succeeded (imported, or a clean dry run) or failed "
        "(nothing imported: see report.errors).",
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "kind",
            "status",
            "dry_run",
            "file_name",
            "created_by",
            "created_by_name",
            "created_at",
            "started_at",
            "finished_at",
            "total_rows",
            "processed_rows",
            "report",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "processed_rows": {"help_text": "Rows checked so far; with total_rows, the progress."},
        }

    def get_url(self, job) -> str:
        path = reverse("import-job-detail", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_created_by_name(self, job) -> str:
        return str(job.created_by) if job.created_by_id else ""

    @extend_schema_field(ImportReportSerializer(allow_null=True))
    def get_report(self, job):
        """null until the job has finished."""
        return job.report or None
