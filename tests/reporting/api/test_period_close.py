"""The close of a period (POST /programmes/{id}/close) and its final report (GET /reports/final):
the figures frozen at the close, corrections after it shown beside them and never mixed in."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import yaml
from django.core.management import call_command

from courses.models import Programme, TrainingClass
from reporting.api import serializers_reports as s
from reporting.models import PeriodClose
from tests.api_helpers import assert_error
from tests.factories import ProgrammeFactory
from tests.reporting.api.test_reports_api import assert_shape
from tests.reporting.conftest import make_class
from tests.reporting.report_world import completed, rebuild_world
from tests.roles import CENTRAL_ADMINS, ROLES, by_role, succeeding

pytestmark = pytest.mark.django_db

FINAL = "/api/v1/reports/final"
CLOSED_ON = datetime.date(2025, 12, 31)


def close_url(programme) -> str:
    return f"/api/v1/programmes/{programme.pk}/close"


def close(client, programme, closed_on=CLOSED_ON, **body):
    return client.post(close_url(programme), {"closed_on": closed_on.isoformat(), **body}, format="json")


def final(client, programme, **params):
    query = "&".join(f"{k}={v}" for k, v in {"programme": programme.pk, **params}.items())
    response = client.get(f"{FINAL}?{query}")
    assert response.status_code == 200, response.content
    return response.json()


@by_role(succeeding(CENTRAL_ADMINS, 201), roles=ROLES)
def test_only_the_ministry_closes_a_period(world, as_role, role, expected):
    response = close(as_role(role), world.programme, note="Tổng kết giai đoạn")
    assert response.status_code == expected, response.content
    closed = PeriodClose.objects.filter(programme=world.programme).first()
    if expected == 201:
        assert response.json()["closed_on"] == "2025-12-31"
        assert closed.closed_by.role == "central_admin" and closed.note == "Tổng kết giai đoạn"
    else:
        assert closed is None


def test_the_final_report_is_frozen_and_later_records_show_beside_it(world, client_for, central_admin):
    client = client_for(central_admin)
    live_before = client.get(f"/api/v1/reports/summary?programme={world.programme.pk}").json()
    assert close(client, world.programme).status_code == 201
    at_close = final(client, world.programme)
    assert at_close["final"]["total"]["achieved_luot"] == live_before["total"]["achieved_luot"] == 6
    assert at_close["after_close"]["total"]["achieved_luot"] == 0
    assert at_close["after_close"]["records"] == {"attendance": 0, "enrolments": 0, "completions": 0}

    # A late report of the period: a class held in Hà Nội, 5 completions recorded after the close.
    late = make_class(programme=world.programme, province=world.hanoi)
    completed(late, 5)
    # And a correction of a class counted at the close: its spending was 12.5, it was 20.
    TrainingClass.objects.filter(pk=world.classes[1].pk).update(spending_million_vnd=Decimal("20.0"))
    rebuild_world(world)
    live = client.get(f"/api/v1/reports/summary?programme={world.programme.pk}").json()
    assert live["total"]["achieved_luot"] == 11

    after = final(client, world.programme)
    assert after["final"] == at_close["final"]
    assert after["after_close"]["total"]["achieved_luot"] == 5
    assert after["after_close"]["total"]["classes_held"] == 1
    late_spending = late.spending_million_vnd or Decimal(0)
    assert (
        Decimal(str(after["after_close"]["total"]["spending_million_vnd"])) == Decimal("7.5") + late_spending
    )
    assert after["final"]["total"]["spending_million_vnd"] == live_before["total"]["spending_million_vnd"]
    assert after["after_close"]["records"]["enrolments"] == 5
    assert after["after_close"]["records"]["completions"] == 5
    provincial = {row["level"]: row for row in after["after_close"]["levels"]}["provincial"]
    assert provincial["achieved_luot"] == 5

    # Hà Nội's own final report took the late class beside it; Thái Nguyên's has nothing after.
    hanoi = final(client, world.programme, province=world.hanoi.pk)
    assert hanoi["final"]["total"]["achieved_luot"] == at_close_province(at_close, world, client, "hanoi")
    assert hanoi["after_close"]["total"]["achieved_luot"] == 5
    thai_nguyen = final(client, world.programme, province=world.thai_nguyen.pk)
    assert thai_nguyen["after_close"]["total"]["achieved_luot"] == 0
    assert thai_nguyen["after_close"]["records"]["enrolments"] == 0


def at_close_province(at_close, world, client, name):
    """A province's frozen figures, read from the close itself (what it stored for that province)."""
    stored = PeriodClose.objects.get(programme=world.programme).figures["provinces"]
    return stored[str(getattr(world, name).pk)]["total"]["achieved_luot"]


def test_a_province_admin_reads_their_own_final_report_only(
    world, client_for, central_admin, province_admin, learner, trainer
):
    assert close(client_for(central_admin), world.programme).status_code == 201
    own = final(client_for(province_admin), world.programme)
    assert own["scope"]["province"]["id"] == world.thai_nguyen.pk
    assert own["final"]["total"]["achieved_luot"] == 3  # c2's 2 and Bắc Kạn's (merged) 1
    asked = client_for(province_admin).get(
        f"{FINAL}?programme={world.programme.pk}&province={world.hanoi.pk}"
    )
    assert_error(asked, 403, "permission_denied")
    for user in (learner, trainer):
        assert_error(
            client_for(user).get(f"{FINAL}?programme={world.programme.pk}"), 403, "permission_denied"
        )
    assert_error(client_for(None).get(FINAL), 401, "not_authenticated")


def test_closing_twice_is_refused(world, client_for, central_admin):
    client = client_for(central_admin)
    assert close(client, world.programme).status_code == 201
    again = close(client, world.programme, closed_on=datetime.date(2026, 1, 31))
    assert_error(again, 409, "already_closed")
    assert again.json()["errors"][0]["field"] == "programme"
    assert PeriodClose.objects.get(programme=world.programme).closed_on == CLOSED_ON


def test_bad_close_dates_are_400_on_closed_on(world, client_for, central_admin):
    client = client_for(central_admin)
    for closed_on in (datetime.date(2020, 12, 31), datetime.date(2099, 1, 1)):
        response = close(client, world.programme, closed_on=closed_on)
        assert_error(response, 400)
        assert [e["field"] for e in response.json()["errors"]] == ["closed_on"]
    response = client.post(close_url(world.programme), {"closed_on": "31/12/2025"}, format="json")
    assert_error(response, 400)
    assert [e["field"] for e in response.json()["errors"]] == ["closed_on"]
    assert not PeriodClose.objects.exists()


def test_a_running_period_closes_as_of_an_earlier_date(db, client_for, central_admin):
    running = Programme.objects.get(code="ke-hoach-2026-2030")
    response = close(client_for(central_admin), running, closed_on=datetime.date(2026, 6, 30))
    assert response.status_code == 201, response.content
    assert final(client_for(central_admin), running)["close"]["closed_on"] == "2026-06-30"


def test_a_period_not_closed_has_no_final_report(world, client_for, central_admin):
    client = client_for(central_admin)
    assert_error(client.get(f"{FINAL}?programme={world.programme.pk}"), 404, "not_found")
    # Without a programme: the one closed last.
    assert_error(client.get(FINAL), 404, "not_found")
    close(client, world.programme)
    assert final_default(client)["programme"]["id"] == world.programme.pk


def final_default(client):
    response = client.get(FINAL)
    assert response.status_code == 200, response.content
    return response.json()


def test_bad_programme_is_400_naming_the_field(world, client_for, central_admin):
    for value in ("abc", "999999"):
        response = client_for(central_admin).get(f"{FINAL}?programme={value}")
        assert_error(response, 400)
        assert [e["field"] for e in response.json()["errors"]] == ["programme"]


def test_the_close_and_the_final_report_are_documented(db, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text(encoding="utf-8"))
    post = schema["paths"]["/api/v1/programmes/{id}/close"]["post"]
    assert {"201", "400", "403", "409"} <= set(post["responses"])
    get = schema["paths"]["/api/v1/reports/final"]["get"]
    assert {p["name"] for p in get["parameters"]} == {"programme", "province"}
    assert "after_close" in schema["components"]["schemas"]["ReportFinal"]["properties"]


def test_other_programmes_stay_open(world, client_for, central_admin):
    other = ProgrammeFactory(period_start=datetime.date(2021, 1, 1), period_end=datetime.date(2025, 12, 31))
    close(client_for(central_admin), world.programme)
    assert_error(client_for(central_admin).get(f"{FINAL}?programme={other.pk}"), 404, "not_found")


def test_the_answers_have_the_documented_shape(world, client_for, central_admin):
    client = client_for(central_admin)
    closed = close(client, world.programme)
    assert_shape(closed.json(), s.PeriodCloseSerializer())
    late = make_class(programme=world.programme, province=world.hanoi)
    completed(late, 1)
    rebuild_world(world)
    assert_shape(final(client, world.programme), s.ReportFinalSerializer())
    assert_shape(final(client, world.programme, province=world.thai_nguyen.pk), s.ReportFinalSerializer())


def test_the_final_report_reads_a_few_queries(
    world, client_for, central_admin, django_assert_max_num_queries
):
    client = client_for(central_admin)
    close(client, world.programme)
    for index in range(3):
        late = make_class(programme=world.programme, province=world.hanoi)
        completed(late, index + 1)
    rebuild_world(world)
    # The close, the live summary, three counts of records, and the request's own (the user).
    with django_assert_max_num_queries(10):
        data = final(client, world.programme)
    assert data["after_close"]["total"]["achieved_luot"] == 6


def test_closing_twice_says_when_in_english(world, client_for, central_admin):
    client = client_for(central_admin)
    close(client, world.programme)
    again = close(client, world.programme, closed_on=datetime.date(2026, 1, 31))
    assert again.json()["message"] == "This period was already closed as of 31/12/2025."


def test_the_programmes_say_which_periods_are_closed(world, client_for, central_admin, learner):
    close(client_for(central_admin), world.programme)
    listed = client_for(learner).get("/api/v1/programmes?page_size=100").json()["results"]
    closed_on = {row["id"]: row["closed_on"] for row in listed}
    assert closed_on[world.programme.pk] == "2025-12-31"
    assert closed_on[Programme.objects.get(code="ke-hoach-2026-2030").pk] is None
