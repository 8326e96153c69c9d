# The completion rule moves from reporting to enrollment: the learner's own progress and the roster
# read it here (enrollment never imports reporting). Its table (reporting_completionrule) and rows
# stay as they are: only Django's state moves, and its content type, so the admin permissions
# granted on it follow.

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

import courses.core.fields


def content_type_move(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=target, model="completionrule").exists():
        ContentType.objects.filter(app_label=source, model="completionrule").update(app_label=target)


def forwards(apps, schema_editor):
    content_type_move(apps, schema_editor, source="reporting", target="enrollment")


def backwards(apps, schema_editor):
    content_type_move(apps, schema_editor, source="enrollment", target="reporting")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0005_user_token_generation"),
        ("enrollment", "0010_attendance_seconds"),
        ("reporting", "0004_completion_rule_moved_to_enrollment"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="CompletionRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "min_attendance_percent",
                            models.DecimalField(
                                decimal_places=2,
                                default=Decimal("80"),
                                max_digits=5,
                                validators=[
                                    django.core.validators.MinValueValidator(0),
                                    django.core.validators.MaxValueValidator(100),
                                ],
                                verbose_name="tỷ lệ tham dự tối thiểu (%)",
                            ),
                        ),
                        (
                            "excused_policy",
                            models.CharField(
                                choices=[
                                    ("absent", "Tính như vắng"),
                                    ("attended", "Tính như có mặt"),
                                    ("excluded", "Không tính vào tổng số phút"),
                                ],
                                default="absent",
                                max_length=10,
                                verbose_name="vắng có phép",
                            ),
                        ),
                        (
                            "min_final_score",
                            models.DecimalField(
                                decimal_places=2,
                                default=Decimal("5"),
                                max_digits=4,
                                validators=[
                                    django.core.validators.MinValueValidator(0),
                                    django.core.validators.MaxValueValidator(10),
                                ],
                                verbose_name="điểm kiểm tra cuối khoá tối thiểu",
                            ),
                        ),
                        ("note", courses.core.fields.NFCTextField(blank=True, verbose_name="ghi chú")),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "programme",
                            models.ForeignKey(
                                blank=True,
                                help_text="Để trống: quy định mặc định cho các chương trình chưa có quy định riêng.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="completion_rules",
                                to="courses.programme",
                                verbose_name="chương trình",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "điều kiện hoàn thành",
                        "verbose_name_plural": "điều kiện hoàn thành",
                        "db_table": "reporting_completionrule",
                        "ordering": ["programme"],
                        "constraints": [
                            models.UniqueConstraint(
                                django.db.models.functions.comparison.Coalesce("programme", models.Value(0)),
                                name="completion_rule_one_per_programme",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("min_attendance_percent__gte", 0), ("min_attendance_percent__lte", 100)),
                                name="completion_rule_percent_range",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("min_final_score__gte", 0), ("min_final_score__lte", 10)),
                                name="completion_rule_score_range",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
