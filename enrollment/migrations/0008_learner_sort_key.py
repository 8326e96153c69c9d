from django.db import migrations, models

from courses.core.text import vietnamese_name_key

BATCH = 2000


def fill_sort_keys(apps, schema_editor):
    """Every stored learner gets the key of their name, so lists are in Vietnamese order at once."""
    Learner = apps.get_model("enrollment", "Learner")
    rows = Learner.objects.using(schema_editor.connection.alias).order_by("pk").only("pk", "full_name")
    last = 0
    while batch := list(rows.filter(pk__gt=last)[:BATCH]):
        for learner in batch:
            learner.sort_key = vietnamese_name_key(learner.full_name)
        Learner.objects.using(schema_editor.connection.alias).bulk_update(batch, ["sort_key"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0007_learner_data_access"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="learner",
            options={"ordering": ["sort_key", "id"], "verbose_name": "học viên", "verbose_name_plural": "học viên"},
        ),
        migrations.AddField(
            model_name="learner",
            name="sort_key",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="learner",
            index=models.Index(fields=["sort_key", "id"], name="learner_sort_key"),
        ),
    ]
