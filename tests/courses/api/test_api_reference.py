"""Positions, provinces (with the 63 -> 34 mapping) and communes through the API."""

import datetime

import pytest

from courses.models import Commune, Position, Province
from tests.api_helpers import assert_answered, assert_error, assert_writes_refused, error_fields, results
from tests.factories import PositionFactory
from tests.roles import CENTRAL_ADMINS, READ_ONLY_ROLES, SIGNED_IN, by_role

POSITIONS = "/api/v1/positions"
PROVINCES = "/api/v1/provinces"
MAPPING = "/api/v1/provinces/mapping"
COMMUNES = "/api/v1/communes"


def _current(code):
    return Province.objects.current().get(code=code)


def _legacy(code):
    return Province.objects.legacy().get(code=code)


# --- who may read and write ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [POSITIONS, PROVINCES, MAPPING, COMMUNES])
@by_role(SIGNED_IN)
def test_reads_need_sign_in(as_role, role, expected, url):
    response = as_role(role).get(url)
    assert_answered(response, expected)


def _position_payload():
    return {"code": "can-bo-thu-nghiem", "name_vi": "Cán bộ thử nghiệm", "category": "other"}


def _province_payload():
    return {
        "code": "99",
        "name": "Tỉnh Thử Nghiệm",
        "codename": "tinh_thu_nghiem",
        "division_type": "tỉnh",
        "region": "south",
        "valid_from": "2030-01-01",
    }


def _commune_payload():
    return {
        "code": "99999",
        "name": "Xã Thử Nghiệm",
        "codename": "xa_thu_nghiem",
        "division_type": "xã",
        "province_id": _current("19").id,
    }


WRITABLE = [(POSITIONS, _position_payload), (PROVINCES, _province_payload), (COMMUNES, _commune_payload)]


@pytest.mark.parametrize(("url", "payload"), WRITABLE)
@by_role(CENTRAL_ADMINS, roles=READ_ONLY_ROLES)
def test_only_central_admins_write_reference_data(as_role, role, expected, url, payload):
    assert_writes_refused(as_role(role), url, payload(), {"name": "x"}, expected)


@pytest.mark.parametrize(("url", "payload"), WRITABLE)
def test_anonymous_writes_are_401(api_client, db, url, payload):
    assert_error(api_client.post(url, payload(), format="json"), 401)


@pytest.mark.parametrize(("url", "payload"), WRITABLE)
def test_central_admin_creates_changes_and_deletes(client_for, central_admin, url, payload):
    client = client_for(central_admin)
    created = client.post(url, payload(), format="json")
    assert created.status_code == 201, created.content
    object_url = f"{url}/{created.json()['id']}"
    assert client.get(object_url).status_code == 200
    name_field = "name_vi" if url == POSITIONS else "name"
    changed = client.patch(object_url, {name_field: "Tên mới"}, format="json")
    assert changed.status_code == 200
    assert changed.json()[name_field] == "Tên mới"
    replaced = client.put(object_url, payload(), format="json")
    assert replaced.status_code == 200
    assert client.delete(object_url).status_code == 204
    assert_error(client.get(object_url), 404, "not_found")


# --- positions -----------------------------------------------------------------------------------


def test_positions_filter_by_category_and_activity(client_for, learner):
    client = client_for(learner)
    elected = results(client.get(POSITIONS, {"category": "elected", "page_size": 100}))
    assert elected
    assert {p["category"] for p in elected} == {"elected"}
    assert elected[0]["category_label"] == "Commune cadres"

    retired = PositionFactory(is_active=False)
    inactive = results(client.get(POSITIONS, {"is_active": "false"}))
    assert [p["code"] for p in inactive] == [retired.code]


def test_position_bad_input_names_the_field(client_for, central_admin):
    client = client_for(central_admin)
    assert error_fields(
        client.post(POSITIONS, {**_position_payload(), "category": "mayor"}, format="json")
    ) == {"category"}
    existing = Position.objects.first().code
    assert "code" in error_fields(
        client.post(POSITIONS, {**_position_payload(), "code": existing}, format="json")
    )


def test_unknown_filter_choice_is_400(client_for, learner):
    assert error_fields(client_for(learner).get(POSITIONS, {"category": "mayor"})) == {"category"}


# --- provinces -----------------------------------------------------------------------------------


def test_province_status_filter(client_for, learner):
    client = client_for(learner)
    assert client.get(PROVINCES, {"status": "current"}).json()["count"] == 34
    assert client.get(PROVINCES, {"status": "legacy"}).json()["count"] == 63
    assert client.get(PROVINCES).json()["count"] == 97


def test_province_region_and_code_filters(client_for, learner):
    client = client_for(learner)
    south = results(client.get(PROVINCES, {"region": "south", "status": "current", "page_size": 100}))
    assert south
    assert {p["region"] for p in south} == {"south"}
    assert "79" in {p["code"] for p in south}
    both_hanoi = results(client.get(PROVINCES, {"code": "01"}))
    assert sorted(p["status"] for p in both_hanoi) == ["current", "legacy"]


def test_legacy_province_shows_its_successor(client_for, learner):
    bac_kan = results(client_for(learner).get(PROVINCES, {"code": "06", "status": "legacy"}))
    assert len(bac_kan) == 1
    thai_nguyen = _current("19")
    assert bac_kan[0]["name"] == "Tỉnh Bắc Kạn"
    assert bac_kan[0]["status"] == "legacy"
    assert bac_kan[0]["successor"] == {"id": thai_nguyen.id, "code": "19", "name": thai_nguyen.name}
    assert bac_kan[0]["predecessors"] == []


def test_current_province_lists_its_predecessors(client_for, learner):
    thai_nguyen = _current("19")
    body = client_for(learner).get(f"{PROVINCES}/{thai_nguyen.id}").json()
    assert body["status"] == "current"
    assert body["successor"] is None
    assert [p["code"] for p in body["predecessors"]] == ["06", "19"]
    assert body["predecessors"][0] == {"id": _legacy("06").id, "code": "06", "name": "Tỉnh Bắc Kạn"}


def test_mapping_lists_the_63_legacy_provinces(client_for, trainer):
    response = client_for(trainer).get(MAPPING)
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 63
    assert [r["legacy"]["code"] for r in rows] == sorted(r["legacy"]["code"] for r in rows)
    bac_kan = next(r for r in rows if r["legacy"]["code"] == "06")
    thai_nguyen = _current("19")
    assert bac_kan == {
        "legacy": {"id": _legacy("06").id, "code": "06", "name": "Tỉnh Bắc Kạn"},
        "current": {"id": thai_nguyen.id, "code": "19", "name": thai_nguyen.name},
    }
    assert len({r["current"]["code"] for r in rows}) == 34


def test_province_bad_input_names_the_field(client_for, central_admin):
    client = client_for(central_admin)
    backwards = {**_province_payload(), "valid_until": "2029-01-01"}
    assert error_fields(client.post(PROVINCES, backwards, format="json")) == {"valid_until"}
    # A successor must be a current province, and only a unit no longer in force has one.
    to_legacy = {**_province_payload(), "valid_until": "2031-01-01", "successor_id": _legacy("06").id}
    assert error_fields(client.post(PROVINCES, to_legacy, format="json")) == {"successor_id"}
    still_current = {**_province_payload(), "successor_id": _current("19").id}
    assert error_fields(client.post(PROVINCES, still_current, format="json")) == {"successor_id"}
    assert error_fields(client.post(PROVINCES, {**_province_payload(), "region": "west"}, format="json")) == {
        "region"
    }


def test_legacy_province_written_with_successor(client_for, central_admin):
    payload = {**_province_payload(), "valid_until": "2031-01-01", "successor_id": _current("19").id}
    response = client_for(central_admin).post(PROVINCES, payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["successor"]["code"] == "19"
    assert response.json()["status"] == "legacy"


def test_deleting_a_province_in_use_is_409(client_for, central_admin):
    hanoi = _current("01")
    assert_error(client_for(central_admin).delete(f"{PROVINCES}/{hanoi.id}"), 409, "conflict")
    assert Province.objects.filter(pk=hanoi.pk).exists()


def test_province_list_queries_do_not_grow_with_page_size(client_for, learner, django_assert_max_num_queries):
    client = client_for(learner)
    with django_assert_max_num_queries(3):
        assert len(results(client.get(PROVINCES, {"page_size": 5}))) == 5
    with django_assert_max_num_queries(3):
        assert len(results(client.get(PROVINCES, {"page_size": 100}))) == 97


def test_page_size_is_bounded(client_for, learner, settings):
    settings.API_MAX_PAGE_SIZE = 20
    body = client_for(learner).get(PROVINCES, {"page_size": 1000}).json()
    assert len(body["results"]) == 20
    assert body["count"] == 97
    assert body["next"]


def test_unknown_province_is_404(client_for, learner):
    assert_error(client_for(learner).get(f"{PROVINCES}/999999"), 404, "not_found")


# --- communes ------------------------------------------------------------------------------------


def test_communes_filter_by_province_id_and_code(client_for, learner):
    client = client_for(learner)
    thai_nguyen = _current("19")
    expected = Commune.objects.filter(province=thai_nguyen).count()
    by_id = client.get(COMMUNES, {"province": thai_nguyen.id}).json()
    by_code = client.get(COMMUNES, {"province_code": "19"}).json()
    assert by_id["count"] == by_code["count"] == expected > 0
    assert {c["province"]["code"] for c in by_id["results"]} == {"19"}


@pytest.mark.parametrize("query", ["Hoàn Kiếm", "hoan kiem", "HOAN KIEM", "Hoàn"])
def test_commune_search_with_or_without_diacritics(client_for, learner, query):
    names = [
        c["name"]
        for c in results(client_for(learner).get(COMMUNES, {"search": query, "province_code": "01"}))
    ]
    assert "Phường Hoàn Kiếm" in names


@pytest.mark.parametrize("query", ["Xuân Hương - Đà Lạt", "xuan huong da lat", "M’Drắk", "mdrak"])
def test_commune_search_ignores_punctuation(client_for, learner, query):
    assert results(client_for(learner).get(COMMUNES, {"search": query}))


def test_commune_search_without_match(client_for, learner):
    assert client_for(learner).get(COMMUNES, {"search": "zzzz khong co"}).json()["count"] == 0


def test_commune_must_belong_to_a_current_province(client_for, central_admin):
    payload = {**_commune_payload(), "province_id": _legacy("06").id}
    assert error_fields(client_for(central_admin).post(COMMUNES, payload, format="json")) == {"province_id"}


def test_commune_list_queries_do_not_grow_with_page_size(client_for, learner, django_assert_max_num_queries):
    client = client_for(learner)
    for size in (5, 200):
        with django_assert_max_num_queries(2):
            assert len(results(client.get(COMMUNES, {"page_size": size}))) == size


def test_validity_dates_are_iso(client_for, learner):
    body = results(client_for(learner).get(PROVINCES, {"code": "06", "status": "legacy"}))[0]
    assert datetime.date.fromisoformat(body["valid_until"]) == datetime.date(2025, 6, 30)
