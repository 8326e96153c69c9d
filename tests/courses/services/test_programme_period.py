"""A class counts towards a programme only if it ends within the programme's period (issue 11.6)."""

import datetime
import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from courses.core.errors import DomainError
from courses.models import ClassMode, Level, Programme, Province, TrainingClass
from courses.services.classes import training_class_create, training_class_update
from tests.api_helpers import assert_error
from tests.factories import CurriculumFactory, TrainingClassFactory

PLAN = "ke-hoach-2021-2025"


@pytest.fixture
def plan(db):
    return Programme.objects.get(code=PLAN)


def create(actor, **overrides):
    values = {
        "code": "lop-giai-doan",
        "title": "Lớp bồi dưỡng",
        "curriculum": CurriculumFactory(),
        "province": Province.objects.current().get(code="19"),
        "mode": ClassMode.ONLINE,
        "level": Level.PROVINCIAL,
        "start_date": datetime.date(2025, 9, 1),
        "end_date": datetime.date(2025, 9, 30),
        "planned_size": 150,
        **overrides,
    }
    return training_class_create(actor=actor, **values)


def the_error(error) -> tuple[str, str, str]:
    (item,) = error.value.errors
    return item.field, item.code, item.message


def test_a_class_ending_within_the_period_counts_towards_the_programme(central_admin, plan):
    assert create(central_admin, programme=plan).programme == plan
    # The last day of the period is inside it.
    last = create(central_admin, code="lop-cuoi", programme=plan, end_date=datetime.date(2025, 12, 31))
    assert last.programme == plan


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        # A class of 2026 in the 2021-2025 plan: its end date and the end of the period.
        (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), ("31/03/2026", "31/12/2025")),
        # Starting in the period is not enough: it must end in it.
        (datetime.date(2025, 12, 15), datetime.date(2026, 1, 10), ("10/01/2026", "31/12/2025")),
        # A class of 2018 is before the period: its end date and the start of the period.
        (datetime.date(2018, 5, 1), datetime.date(2018, 5, 31), ("31/05/2018", "01/01/2021")),
    ],
)
def test_a_class_ending_outside_the_period_is_refused_naming_both_dates(
    central_admin, plan, start, end, named
):
    province = Province.objects.legacy().get(code="19") if start.year < 2025 else None
    overrides = {"province": province} if province is not None else {}
    with pytest.raises(DomainError) as error:
        create(central_admin, programme=plan, start_date=start, end_date=end, **overrides)
    field, code, message = the_error(error)
    assert (field, code) == ("end_date", "outside_programme_period")
    assert all(day in message for day in named), message
    assert not TrainingClass.objects.filter(code="lop-giai-doan").exists()


def test_a_class_outside_every_programme_may_have_none(central_admin):
    training_class = create(
        central_admin, start_date=datetime.date(2026, 3, 1), end_date=datetime.date(2026, 3, 31)
    )
    assert training_class.programme is None


def test_moving_a_class_out_of_its_programme_period_is_refused(central_admin, plan):
    training_class = create(central_admin, programme=plan)
    with pytest.raises(DomainError) as error:
        training_class_update(
            training_class=training_class, actor=central_admin, data={"end_date": datetime.date(2026, 1, 15)}
        )
    assert the_error(error)[:2] == ("end_date", "outside_programme_period")
    # Putting a class of 2026 into the 2021-2025 plan is refused the same way.
    later = create(
        central_admin,
        code="lop-2026",
        start_date=datetime.date(2026, 3, 1),
        end_date=datetime.date(2026, 3, 31),
    )
    with pytest.raises(DomainError) as error:
        training_class_update(training_class=later, actor=central_admin, data={"programme": plan})
    assert "31/03/2026" in the_error(error)[2] and "31/12/2025" in the_error(error)[2]
    training_class.refresh_from_db()
    later.refresh_from_db()
    assert training_class.end_date == datetime.date(2025, 9, 30) and later.programme is None


def test_the_api_answers_400_naming_both_dates(world, as_role, plan):
    payload = {
        "code": "tn-2026",
        "title": "Lớp năm 2026",
        "curriculum_id": world.curriculum.pk,
        "province_id": world.here.pk,
        "programme_id": plan.pk,
        "mode": "online",
        "planned_size": 120,
        "level": "provincial",
        "start_date": "2026-10-01",
        "end_date": "2026-10-31",
    }
    body = assert_error(as_role("central_admin").post("/api/v1/classes", payload, format="json"), 400)
    (item,) = body["errors"]
    assert item["field"] == "end_date" and item["code"] == "outside_programme_period"
    assert "31/10/2026" in item["message"] and "31/12/2025" in item["message"]
    assert not TrainingClass.objects.filter(code="tn-2026").exists()


@pytest.fixture
def stored_outside(plan):
    """Classes stored before the rule: a 2026 class and a 2018 class in the 2021-2025 plan."""
    return [
        TrainingClassFactory(code="cu-2026", programme=plan),  # the factory's class runs Sep-Dec 2026
        TrainingClassFactory(
            code="cu-2018",
            programme=plan,
            province=Province.objects.legacy().get(code="19"),
            start_date=datetime.date(2018, 5, 1),
            end_date=datetime.date(2018, 5, 31),
        ),
        TrainingClassFactory(
            code="trong-ky",
            programme=plan,
            start_date=datetime.date(2025, 9, 1),
            end_date=datetime.date(2025, 9, 30),
        ),
    ]


def test_the_migration_reports_classes_outside_their_period_and_changes_nothing(
    stored_outside, capsys, caplog
):
    migration = importlib.import_module("courses.migrations.0006_report_classes_outside_programme_period")
    before = list(TrainingClass.objects.order_by("pk").values())
    migration.report(apps, None)
    printed = capsys.readouterr().out
    assert "cu-2026: ends 2026-12-31" in printed and "cu-2018: ends 2018-05-31" in printed
    assert "trong-ky" not in printed
    assert "cu-2026" in caplog.text
    assert list(TrainingClass.objects.order_by("pk").values()) == before


def test_the_command_lists_classes_outside_their_period(stored_outside):
    out = StringIO()
    with pytest.raises(CommandError, match="2 class"):
        call_command("classes_outside_period", stdout=out)
    listed = [line.split("\t")[0] for line in out.getvalue().splitlines()]
    assert listed == ["cu-2018", "cu-2026"]


def test_the_command_says_when_every_class_is_inside_its_period(plan):
    TrainingClassFactory(
        programme=plan, start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2025, 9, 30)
    )
    out = StringIO()
    call_command("classes_outside_period", stdout=out)
    assert "No class" in out.getvalue()


def test_the_back_office_filters_classes_outside_their_period(stored_outside, client, central_admin):
    central_admin.is_staff = central_admin.is_superuser = True
    central_admin.save()
    client.force_login(central_admin)
    page = client.get("/admin/courses/trainingclass/?programme_period=outside").content.decode()
    assert "cu-2026" in page and "cu-2018" in page and "trong-ky" not in page


def test_the_refusal_is_in_english_on_request(world, as_role, plan):
    training_class = TrainingClassFactory(
        curriculum=world.curriculum,
        programme=plan,
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2025, 12, 31),
    )
    response = as_role("central_admin").patch(
        f"/api/v1/classes/{training_class.pk}",
        {"end_date": "2026-01-15"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    (item,) = assert_error(response, 400)["errors"]
    assert item["message"].startswith("The class ends on 15/01/2026, after"), item["message"]
    assert "(31/12/2025)" in item["message"]
