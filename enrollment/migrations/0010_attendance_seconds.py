from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0009_presence_heartbeat"),
    ]

    operations = [
        # Nullable: existing records and sources in whole minutes count as minutes x 60, and the
        # column is added without rewriting the table.
        migrations.AddField(
            model_name="attendance",
            name="attended_seconds",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="số giây tham dự"),
        ),
    ]
