import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum

from courses.models import Province
from reporting.models import ALL_LEVELS, ALL_YEARS, Dimension
from reporting.selectors import progress as selectors
from reporting.services.rebuilds import progress_rebuild, province_progress_rebuild
from reporting.services.rollups import rollup_national_refresh
from reporting.tasks import rebuild_progress


class Command(BaseCommand):
    help = (
        "Recompute every enrolment's and class's progress and the rollups, province by province. "
        "Without --province: into a new generation that replaces the figures in one step at the end. "
        "With --async: queue it for the Celery workers (one task per province) and return."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            metavar="CODE",
            help="Only this province (statistics code; a legacy code rebuilds the province it became part of).",
        )
        parser.add_argument(
            "--async", action="store_true", dest="run_async", help="Queue it for the workers."
        )

    def handle(self, *args, province=None, run_async=False, verbosity=1, **options):
        province_id = self._province_id(province) if province else None
        if run_async:
            result = rebuild_progress.delay(province_id)
            self.stdout.write(f"queued: task {result.id}")
            return
        started = time.monotonic()
        if province_id is not None:
            province_progress_rebuild(province_id=province_id)
            rollup_national_refresh()
        else:
            progress_rebuild()
        elapsed = time.monotonic() - started
        achieved = (
            selectors.rollup_rows(
                dimension=Dimension.TOTAL, scope_province=None, level=ALL_LEVELS, year=ALL_YEARS
            ).aggregate(total=Sum("achieved_luot"))["total"]
            or 0
        )
        self.stdout.write(f"rebuilt in {elapsed:.1f} s; national lượt completed: {achieved}")

    def _province_id(self, code: str) -> int:
        province = Province.objects.current().filter(code=code).first()
        if province is None:
            legacy = Province.objects.legacy().filter(code=code).select_related("successor").first()
            if legacy is None or legacy.successor is None:
                raise CommandError(f"no province with code {code}")
            self.stdout.write(f"{legacy.name} ({code}) is now part of {legacy.successor}: rebuilding that.")
            province = legacy.successor
        return province.pk
