"""Programmes, their targets and historical baselines through the API."""

import pytest

from courses.models import Curriculum, Position, Programme, Province
from reporting.models import Baseline, Target
from tests.api_helpers import assert_answered, assert_error, assert_writes_refused, error_fields, results
from tests.factories import ProgrammeFactory
from tests.roles import CENTRAL_ADMINS, READ_ONLY_ROLES, SIGNED_IN, by_role

PROGRAMMES = "/api/v1/programmes"
TARGETS = "/api/v1/targets"
BASELINES = "/api/v1/baselines"
PLAN_2021 = "ke-hoach-2021-2025"


@pytest.fixture
def plan(db):
    return Programme.objects.get(code=PLAN_2021)


def _programme_payload(**changes):
    # Not the reference data's 2026-2030 plan (ke-hoach-2026-2030), which is loaded already.
    payload = {
        "code": "de-an-thu-2026-2030",
        "decision_number": "99/QĐ-THU",
        "title_vi": "Đề án thử nghiệm bồi dưỡng cán bộ, công chức cấp xã giai đoạn 2026-2030",
        "period_start": "2026-01-01",
        "period_end": "2030-12-31",
        "levels": ["central", "elearning"],
    }
    payload.update(changes)
    return payload


def _target_payload(**changes):
    payload = {
        "programme_id": Programme.objects.get(code=PLAN_2021).id,
        "level": "provincial",
        "province_id": Province.objects.legacy().get(code="06").id,
        "year": 2023,
        "target_luot": 1200,
        "budget_million_vnd": "850.5",
    }
    payload.update(changes)
    return payload


def _baseline_payload(**changes):
    payload = {
        "programme_id": Programme.objects.get(code="qd-1600-2016-2020").id,
        "level": "provincial",
        "province_id": Province.objects.legacy().get(code="06").id,
        "achieved_luot": 13725,
        "source": "UBND tỉnh Bắc Kạn, báo cáo tổng kết 2016-2020",
    }
    payload.update(changes)
    return payload


# --- who may read and write ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [PROGRAMMES, TARGETS, BASELINES])
@by_role(SIGNED_IN)
def test_reads_need_sign_in(as_role, role, expected, url):
    response = as_role(role).get(url)
    assert_answered(response, expected)
    if expected == 200:
        assert response.json()["count"] > 0


WRITABLE = [(PROGRAMMES, _programme_payload), (TARGETS, _target_payload), (BASELINES, _baseline_payload)]


@pytest.mark.parametrize(("url", "payload"), WRITABLE)
@by_role(CENTRAL_ADMINS, roles=READ_ONLY_ROLES)
def test_only_central_admins_write(as_role, role, expected, url, payload):
    assert_writes_refused(as_role(role), url, payload(), {"note": "x"}, expected)


@pytest.mark.parametrize(("url", "payload"), WRITABLE)
def test_anonymous_writes_are_401(api_client, db, url, payload):
    assert_error(api_client.post(url, payload(), format="json"), 401)


@pytest.mark.parametrize(("url", "payload"), WRITABLE)
def test_central_admin_creates_changes_and_deletes(client_for, central_admin, url, payload):
    client = client_for(central_admin)
    created = client.post(url, payload(), format="json")
    assert created.status_code == 201, created.content
    object_url = f"{url}/{created.json()['id']}"
    field, value = ("title_en", "Training 2026-2030") if url == PROGRAMMES else ("note", "Đã điều chỉnh")
    changed = client.patch(object_url, {field: value}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()[field] == value
    assert client.put(object_url, payload(), format="json").status_code == 200
    assert client.delete(object_url).status_code == 204
    assert_error(client.get(object_url), 404)


# --- programmes ----------------------------------------------------------------------------------


def test_programme_shows_levels_with_labels(client_for, learner, plan):
    body = client_for(learner).get(f"{PROGRAMMES}/{plan.id}").json()
    assert body["levels"] == ["central", "provincial", "elearning"]
    assert body["level_labels"] == ["Central training institutions", "Provinces", "Online training"]


def test_programmes_filter_by_year_and_code(client_for, learner):
    client = client_for(learner)
    assert [p["code"] for p in results(client.get(PROGRAMMES, {"year": 2012}))] == ["qd-1956-2010-2015"]
    assert {p["code"] for p in results(client.get(PROGRAMMES, {"year": 2018}))} == {
        "qd-1600-2016-2020",
        "qd-567-2014-2020",
    }
    assert [p["code"] for p in results(client.get(PROGRAMMES, {"code": PLAN_2021}))] == [PLAN_2021]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"levels": ["central", "district"]}, "levels.1"),
        ({"levels": ["central", "central"]}, "levels.1"),
        ({"levels": "central"}, "levels"),
        ({"period_end": "2025-12-31"}, "period_end"),
        ({"code": PLAN_2021}, "code"),
        ({"title_vi": ""}, "title_vi"),
    ],
)
def test_programme_bad_input_names_the_field(client_for, central_admin, changes, field):
    response = client_for(central_admin).post(PROGRAMMES, _programme_payload(**changes), format="json")
    assert error_fields(response) == {field}


def test_levels_with_targets_cannot_be_dropped(client_for, central_admin, plan):
    response = client_for(central_admin).patch(
        f"{PROGRAMMES}/{plan.id}", {"levels": ["central"]}, format="json"
    )
    assert error_fields(response) == {"levels"}
    plan.refresh_from_db()
    assert plan.levels == ["central", "provincial", "elearning"]


# --- targets -------------------------------------------------------------------------------------


def test_targets_filter_by_programme_and_level(client_for, learner, plan):
    client = client_for(learner)
    rows = results(client.get(TARGETS, {"programme": plan.id}))
    assert {r["level"]: r["target_luot"] for r in rows} == {
        "central": 100000,
        "provincial": 400000,
        "elearning": 5000,
    }
    central = results(client.get(TARGETS, {"programme": plan.id, "level": "central"}))
    assert len(central) == 1
    assert central[0]["programme"] == {
        "id": plan.id,
        "code": PLAN_2021,
        "decision_number": plan.decision_number,
        "title_vi": plan.title_vi,
    }
    assert central[0]["target_classes"] == 2000
    assert central[0]["province"] is None


def test_targets_filter_by_province_curriculum_position_and_year(client_for, central_admin, plan):
    bac_kan = Province.objects.legacy().get(code="06")
    thai_nguyen = Province.objects.current().get(code="19")
    hanoi = Province.objects.current().get(code="01")
    curriculum = Curriculum.objects.get(code="csau-ubnd-dong-bang")
    position = Position.objects.get(code="chu-tich-ubnd")
    scoped = Target.objects.create(
        programme=plan,
        level="provincial",
        province=bac_kan,
        curriculum=curriculum,
        position=position,
        year=2024,
        target_luot=300,
    )
    Target.objects.create(programme=plan, level="provincial", province=hanoi, year=2024, target_luot=900)
    client = client_for(central_admin)

    def ids(**params):
        return [r["id"] for r in results(client.get(TARGETS, params))]

    assert ids(province=bac_kan.id) == [scoped.id]
    # Targets set for Bắc Kạn count towards Thái Nguyên, which it is now part of.
    assert ids(province=thai_nguyen.id) == [scoped.id]
    assert ids(curriculum=curriculum.id) == [scoped.id]
    assert ids(position=position.id) == [scoped.id]
    assert len(ids(year=2024)) == 2
    row = client.get(f"{TARGETS}/{scoped.id}").json()
    assert row["province"] == {"id": bac_kan.id, "code": "06", "name": "Tỉnh Bắc Kạn"}
    assert row["curriculum"] == {
        "id": curriculum.id,
        "code": curriculum.code,
        "version": 1,
        "title_vi": curriculum.title_vi,
    }
    assert row["position"]["code"] == "chu-tich-ubnd"


# A province's targets are its allocation: read as the allocations' API has it (the nation's by anyone).
PROVINCE_TARGETS_SEEN = {
    "anonymous": None,
    "learner": set(),
    "trainer": set(),
    "province_admin": {"19"},
    "central_admin": {"19", "01"},
}


@by_role(PROVINCE_TARGETS_SEEN, roles=["learner", "trainer", "province_admin", "central_admin"])
def test_a_province_s_targets_are_read_by_its_admin_and_the_ministry(as_role, role, expected, plan):
    for code in ("19", "01"):
        Target.objects.create(
            programme=plan,
            level="provincial",
            province=Province.objects.current().get(code=code),
            target_luot=9,
        )
    rows = results(as_role(role).get(TARGETS, {"programme": plan.id}))
    assert {r["province"]["code"] for r in rows if r["province"]} == expected
    # The national targets, whoever reads.
    assert {r["level"] for r in rows if r["province"] is None} == {"central", "provincial", "elearning"}


def test_target_created_by_central_admin(client_for, central_admin):
    response = client_for(central_admin).post(TARGETS, _target_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["province"]["code"] == "06"
    assert body["level_label"] == "Provinces"
    assert body["budget_million_vnd"] == "850.5"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"level": "district"}, "level"),
        ({"year": 2019}, "year"),
        ({"target_luot": -5}, "target_luot"),
        ({"budget_million_vnd": "-1"}, "budget_million_vnd"),
        ({"programme_id": 999999}, "programme_id"),
        ({"province_id": 999999}, "province_id"),
        ({"curriculum_id": 999999}, "curriculum_id"),
        ({"position_id": 999999}, "position_id"),
        ({"target_luot": None}, "target_luot"),
    ],
)
def test_target_bad_input_names_the_field(client_for, central_admin, changes, field):
    response = client_for(central_admin).post(TARGETS, _target_payload(**changes), format="json")
    assert error_fields(response) == {field}


def test_target_level_must_be_one_the_programme_runs_at(client_for, central_admin):
    programme = ProgrammeFactory(levels=["central"])
    response = client_for(central_admin).post(
        TARGETS, _target_payload(programme_id=programme.id, year=2027), format="json"
    )
    assert error_fields(response) == {"level"}


def test_one_target_per_scope(client_for, central_admin, plan):
    client = client_for(central_admin)
    assert client.post(TARGETS, _target_payload(), format="json").status_code == 201
    assert error_fields(client.post(TARGETS, _target_payload(target_luot=1), format="json")) == {None}
    # The national provincial-level target exists already: an empty scope collides too.
    national = _target_payload(province_id=None, year=None)
    assert error_fields(client.post(TARGETS, national, format="json")) == {None}
    assert Target.objects.filter(programme=plan, level="provincial").count() == 2


def test_updating_a_target_keeps_its_own_scope(client_for, central_admin, plan):
    target = Target.objects.get(programme=plan, level="central")
    response = client_for(central_admin).patch(
        f"{TARGETS}/{target.id}", {"target_luot": 120000}, format="json"
    )
    assert response.status_code == 200, response.content
    target.refresh_from_db()
    assert target.target_luot == 120000


# --- baselines -----------------------------------------------------------------------------------


def test_baselines_filter_by_programme(client_for, learner):
    programme = Programme.objects.get(code="qd-1956-2010-2015")
    rows = results(client_for(learner).get(BASELINES, {"programme": programme.id}))
    assert [r["achieved_luot"] for r in rows] == [403183]
    assert rows[0]["achieved_rate_percent"] == "80.6"
    assert rows[0]["provinces_reporting"] == 60


def test_baseline_created_by_central_admin(client_for, central_admin):
    response = client_for(central_admin).post(BASELINES, _baseline_payload(), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["province"]["code"] == "06"
    assert Baseline.objects.filter(province__code="06").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"level": "district"}, "level"),
        ({"achieved_luot": None}, "achieved_luot"),
        ({"source": ""}, "source"),
        ({"achieved_rate_percent": "-3"}, "achieved_rate_percent"),
        ({"programme_id": None}, "programme_id"),
    ],
)
def test_baseline_bad_input_names_the_field(client_for, central_admin, changes, field):
    response = client_for(central_admin).post(BASELINES, _baseline_payload(**changes), format="json")
    assert error_fields(response) == {field}


def test_one_baseline_per_scope(client_for, central_admin):
    client = client_for(central_admin)
    national = _baseline_payload(level="", province_id=None)
    assert error_fields(client.post(BASELINES, national, format="json")) == {None}
