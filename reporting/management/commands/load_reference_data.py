from django.core.management.base import BaseCommand

from courses.services.reference_data import reference_data_load
from reporting.services.programmes import programmes_load


class Command(BaseCommand):
    help = (
        "Load or refresh reference data: provinces (63 legacy and 34 current, with the mapping), "
        "communes, positions, aliases (other spellings), the starter curriculum catalogue, programmes, targets and baselines. "
        "Idempotent: running it twice changes nothing."
    )

    def handle(self, *args, **options):
        counts = reference_data_load()
        programmes = programmes_load()
        self.stdout.write(
            f"provinces: {counts.current_provinces} current, {counts.legacy_provinces} legacy; "
            f"communes: {counts.communes}; positions: {counts.positions}; "
            f"aliases: {counts.aliases}; starter curricula: {counts.curricula}; programmes: {programmes}"
        )
