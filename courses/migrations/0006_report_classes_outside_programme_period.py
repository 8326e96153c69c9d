"""Report the classes that end outside their programme's period.

From now on a class counts towards a programme only if it ends within its period, and the service
refuses any other (courses.rules.classes.programme_period_error). Classes stored before may
break that rule: this migration lists them in its output and in the log, and changes nothing, since
which programme (or none) such a class belongs to is for an admin to decide. The same list is
printed at any time by `manage.py classes_outside_period` and shown in the Django admin's class
list (filter "ngoài thời gian chương trình").
"""

import logging

from django.db import migrations
from django.db.models import F, Q

logger = logging.getLogger("courses.migrations")


def classes_outside_period(apps) -> list[str]:
    TrainingClass = apps.get_model("courses", "TrainingClass")
    rows = (
        TrainingClass.objects.filter(programme__isnull=False)
        .filter(Q(end_date__gt=F("programme__period_end")) | Q(end_date__lt=F("programme__period_start")))
        .order_by("code")
        .values_list("code", "end_date", "programme__code", "programme__period_start", "programme__period_end")
    )
    return [
        f"{code}: ends {end:%Y-%m-%d}, programme {programme} runs {start:%Y-%m-%d} to {until:%Y-%m-%d}"
        for code, end, programme, start, until in rows
    ]


def report(apps, schema_editor):
    lines = classes_outside_period(apps)
    if not lines:
        return
    heading = (
        f"{len(lines)} class(es) end outside their programme's period and are left unchanged; "
        "list them again with `manage.py classes_outside_period`:"
    )
    logger.warning("%s\n%s", heading, "\n".join(lines))
    print(f"\n  {heading}")
    for line in lines:
        print(f"    {line}")


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0005_user_token_generation"),
    ]

    operations = [
        migrations.RunPython(report, migrations.RunPython.noop, elidable=True),
    ]
