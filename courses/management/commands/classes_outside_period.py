from django.core.management.base import BaseCommand, CommandError

from courses.models import TrainingClass


class Command(BaseCommand):
    help = (
        "List the classes that end outside their programme's period (kept as they were stored: "
        "decide for each whether it belongs to another programme or to none). Exit status 1 if any."
    )

    def handle(self, *args, **options):
        classes = (
            TrainingClass.objects.outside_programme_period().select_related("programme").order_by("code")
        )
        count = 0
        for training_class in classes:
            programme = training_class.programme
            self.stdout.write(
                f"{training_class.code}\t{training_class.start_date:%Y-%m-%d}\t{training_class.end_date:%Y-%m-%d}"
                f"\t{programme.code}\t{programme.period_start:%Y-%m-%d}\t{programme.period_end:%Y-%m-%d}"
            )
            count += 1
        if count:
            raise CommandError(f"{count} class(es) end outside their programme's period.")
        self.stdout.write("No class ends outside its programme's period.")
