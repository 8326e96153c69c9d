"""Allocations (chỉ tiêu giao) through the API: the ministry allocates a programme's targets to
each province and to the central institutions; a provincial admin reads their own province's and
changes nothing; every change is kept in the allocation's history with who made it."""

from __future__ import annotations

import pytest

from courses.models import Province
from reporting.models import Target
from reporting.selectors.allocations import allocations_for
from reporting.services.allocations import allocation_create
from tests.api_helpers import assert_answered, assert_error, error_fields, results
from tests.roles import ROLES, by_role

pytestmark = pytest.mark.django_db

ALLOCATIONS = "/api/v1/allocations"
PLAN_2021 = "ke-hoach-2021-2025"

# Admins read (a provincial admin only their province's); others are refused.
READS = {"anonymous": 401, "learner": 403, "trainer": 403, "province_admin": 200, "central_admin": 200}
# The ministry writes.
WRITES = {**READS, "province_admin": 403}
# Another province's allocation: its admin is not told it exists.
READS_OTHER = {**READS, "province_admin": 404}


@pytest.fixture
def plan(db):
    from courses.models import Programme

    return Programme.objects.get(code=PLAN_2021)


@pytest.fixture
def allocated(plan, province, other_province, central_admin):
    """Thái Nguyên's and Hà Nội's allocations for the period, and Thái Nguyên's for 2023."""
    figures = {"target_luot": 4200, "target_classes": 84, "target_learners": 3900, "budget_million_vnd": 1260}
    own = allocation_create(
        programme=plan, scope="province", province=province, figures=figures, user=central_admin
    )
    other = allocation_create(
        programme=plan, scope="province", province=other_province, figures=figures, user=central_admin
    )
    yearly = allocation_create(
        programme=plan,
        scope="province",
        province=province,
        year=2023,
        figures={"target_luot": 900},
        user=central_admin,
    )
    return {"own": own, "other": other, "yearly": yearly}


def _payload(plan, province, **changes):
    payload = {
        "programme_id": plan.pk,
        "scope": "province",
        "province_id": province.pk,
        "year": 2024,
        "target_luot": 850,
        "target_classes": 17,
        "target_learners": 800,
        "budget_million_vnd": "255.5",
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


@by_role(READS)
def test_who_lists_allocations(as_role, role, expected, allocated):
    response = as_role(role).get(ALLOCATIONS)
    assert_answered(response, expected)
    if expected == 200:
        ids = {row["id"] for row in results(response)}
        if role == "province_admin":
            # Their province's only: not Hà Nội's, not the central institutions'.
            assert ids == {allocated["own"].pk, allocated["yearly"].pk}
        else:
            assert {allocated["own"].pk, allocated["other"].pk, allocated["yearly"].pk} <= ids


@by_role(READS)
def test_who_reads_their_province_s_allocation(as_role, role, expected, allocated):
    response = as_role(role).get(f"{ALLOCATIONS}/{allocated['own'].pk}")
    assert_answered(response, expected)
    if expected == 200:
        body = response.json()
        assert body["scope"] == "province"
        assert body["province"]["code"] == "19"
        assert (body["target_luot"], body["target_classes"], body["target_learners"]) == (4200, 84, 3900)
        assert body["budget_million_vnd"] == "1260.0"
        assert body["year"] is None


@by_role(READS_OTHER)
def test_another_province_s_allocation_is_not_found_for_its_admin(as_role, role, expected, allocated):
    assert_answered(as_role(role).get(f"{ALLOCATIONS}/{allocated['other'].pk}"), expected)
    assert_answered(as_role(role).get(f"{ALLOCATIONS}/{allocated['other'].pk}/history"), expected)


@by_role({**WRITES, "central_admin": 201})
def test_who_allocates(as_role, role, expected, plan, province):
    response = as_role(role).post(ALLOCATIONS, _payload(plan, province), format="json")
    assert_answered(response, expected)
    stored = Target.objects.filter(programme=plan, province=province, year=2024)
    assert stored.exists() == (expected == 201)


@by_role(WRITES)
def test_who_changes_an_allocation(as_role, role, expected, allocated):
    response = as_role(role).patch(f"{ALLOCATIONS}/{allocated['own'].pk}", {"target_luot": 1}, format="json")
    assert_answered(response, expected)
    allocated["own"].refresh_from_db()
    assert allocated["own"].target_luot == (1 if expected == 200 else 4200)


@pytest.mark.parametrize("method", ["put", "delete"])
def test_an_allocation_is_neither_replaced_nor_deleted(client_for, central_admin, allocated, method):
    response = getattr(client_for(central_admin), method)(
        f"{ALLOCATIONS}/{allocated['own'].pk}", {}, format="json"
    )
    assert_error(response, 405)


def test_a_change_keeps_the_earlier_figures_and_who_changed_them(
    client_for, central_admin, province_admin, allocated
):
    url = f"{ALLOCATIONS}/{allocated['own'].pk}"
    client = client_for(central_admin)
    assert (
        client.patch(url, {"target_luot": 4500, "budget_million_vnd": "1300.5"}, format="json").status_code
        == 200
    )
    # Saving the same figures again is no change: no revision.
    assert client.patch(url, {"target_luot": 4500}, format="json").status_code == 200
    history = client_for(province_admin).get(f"{url}/history")
    assert history.status_code == 200, history.content
    revisions = history.json()["results"]
    assert [r["action"] for r in revisions] == ["updated", "created"]
    latest, first = revisions
    assert latest["target_luot"] == 4500 and latest["budget_million_vnd"] == "1300.5"
    assert latest["previous"]["target_luot"] == 4200
    assert latest["previous"]["budget_million_vnd"] == "1260.0"
    assert latest["changed_by"]["id"] == central_admin.pk
    assert latest["source"] == "api"
    assert first["target_luot"] == 4200 and first["previous"] is None


def test_a_target_loaded_before_history_keeps_its_figures_when_changed(client_for, central_admin, plan):
    """The central institutions' allocation is the programme's central target, loaded from the
    reference data without a revision: its first change still keeps what it was."""
    central = Target.objects.get(programme=plan, level="central", province=None, year=None)
    client = client_for(central_admin)
    listed = results(client.get(ALLOCATIONS, {"programme": plan.pk, "scope": "central"}))
    assert [row["id"] for row in listed] == [central.pk]
    response = client.patch(f"{ALLOCATIONS}/{central.pk}", {"target_classes": 2100}, format="json")
    assert response.status_code == 200, response.content
    (revision,) = results(client.get(f"{ALLOCATIONS}/{central.pk}/history"))
    assert revision["previous"]["target_luot"] == 100000
    assert revision["previous"]["target_classes"] == 2000
    assert revision["target_classes"] == 2100


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"year": 2019}, "year"),
        ({"year": 2026}, "year"),
        ({"target_luot": -5}, "target_luot"),
        ({"target_luot": "nhiều"}, "target_luot"),
        ({"target_classes": -1}, "target_classes"),
        ({"budget_million_vnd": "-1"}, "budget_million_vnd"),
        ({"budget_million_vnd": "1.25"}, "budget_million_vnd"),
        ({"programme_id": 999999}, "programme_id"),
        ({"province_id": 999999}, "province_id"),
        ({"province_id": None}, "province_id"),
        ({"scope": "district"}, "scope"),
        ({"target_luot": ...}, "target_luot"),
        ({"level": "central"}, "level"),
    ],
)
def test_bad_input_names_the_field(client_for, central_admin, plan, province, changes, field):
    response = client_for(central_admin).post(ALLOCATIONS, _payload(plan, province, **changes), format="json")
    # An unknown field (the scope is not a target's level) has a code of its own.
    assert {item.get("field") for item in assert_error(response, 400)["errors"]} == {field}


def test_the_central_institutions_have_no_province(client_for, central_admin, plan, province):
    response = client_for(central_admin).post(
        ALLOCATIONS, _payload(plan, province, scope="central"), format="json"
    )
    assert error_fields(response) == {"province_id"}


def test_a_scope_and_year_allocated_twice_is_a_conflict(client_for, central_admin, plan, province, allocated):
    response = client_for(central_admin).post(ALLOCATIONS, _payload(plan, province, year=2023), format="json")
    assert_error(response, 409, "conflict")
    # The central institutions' share for the period is the programme's central target.
    response = client_for(central_admin).post(
        ALLOCATIONS, _payload(plan, province, scope="central", province_id=None, year=None), format="json"
    )
    assert_error(response, 409, "conflict")


def test_the_list_filters(client_for, central_admin, plan, allocated):
    client = client_for(central_admin)
    whole = results(client.get(ALLOCATIONS, {"programme": plan.pk, "year": 0, "scope": "province"}))
    assert {row["id"] for row in whole} >= {allocated["own"].pk, allocated["other"].pk}
    assert allocated["yearly"].pk not in {row["id"] for row in whole}
    of_2023 = results(client.get(ALLOCATIONS, {"year": 2023}))
    assert [row["id"] for row in of_2023] == [allocated["yearly"].pk]
    thai_nguyen = Province.objects.current().get(code="19")
    assert {row["id"] for row in results(client.get(ALLOCATIONS, {"province": thai_nguyen.pk}))} == {
        allocated["own"].pk,
        allocated["yearly"].pk,
    }
    assert error_fields(client.get(ALLOCATIONS, {"year": "x"})) == {"year"}


def test_allocations_for_gives_each_scope_s_figures(plan, province, central_admin, allocated):
    by_scope = {(f.scope, f.province_code): f for f in allocations_for(plan)}
    assert by_scope[("province", "19")].target_luot == 4200
    assert by_scope[("province", "19")].budget_million_vnd == 1260
    assert by_scope[("central", None)].target_luot == 100000
    # A year: only what was allocated for it.
    assert [(f.province_code, f.target_luot) for f in allocations_for(plan, year=2023)] == [("19", 900)]


def test_yearly_allocations_add_up_to_the_period_when_none_is_set_for_it(plan, central_admin):
    lao_cai = Province.objects.current().get(code="15")
    for year, luot in ((2021, 100), (2022, 150)):
        allocation_create(
            programme=plan,
            scope="province",
            province=lao_cai,
            year=year,
            figures={"target_luot": luot, "budget_million_vnd": 10},
            user=central_admin,
        )
    (figures,) = [f for f in allocations_for(plan) if f.province_code == "15"]
    assert (figures.target_luot, figures.budget_million_vnd, figures.from_years) == (250, 20, True)


def test_a_provincial_admin_reads_their_allocation_as_the_target_of_their_reports(
    client_for, province_admin, plan, allocated
):
    """The allocation is the province's target in the reports: its admin now sees a rate."""
    from reporting.services.rollups import rollup_targets_refresh

    rollup_targets_refresh()
    response = client_for(province_admin).get("/api/v1/reports/summary", {"programme": plan.pk})
    assert response.status_code == 200, response.content
    assert response.json()["total"]["target_luot"] == 4200


def test_every_role_is_named(client_for):
    assert set(READS) == set(ROLES)


def test_an_allocation_written_shows_in_an_already_cached_report(
    client_for, central_admin, province_admin, plan
):
    from reporting.services.rollups import rollup_targets_refresh

    reader = client_for(province_admin)
    before = reader.get("/api/v1/reports/summary", {"programme": plan.pk}).json()["total"]["target_luot"]
    assert before is None  # Thái Nguyên has no target yet: "108 / — lượt"
    thai_nguyen = Province.objects.current().get(code="19")
    response = client_for(central_admin).post(
        ALLOCATIONS, _payload(plan, thai_nguyen, year=None), format="json"
    )
    assert response.status_code == 201, response.content
    rollup_targets_refresh()
    after = reader.get("/api/v1/reports/summary", {"programme": plan.pk}).json()["total"]["target_luot"]
    assert after == 850


def test_a_legacy_province_s_allocation_is_read_by_its_successor_s_admin(
    client_for, province_admin, plan, central_admin
):
    bac_kan = Province.objects.legacy().get(code="06")  # merged into Thái Nguyên in 2025
    allocation = allocation_create(
        programme=plan, scope="province", province=bac_kan, figures={"target_luot": 300}, user=central_admin
    )
    listed = results(client_for(province_admin).get(ALLOCATIONS))
    assert [(row["id"], row["province"]["code"]) for row in listed] == [(allocation.pk, "06")]


def test_the_list_s_queries_do_not_grow_with_its_rows(
    client_for, central_admin, plan, django_assert_max_num_queries
):
    for province in Province.objects.current()[:20]:
        allocation_create(
            programme=plan,
            scope="province",
            province=province,
            figures={"target_luot": 1},
            user=central_admin,
        )
    client = client_for(central_admin)
    with django_assert_max_num_queries(6):
        assert len(results(client.get(ALLOCATIONS, {"page_size": 50}))) == 21
