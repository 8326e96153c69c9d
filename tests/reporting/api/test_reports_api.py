"""The admins' report API: every endpoint with every role, figures of a hand-built world run
through the aggregation, the shape documented in OpenAPI, and bounded query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from courses.models import Level, Programme, Province
from reporting.api import serializers_reports as s
from reporting.models import Baseline, Target
from reporting.selectors import report_cache
from tests.api_helpers import assert_error
from tests.factories import ProgrammeFactory
from tests.reporting.conftest import attend_all, enrol, make_class, province
from tests.reporting.report_world import completed, rebuild_world

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reports"
# (path with {tn} for Thái Nguyên's id, the serializer documenting its JSON answer)
ENDPOINTS = [
    ("summary", s.ReportSummarySerializer),
    ("breakdown?dimension=current_province", s.ReportBreakdownSerializer),
    ("provinces/{tn}", s.ReportProvinceDetailSerializer),
    ("history", s.ReportHistorySerializer),
    ("gaps", s.ReportGapsSerializer),
    ("freshness", s.ReportFreshnessSerializer),
]
EXPORTS = ["summary", "breakdown?dimension=current_province", "provinces/{tn}", "history", "gaps"]


def url(world, path: str, **params) -> str:
    path = path.format(tn=world.thai_nguyen.pk)
    params.setdefault("programme", world.programme.pk)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{BASE}/{path}{'&' if '?' in path else '?'}{query}"


def export_url(world, path: str, file_format: str, **params) -> str:
    base, _, query = path.partition("?")
    return url(world, f"{base}/export.{file_format}{'?' + query if query else ''}", **params)


def get(client, address):
    response = client.get(address)
    assert response.status_code == 200, response.content
    return response.json()


def by_key(rows, field="key"):
    return {row[field]: row for row in rows}


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "serializer"), ENDPOINTS)
def test_json_reports_by_role(
    world, path, serializer, client_for, learner, trainer, province_admin, other_province_admin, central_admin
):
    address = url(world, path)
    assert_error(client_for(None).get(address), 401, "not_authenticated")
    assert_error(client_for(learner).get(address), 403, "permission_denied")
    assert_error(client_for(trainer).get(address), 403, "permission_denied")
    assert client_for(central_admin).get(address).status_code == 200
    own = client_for(province_admin).get(address)
    assert own.status_code == 200
    assert own.json()["scope"]["province"]["id"] == world.thai_nguyen.pk
    # The other province's admin: their own slice, never Thái Nguyên's.
    other = client_for(other_province_admin).get(address)
    if path.startswith("provinces/"):
        assert_error(other, 404, "not_found")
    else:
        assert other.status_code == 200
        assert other.json()["scope"]["province"]["id"] == world.hanoi.pk
        asked = client_for(other_province_admin).get(url(world, path, province=world.thai_nguyen.pk))
        assert_error(asked, 403, "permission_denied")


@pytest.mark.parametrize("path", EXPORTS)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_exports_by_role(
    world,
    path,
    file_format,
    client_for,
    learner,
    trainer,
    province_admin,
    other_province_admin,
    central_admin,
):
    address = export_url(world, path, file_format)
    assert_error(client_for(None).get(address), 401, "not_authenticated")
    assert_error(client_for(learner).get(address), 403, "permission_denied")
    assert_error(client_for(trainer).get(address), 403, "permission_denied")
    for user in (central_admin, province_admin):
        response = client_for(user).get(address)
        assert response.status_code == 200, response.content
        assert response["Content-Disposition"].startswith("attachment; filename=")
        assert response["Content-Disposition"].endswith(f'.{file_format}"')
    if path.startswith("provinces/"):
        assert_error(client_for(other_province_admin).get(address), 404, "not_found")
    else:
        asked = export_url(world, path, file_format, province=world.thai_nguyen.pk)
        assert_error(client_for(other_province_admin).get(asked), 403, "permission_denied")


def test_a_client_asking_for_csv_still_gets_json_errors(world, client_for, learner):
    response = client_for(learner).get(export_url(world, "summary", "csv"), HTTP_ACCEPT="text/csv")
    assert_error(response, 403, "permission_denied")


def test_a_central_admin_reads_any_province_and_no_legacy_unit(world, client_for, central_admin):
    client = client_for(central_admin)
    summary = get(client, url(world, "summary", province=world.hanoi.pk))
    assert summary["scope"]["province"]["code"] == "01"
    assert summary["total"]["achieved_luot"] == 3
    # Legacy units are reported within their successor: not a scope of their own.
    assert_error(client.get(url(world, "summary", province=world.bac_kan_old.pk)), 400, "invalid")
    assert_error(client.get(url(world, "provinces/" + str(world.bac_kan_old.pk))), 404, "not_found")
    assert_error(client.get(url(world, "provinces/999999")), 404, "not_found")


def test_invalid_filters_are_400_with_the_field(world, client_for, central_admin):
    client = client_for(central_admin)
    for address, field in [
        (url(world, "summary", programme=999999), "programme"),
        (url(world, "summary", year="abc"), "year"),
        (url(world, "breakdown?dimension=colour"), "dimension"),
        (f"{BASE}/breakdown?programme={world.programme.pk}", "dimension"),
        (url(world, "breakdown?dimension=gender", level="district"), "level"),
        (url(world, "breakdown?dimension=gender", curriculum=world.curriculum_a.pk), "curriculum"),
    ]:
        body = assert_error(client.get(address), 400, "invalid")
        assert field in {item.get("field") for item in body["errors"]}, (address, body)


# --- figures -------------------------------------------------------------------------------------


def test_national_summary_against_the_targets(world, client_for, central_admin):
    data = get(client_for(central_admin), url(world, "summary"))
    assert data["programme"]["code"] == world.programme.code
    assert data["scope"] == {
        "kind": "national",
        "province": None,
        "name": "National",
        "unit": "Ministry of Home Affairs",
    }
    total = data["total"]
    assert total["level"] == ""
    assert (total["target_luot"], total["achieved_luot"], total["rate_percent"]) == (60, 6, 10.0)
    assert (total["enrolled"], total["in_progress"], total["not_completed"]) == (9, 2, 1)
    assert (total["classes_planned"], total["classes_started"], total["classes_held"]) == (4, 4, 3)
    assert total["spending_million_vnd"] == 50.0
    assert total["cost_per_luot_million_vnd"] == 8.333
    # The period is over: the pace projects exactly what was achieved.
    assert (total["elapsed_percent"], total["projected_luot"], total["projected_rate_percent"]) == (
        100.0,
        6,
        10.0,
    )
    assert total["computed_at"] is not None and data["computed_at"] == total["computed_at"]

    levels = by_key(data["levels"], "level")
    assert list(levels) == [Level.CENTRAL, Level.PROVINCIAL, Level.ELEARNING]
    assert (
        levels["central"]["target_luot"],
        levels["central"]["achieved_luot"],
        levels["central"]["rate_percent"],
    ) == (20, 3, 15.0)
    assert levels["central"]["cost_per_luot_million_vnd"] == 10.0
    assert (levels["provincial"]["target_luot"], levels["provincial"]["achieved_luot"]) == (30, 3)
    assert levels["provincial"]["spending_million_vnd"] == 20.0
    assert (
        levels["elearning"]["target_luot"],
        levels["elearning"]["achieved_luot"],
        levels["elearning"]["in_progress"],
    ) == (10, 0, 2)
    assert (levels["elearning"]["classes_started"], levels["elearning"]["classes_held"]) == (1, 0)
    for field in ("target_luot", "achieved_luot", "enrolled", "in_progress", "classes_planned"):
        assert total[field] == sum(level[field] for level in data["levels"]), field


def test_a_provincial_admins_summary_is_their_provinces_slice(world, client_for, province_admin):
    data = get(client_for(province_admin), url(world, "summary"))
    assert data["scope"]["unit"] == "Department of Home Affairs, Thái Nguyên province"
    total = data["total"]
    # Thái Nguyên with Bắc Kạn rolled in; its target is its legacy units' (8 + 4).
    assert (total["achieved_luot"], total["target_luot"], total["rate_percent"]) == (3, 12, 25.0)
    levels = by_key(data["levels"], "level")
    # No central class here: the level is still listed, with nothing achieved and no target.
    assert levels["central"]["achieved_luot"] == 0 and levels["central"]["target_luot"] is None
    assert levels["central"]["computed_at"] is None
    assert (levels["provincial"]["achieved_luot"], levels["provincial"]["target_luot"]) == (3, 12)
    assert levels["elearning"]["in_progress"] == 2


def test_summary_of_one_year_and_of_one_curriculum(world, client_for, central_admin):
    client = client_for(central_admin)
    year = get(client, url(world, "summary", year=2023))
    assert year["year"] == 2023
    assert year["total"]["achieved_luot"] == 3
    assert by_key(year["levels"], "level")["provincial"]["achieved_luot"] == 0
    curriculum = get(client, url(world, "summary", curriculum=world.curriculum_a.pk))
    assert curriculum["curriculum"]["code"] == "cs-chu-tich"
    assert curriculum["total"]["achieved_luot"] == 4
    assert by_key(curriculum["levels"], "level")["central"]["achieved_luot"] == 3


def test_the_default_programme_is_the_one_running_today(world, client_for, central_admin):
    today = timezone.localdate()
    running = ProgrammeFactory(
        period_start=today - datetime.timedelta(days=30), period_end=today + datetime.timedelta(days=300)
    )
    data = get(client_for(central_admin), f"{BASE}/summary")
    assert data["programme"]["id"] == running.pk
    assert data["total"]["achieved_luot"] == 0


def test_without_a_running_programme_the_latest_started_is_reported(db, client_for, central_admin):
    Programme.objects.filter(period_end__gte=timezone.localdate()).delete()
    latest = Programme.objects.order_by("-period_end", "-period_start").first()
    assert get(client_for(central_admin), f"{BASE}/summary")["programme"]["id"] == latest.pk


def test_breakdown_by_current_province_lists_all_34(world, client_for, central_admin):
    data = get(client_for(central_admin), url(world, "breakdown?dimension=current_province"))
    rows = by_key(data["rows"], "code")
    assert len(rows) == 34 == Province.objects.current().count()
    assert (rows["01"]["achieved_luot"], rows["01"]["target_luot"], rows["01"]["rate_percent"]) == (
        3,
        15,
        20.0,
    )
    assert (rows["19"]["achieved_luot"], rows["19"]["target_luot"], rows["19"]["rate_percent"]) == (
        3,
        12,
        25.0,
    )
    assert rows["19"]["label"] == "Thái Nguyên"
    assert rows["04"]["achieved_luot"] == 0 and rows["04"]["computed_at"] is None
    total = data["total"]
    assert (total["label"], total["achieved_luot"], total["target_luot"]) == ("Total", 6, 60)
    for field in ("achieved_luot", "enrolled", "in_progress", "classes_planned", "classes_held"):
        assert total[field] == sum(row[field] for row in data["rows"]), field


def test_breakdown_by_every_dimension(world, client_for, central_admin):
    client = client_for(central_admin)

    def achieved(dimension, **params):
        data = get(client, url(world, f"breakdown?dimension={dimension}", **params))
        assert data["total"]["achieved_luot"] == sum(r["achieved_luot"] for r in data["rows"])
        return {row["label"]: row["achieved_luot"] for row in data["rows"]}, data

    at_the_time, _ = achieved("province")
    assert at_the_time == {"Thành phố Hà Nội": 3, "Thái Nguyên": 2, "Tỉnh Bắc Kạn": 1}
    assert achieved("region")[0] == {"North": 6}
    assert achieved("curriculum")[0] == {"Chủ tịch Ủy ban nhân dân xã": 4, "Văn phòng - thống kê": 2}
    assert achieved("mode")[0] == {"Online": 3, "In person": 3}
    genders, data = achieved("gender")
    assert genders == {"Male": 3, "Female": 3}
    # A learner's attribute does not split a class: no class counts or spending there.
    assert data["total"]["classes_planned"] is None and data["rows"][0]["spending_million_vnd"] is None
    assert achieved("ethnic_minority")[0] == {"Ethnic minority": 2, "Not an ethnic minority": 4}
    positions, _ = achieved("position")
    assert positions[world.chair.name_vi] == 2
    assert positions["Position not recorded"] == 4
    by_level, _ = achieved("mode", level="provincial")
    assert by_level == {"Online": 3}


def test_breakdown_by_year_fills_the_period(world, client_for, central_admin):
    data = get(client_for(central_admin), url(world, "breakdown?dimension=year"))
    years = {row["key_id"]: row for row in data["rows"]}
    assert list(years) == [2021, 2022, 2023, 2024, 2025]
    assert {y: r["achieved_luot"] for y, r in years.items()} == {2021: 0, 2022: 0, 2023: 3, 2024: 3, 2025: 0}
    assert years[2025]["in_progress"] == 2
    assert years[2021]["computed_at"] is None
    assert data["total"]["achieved_luot"] == 6
    provincial = get(client_for(central_admin), url(world, "breakdown?dimension=year", level="provincial"))
    assert {r["key_id"]: r["achieved_luot"] for r in provincial["rows"]}[2024] == 3


def test_breakdown_by_province_and_year_for_one_curriculum(world, client_for, central_admin):
    client = client_for(central_admin)
    data = get(client, url(world, "breakdown?dimension=current_province", curriculum=world.curriculum_a.pk))
    rows = by_key(data["rows"], "code")
    assert (rows["01"]["achieved_luot"], rows["19"]["achieved_luot"], data["total"]["achieved_luot"]) == (
        3,
        1,
        4,
    )
    years = get(client, url(world, "breakdown?dimension=year", curriculum=world.curriculum_b.pk))
    assert {r["key_id"]: r["achieved_luot"] for r in years["rows"]}[2024] == 2


def test_a_provincial_admins_breakdowns_stay_in_their_province(world, client_for, province_admin):
    client = client_for(province_admin)
    provinces = get(client, url(world, "breakdown?dimension=current_province"))
    assert [row["code"] for row in provinces["rows"]] == ["19"]
    assert provinces["total"]["achieved_luot"] == 3
    units = get(client, url(world, "breakdown?dimension=province"))
    assert {r["label"]: r["achieved_luot"] for r in units["rows"]} == {"Thái Nguyên": 2, "Tỉnh Bắc Kạn": 1}


def test_province_detail(world, client_for, central_admin):
    data = get(client_for(central_admin), url(world, "provinces/{tn}"))
    assert data["scope"]["province"]["code"] == "19"
    assert (data["total"]["achieved_luot"], data["total"]["target_luot"]) == (3, 12)
    assert {r["key_id"]: r["achieved_luot"] for r in data["by_year"]} == {
        2021: 0,
        2022: 0,
        2023: 0,
        2024: 3,
        2025: 0,
    }
    assert data["by_year_total"]["achieved_luot"] == 3
    breakdowns = {b["dimension"]: b for b in data["breakdowns"]}
    assert list(breakdowns) == ["province", "curriculum", "mode", "position", "gender", "ethnic_minority"]
    assert {r["label"]: r["achieved_luot"] for r in breakdowns["province"]["rows"]} == {
        "Thái Nguyên": 2,
        "Tỉnh Bắc Kạn": 1,
    }
    assert {r["label"]: r["achieved_luot"] for r in breakdowns["curriculum"]["rows"]} == {
        "Chủ tịch Ủy ban nhân dân xã": 1,
        "Văn phòng - thống kê": 2,
    }
    for breakdown in data["breakdowns"]:
        assert breakdown["total"]["achieved_luot"] == sum(r["achieved_luot"] for r in breakdown["rows"])
    provincial = get(client_for(central_admin), url(world, "provinces/{tn}", level="provincial", year=2024))
    assert {b["dimension"]: b for b in provincial["breakdowns"]}["mode"]["total"]["achieved_luot"] == 3


def test_history_beside_the_live_figures(world, client_for, central_admin):
    data = get(client_for(central_admin), url(world, "history"))
    periods = data["periods"]
    assert [p["programme"]["decision_number"] for p in periods] == [
        "1956/QĐ-TTg",
        "567/QĐ-TTg",
        "1600/QĐ-TTg",
        world.programme.decision_number,
    ]
    first = periods[0]
    assert first["source"] == "baseline"
    assert (first["target_luot"], first["achieved_luot"], first["rate_percent"]) == (500000, 403183, 80.6)
    assert first["spending_million_vnd"] == 543959.0
    assert first["cost_per_luot_million_vnd"] == 1.349  # 543,959 / 403,183
    assert first["provinces_reporting"] == 60
    assert periods[1]["communes"] == 2293
    assert {lvl["level"]: lvl["achieved_luot"] for lvl in periods[2]["levels"]} == {"central": 10300}
    live = periods[-1]
    assert (live["source"], live["achieved_luot"], live["target_luot"], live["rate_percent"]) == (
        "live",
        6,
        60,
        10.0,
    )
    assert live["computed_at"] is not None


def test_a_provinces_history_shows_what_it_and_its_legacy_units_reported(
    world, client_for, province_admin, other_province_admin
):
    period_1600 = Programme.objects.get(code="qd-1600-2016-2020")
    Baseline.objects.create(
        programme=period_1600,
        level="",
        province=world.bac_kan_old,
        achieved_luot=13725,
        source="UBND tỉnh Bắc Kạn",
    )
    data = get(client_for(province_admin), url(world, "history"))
    assert [(p["programme"]["code"], p["achieved_luot"]) for p in data["periods"]] == [
        ("qd-1600-2016-2020", 13725),
        (world.programme.code, 3),
    ]
    others = get(client_for(other_province_admin), url(world, "history"))
    assert [p["source"] for p in others["periods"]] == ["live"]


def test_gaps(world, client_for, central_admin, province_admin):
    # Cao Bằng started a class and enrolled learners, but no attendance was ever recorded.
    cao_bang = province("04")
    silent = make_class(programme=world.programme, province=cao_bang)
    enrol(silent)
    rebuild_world(world, cao_bang)

    data = get(client_for(central_admin), url(world, "gaps"))
    assert data["provinces_in_scope"] == 34
    gaps = {gap["province"]["code"]: gap for gap in data["provinces"]}
    assert data["provinces_with_gaps"] == len(gaps), sorted(gaps)
    assert len(gaps) == 32  # all but Hà Nội and Thái Nguyên
    assert "01" not in gaps and "19" not in gaps
    assert gaps["04"]["reasons"] == ["no_attendance"]
    assert (gaps["04"]["classes_started"], gaps["04"]["enrolled"], gaps["04"]["attended_minutes"]) == (
        1,
        1,
        0,
    )
    assert gaps["96"]["reasons"] == ["no_class_planned", "no_class_started", "no_enrolment"]
    assert gaps["96"]["reason_labels"][1] == "No class started"
    # E-learning only: Hà Nội has held none.
    elearning = get(client_for(central_admin), url(world, "gaps", level="elearning"))
    assert "01" in {g["province"]["code"] for g in elearning["provinces"]}
    assert get(client_for(province_admin), url(world, "gaps"))["provinces"] == []


def test_freshness(world, client_for, central_admin, province_admin):
    data = get(client_for(central_admin), url(world, "freshness"))
    assert data["generation"] is not None and data["published_at"] is not None
    assert data["rebuilding"] is False
    assert data["national_computed_at"] is not None
    provinces = {p["province"]["code"]: p for p in data["provinces"]}
    assert len(provinces) == 34
    assert provinces["19"]["computed_at"] is not None and provinces["04"]["computed_at"] is None
    own = get(client_for(province_admin), url(world, "freshness"))
    assert [p["province"]["code"] for p in own["provinces"]] == ["19"]


def test_reports_read_the_live_generation_only(world, client_for, central_admin):
    from reporting.services.rebuilds import province_progress_rebuild
    from reporting.services.rollups import rollup_generation_publish, rollup_generation_start

    client = client_for(central_admin)
    before = get(client, url(world, "summary"))["total"]["achieved_luot"]
    extra = make_class(programme=world.programme, province=world.hanoi)
    completed(extra, 5)
    generation = rollup_generation_start()
    province_progress_rebuild(province_id=world.hanoi.pk, generation_id=generation.pk)
    assert get(client, url(world, "summary"))["total"]["achieved_luot"] == before
    assert get(client, url(world, "freshness"))["rebuilding"] is True
    province_progress_rebuild(province_id=world.thai_nguyen.pk, generation_id=generation.pk)
    rollup_generation_publish(generation_id=generation.pk)
    assert get(client, url(world, "summary"))["total"]["achieved_luot"] == before + 5


def test_targets_without_rows_still_show(db, client_for, central_admin):
    """A programme with targets and no class yet: every level owes its target."""
    programme = ProgrammeFactory(levels=[Level.CENTRAL, Level.PROVINCIAL])
    Target.objects.create(programme=programme, level=Level.CENTRAL, target_luot=100)
    Target.objects.create(programme=programme, level=Level.PROVINCIAL, target_luot=400)
    data = get(client_for(central_admin), f"{BASE}/summary?programme={programme.pk}")
    assert [(lvl["level"], lvl["target_luot"], lvl["achieved_luot"]) for lvl in data["levels"]] == [
        ("central", 100, 0),
        ("provincial", 400, 0),
    ]
    assert (data["total"]["target_luot"], data["total"]["rate_percent"]) == (500, 0.0)
    assert data["computed_at"] is None


# --- shape and speed ---------------------------------------------------------------------------------


def assert_shape(data, serializer) -> None:
    """The answer has exactly the documented fields, recursively."""
    if isinstance(serializer, serializers.ListSerializer):
        for item in data:
            assert_shape(item, serializer.child)
        return
    if isinstance(serializer, serializers.ListField):
        return
    if not isinstance(serializer, serializers.Serializer):
        return
    if data is None:
        assert serializer.allow_null
        return
    assert set(data) == set(serializer.fields), (
        type(serializer).__name__,
        set(data) ^ set(serializer.fields),
    )
    for name, field in serializer.fields.items():
        assert_shape(data[name], field)


@pytest.mark.parametrize(("path", "serializer"), ENDPOINTS)
def test_answers_have_the_documented_shape(world, path, serializer, client_for, central_admin):
    assert_shape(get(client_for(central_admin), url(world, path)), serializer())


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_every_report_is_in_the_schema_with_the_error_shape(schema):
    paths = [
        "/api/v1/reports/summary",
        "/api/v1/reports/breakdown",
        "/api/v1/reports/provinces/{id}",
        "/api/v1/reports/history",
        "/api/v1/reports/gaps",
        "/api/v1/reports/freshness",
    ]
    exports = [f"{p}/export.{ext}" for p in paths[:-1] for ext in ("csv", "xlsx")]
    for path in paths + exports:
        operation = schema["paths"][path]["get"]
        assert operation["summary"] and operation["description"], path
        for parameter in operation.get("parameters", []):
            assert parameter["name"] != "format", path
            assert parameter.get("description"), (path, parameter["name"])
        for code in ("400", "401", "403") if path.endswith("freshness") else ("400", "401", "403", "404"):
            content = operation["responses"][code]["content"]["application/json"]["schema"]
            assert content["$ref"] == "#/components/schemas/ErrorResponse", (path, code)
    assert (
        "text/csv"
        in schema["paths"]["/api/v1/reports/summary/export.csv"]["get"]["responses"]["200"]["content"]
    )
    breakdown = schema["paths"]["/api/v1/reports/breakdown"]["get"]["parameters"]
    assert next(p for p in breakdown if p["name"] == "dimension")["required"] is True


QUERY_BUDGET = {
    "summary": 3,
    "breakdown?dimension=current_province": 4,
    "breakdown?dimension=curriculum": 3,
    "breakdown?dimension=year": 3,
    "provinces/{tn}": 4,
    "history": 4,
    "gaps": 5,
    "freshness": 7,
}


def _queries(client, address) -> int:
    """The queries of computing a report (whatever answer the cache holds)."""
    report_cache.answers.forget()
    with CaptureQueriesContext(connection) as context:
        assert client.get(address).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(("path", "budget"), QUERY_BUDGET.items())
def test_reports_are_a_few_queries_whatever_the_size(
    world, path, budget, client_for, central_admin, province_admin, django_assert_max_num_queries
):
    central, provincial = client_for(central_admin), client_for(province_admin)
    with django_assert_max_num_queries(budget):
        central.get(url(world, path))
    with django_assert_max_num_queries(budget + 2):  # their province, its targets
        provincial.get(url(world, path))
    before = (_queries(central, url(world, path)), _queries(provincial, url(world, path)))

    # Ten times the classes, in more provinces: not one query more.
    more = [province(code) for code in ("04", "08", "11", "79", "96")]
    for index in range(10):
        extra = make_class(
            programme=world.programme, province=more[index % len(more)], level=Level.PROVINCIAL
        )
        completed(extra, 2)
        attend_all(enrol(extra), 30)
    rebuild_world(world, *more)
    after = (_queries(central, url(world, path)), _queries(provincial, url(world, path)))
    assert after == before


def test_summary_figures_are_decimal_exact(world, client_for, central_admin):
    """Rates and money come out as numbers with their stored precision."""
    total = get(client_for(central_admin), url(world, "summary"))["total"]
    assert Decimal(str(total["cost_per_luot_million_vnd"])) == Decimal("8.333")


# --- the demo's table ----------------------------------------------------------------------------


def test_progress_table_command_prints_the_national_table(world):
    import io
    import re

    from tests.reporting.report_world import vietnamese_default

    out = io.StringIO()
    with vietnamese_default():
        call_command("progress_table", "--programme", world.programme.code, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "BÁO CÁO KẾT QUẢ BỒI DƯỠNG CÁN BỘ, CÔNG CHỨC CẤP XÃ"
    assert "Bộ Nội vụ — Toàn quốc" in lines[2]
    rows = {
        line.split("  ")[0].strip(): re.split(r"\s{2,}", line.strip())[1:]
        for line in lines[4:]
        if not line.startswith("-")
    }
    assert rows["Cơ sở đào tạo trung ương"] == ["20", "3", "15,00%", "1/1", "0", "3", "15,00%"]
    assert rows["Bồi dưỡng trực tuyến"] == ["10", "0", "0,00%", "0/1", "2", "0", "0,00%"]
    assert rows["Tổng cộng"] == ["60", "6", "10,00%", "3/4", "2", "6", "10,00%"]

    out = io.StringIO()
    call_command("progress_table", "--programme", world.programme.code, "--province", "19", stdout=out)
    assert re.search(r"\n\S.*\s12\s+3\s+25,00%", out.getvalue())
