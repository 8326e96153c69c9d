from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.catalogue_file import COLUMNS
from courses.errors import DomainError
from courses.services import catalogue_import
from courses.tabular import read_table


class Command(BaseCommand):
    help = (
        "Import the curriculum catalogue from an .xlsx or .csv file (layout: courses/catalogue_file.py "
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
                self.stderr.write(f"row {error.row}, {error.field}: {error.message}")
            raise CommandError(f"{len(report.errors)} error(s) in {path}: nothing was imported.")

        for item in report.items:
            self.stdout.write(f"{item['action']:>9}  {item['code']} v{item['version']}  (row {item['row']})")
        for key in report.retired:
            self.stdout.write(f"  retired  {key}")
        prefix = "dry run, nothing imported: would have " if dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
                f"{len(report.retired)} retired, from {report.total_rows} rows."
            )
        )
