from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from courses.core.errors import DomainError
from courses.core.files.tabular import read_table
from courses.files.catalogue_file import COLUMNS
from courses.services.catalogue import catalogue_import


class Command(BaseCommand):
    help = (
        "Import the curriculum catalogue from an .xlsx or .csv file (layout: courses/files/catalogue_file.py "
        "or the API docs of POST /api/v1/curricula/import). Every row is checked first; if any row is "
        "wrong nothing is imported, every error is printed by row and field, and the exit status is 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .xlsx or .csv file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change; import nothing.",
        )

    def handle(self, *args, path, dry_run, **options):
        file = Path(path)
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        try:
            table = read_table(content=content, filename=file.name, columns=COLUMNS)
            # No user: the command line is trusted as a central admin.
            report = catalogue_import(rows=table.rows, dry_run=dry_run, user=None)
        except DomainError as exc:
            raise CommandError(f"{path}: {exc.message}") from exc

        if report.errors:
            for error in report.errors:
                self.stderr.write(
                    _("dòng %(row)s, %(field)s: %(message)s")
                    % {"row": error.row, "field": error.field, "message": error.message}
                )
            raise CommandError(
                _("Có %(count)d lỗi trong %(path)s: chưa có dữ liệu nào được nhập.")
                % {"count": len(report.errors), "path": path}
            )

        for item in report.items:
            self.stdout.write(f"{item['action']:>9}  {item['code']} v{item['version']}  (row {item['row']})")
        for key in report.retired:
            self.stdout.write(f"  retired  {key}")
        prefix = _("Chạy thử, chưa nhập dữ liệu nào: ") if dry_run else ""
        summary = _(
            "%(created)d tạo mới, %(updated)d cập nhật, %(unchanged)d không đổi, "
            "%(retired)d chuyển sang ngừng áp dụng, từ %(rows)d dòng."
        ) % {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "retired": len(report.retired),
            "rows": report.total_rows,
        }
        self.stdout.write(self.style.SUCCESS(prefix + summary))
