from django.core.management.base import BaseCommand, CommandError

from reporting.services.dataset import DatasetOptions, dataset_generate
from reporting.services.dataset_loading import dataset_reset


class Command(BaseCommand):
    help = (
        "Generate a realistic national dataset from a seed (PostgreSQL only). The default is the "
        "2021-2025 plan at full size: about 500,000 enrolments and 5 million attendance records. "
        "A second run replaces the first."
    )

    def add_arguments(self, parser):
        defaults = DatasetOptions()
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--enrolments", type=int, default=defaults.enrolments)
        parser.add_argument("--central-classes", type=int, default=defaults.central_classes)
        parser.add_argument("--online-class-size", type=int, default=defaults.online_class_size)
        parser.add_argument("--sessions-per-class", type=int, default=defaults.sessions_per_class)
        parser.add_argument("--repeat-rate", type=float, default=defaults.repeat_rate)
        parser.add_argument("--withdraw-rate", type=float, default=defaults.withdraw_rate)
        parser.add_argument("--reset", action="store_true", help="only remove generated data")

    def handle(self, *args, **options):
        if options["reset"]:
            dataset_reset()
            self.stdout.write("generated data removed")
            return
        if options["enrolments"] < 1 or options["sessions_per_class"] < 1:
            raise CommandError("--enrolments and --sessions-per-class must be positive")
        settings = DatasetOptions(
            seed=options["seed"],
            enrolments=options["enrolments"],
            central_classes=options["central_classes"],
            online_class_size=options["online_class_size"],
            sessions_per_class=options["sessions_per_class"],
            repeat_rate=options["repeat_rate"],
            withdraw_rate=options["withdraw_rate"],
        )
        try:
            counts = dataset_generate(options=settings, log=self.stdout.write)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"classes {counts.classes:,}, sessions {counts.sessions:,}, learners {counts.learners:,}, "
            f"enrolments {counts.enrolments:,}, attendance {counts.attendance:,} "
            f"in {sum(counts.seconds.values()):.1f} s"
        )
