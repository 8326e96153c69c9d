# The completion rule moved to enrollment (enrollment.0009), which reads it for a learner's own
# progress and the roster and must not import reporting. The table stays: only the state moves.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_task_claims_and_generation_progress"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CompletionRule")],
            database_operations=[],
        ),
    ]
