"""The curriculum catalogue and its topics through the API."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from courses.models import Curriculum, Position, Topic
from reporting.models import Target
from tests.api_helpers import assert_answered, assert_error, error_fields, results
from tests.factories import CurriculumFactory, ProgrammeFactory, TopicFactory
from tests.roles import CENTRAL_ADMINS, READ_ONLY_ROLES, SIGNED_IN, by_role

CURRICULA = "/api/v1/curricula"
TOPICS = "/api/v1/topics"
STARTER = "csau-ubnd-dong-bang"


def _payload(**changes):
    payload = {
        "code": "csau-chuyen-doi-so",
        "version": 1,
        "title_vi": "Bồi dưỡng kỹ năng chuyển đổi số cho công chức cấp xã",
        "title_en": "Digital transformation skills for commune civil servants",
        "area_type": "",
        "status": "active",
        "issued_on": "2026-03-01",
        "issued_by": "Bộ Nội vụ",
        "has_final_assessment": True,
        "positions": ["van-phong-thong-ke", "tu-phap-ho-tich"],
        "topics": [
            {"order": 1, "title_vi": "Tổng quan về chuyển đổi số", "hours": "4"},
            {
                "order": 2,
                "title_vi": "Dịch vụ công trực tuyến",
                "title_en": "Online public services",
                "hours": "8.5",
            },
        ],
        "materials": [
            {"kind": "handbook", "title": "Sổ tay chuyển đổi số cấp xã"},
            {"kind": "link", "title": "Cổng dịch vụ công quốc gia", "url": "https://dichvucong.gov.vn"},
        ],
    }
    payload.update(changes)
    return payload


@pytest.fixture
def starter(db):
    return Curriculum.objects.get(code=STARTER)


# --- who may read and write ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [CURRICULA, TOPICS])
@by_role(SIGNED_IN)
def test_reads_need_sign_in(as_role, role, expected, url):
    response = as_role(role).get(url)
    assert_answered(response, expected)


@by_role(CENTRAL_ADMINS, roles=READ_ONLY_ROLES)
def test_only_central_admins_write_the_catalogue(as_role, role, expected, starter):
    client = as_role(role)
    assert_error(client.post(CURRICULA, _payload(), format="json"), expected, "permission_denied")
    assert_error(client.put(f"{CURRICULA}/{starter.id}", _payload(code=STARTER), format="json"), expected)
    assert_error(client.patch(f"{CURRICULA}/{starter.id}", {"title_vi": "x"}, format="json"), expected)
    assert_error(client.delete(f"{CURRICULA}/{starter.id}"), expected)
    assert not Curriculum.objects.filter(code="csau-chuyen-doi-so").exists()


def test_anonymous_write_is_401(api_client, db):
    assert_error(api_client.post(CURRICULA, _payload(), format="json"), 401)


# --- lists and filters ---------------------------------------------------------------------------


def test_list_shows_total_hours(client_for, learner, starter):
    rows = results(client_for(learner).get(CURRICULA, {"code": STARTER}))
    assert len(rows) == 1
    expected = starter.topics.aggregate(total=Sum("hours"))["total"]
    assert Decimal(rows[0]["total_hours"]) == expected > 0
    assert rows[0]["area_type_label"] == "Plains"
    assert {p["code"] for p in rows[0]["positions"]} == {"chu-tich-ubnd", "pho-chu-tich-ubnd"}
    assert "topics" not in rows[0]


def test_curriculum_without_topics_has_zero_hours(client_for, learner):
    CurriculumFactory(code="khong-chuyen-de")
    assert results(client_for(learner).get(CURRICULA, {"code": "khong-chuyen-de"}))[0]["total_hours"] == "0.0"


def test_list_queries_do_not_grow_with_page_size(client_for, learner, django_assert_max_num_queries):
    client = client_for(learner)
    for size in (2, 28):
        with django_assert_max_num_queries(3):
            assert len(results(client.get(CURRICULA, {"page_size": size}))) == size


@pytest.mark.parametrize(
    "query",
    ["bồi dưỡng", "boi duong", "BỒI DƯỠNG", "Boi Duong Chuyen Sau", "bo\u0302\u0300i du\u031b\u00f5ng"],
)
def test_search_with_or_without_diacritics(client_for, learner, query):
    rows = results(client_for(learner).get(CURRICULA, {"search": query, "is_starter": "true"}))
    assert rows
    assert all(r["is_starter"] for r in rows)


@pytest.mark.parametrize("query", ["Ủy ban nhân dân", "uy ban nhan dan", "csau-ubnd"])
def test_search_narrows_by_title_or_code(client_for, learner, query):
    codes = {r["code"] for r in results(client_for(learner).get(CURRICULA, {"search": query}))}
    assert codes == {"csau-ubnd-dong-bang", "csau-ubnd-mien-nui"}


def test_filter_by_position_id_or_code(client_for, learner, starter):
    client = client_for(learner)
    chair = Position.objects.get(code="chu-tich-ubnd")
    by_code = {r["code"] for r in results(client.get(CURRICULA, {"position": "chu-tich-ubnd"}))}
    by_id = {r["code"] for r in results(client.get(CURRICULA, {"position": chair.id}))}
    assert by_code == by_id == {"csau-ubnd-dong-bang", "csau-ubnd-mien-nui"}


def test_position_filter_keeps_total_hours(client_for, learner, starter):
    # The starter set serves two positions: a join would count its topics twice.
    client = client_for(learner)
    unfiltered = results(client.get(CURRICULA, {"code": STARTER}))[0]["total_hours"]
    filtered = results(client.get(CURRICULA, {"code": STARTER, "position": "chu-tich-ubnd"}))
    assert [r["total_hours"] for r in filtered] == [unfiltered]


def test_filters_area_type_status_starter_code(client_for, learner):
    client = client_for(learner)
    plains = results(client.get(CURRICULA, {"area_type": "plains", "page_size": 100}))
    assert len(plains) == 14
    assert {r["area_type"] for r in plains} == {"plains"}
    CurriculumFactory(code="da-ngung", status="retired")
    retired = results(client.get(CURRICULA, {"status": "retired"}))
    assert [r["code"] for r in retired] == ["da-ngung"]
    assert [r["code"] for r in results(client.get(CURRICULA, {"is_starter": "false"}))] == ["da-ngung"]
    assert client.get(CURRICULA, {"is_starter": "true"}).json()["count"] == 28


def test_bad_filter_values_are_400(client_for, learner):
    client = client_for(learner)
    assert error_fields(client.get(CURRICULA, {"area_type": "desert"})) == {"area_type"}
    assert error_fields(client.get(CURRICULA, {"status": "draft"})) == {"status"}


# --- detail --------------------------------------------------------------------------------------


def test_detail_has_ordered_topics_materials_and_positions(client_for, trainer, starter):
    body = client_for(trainer).get(f"{CURRICULA}/{starter.id}").json()
    orders = [t["order"] for t in body["topics"]]
    assert orders == sorted(orders)
    assert len(orders) == starter.topics.count()
    assert body["materials"]
    assert body["materials"][0]["kind_label"]
    assert {p["code"] for p in body["positions"]} == {"chu-tich-ubnd", "pho-chu-tich-ubnd"}
    assert Decimal(body["total_hours"]) == sum(Decimal(t["hours"]) for t in body["topics"])


def test_unknown_curriculum_is_404(client_for, learner):
    assert_error(client_for(learner).get(f"{CURRICULA}/999999"), 404, "not_found")


# --- writes --------------------------------------------------------------------------------------


def test_central_admin_creates_a_curriculum_with_topics_and_materials(client_for, central_admin):
    response = client_for(central_admin).post(CURRICULA, _payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_starter"] is False
    assert body["total_hours"] == "12.5"
    assert [(t["order"], t["hours"]) for t in body["topics"]] == [(1, "4.0"), (2, "8.5")]
    assert [(m["order"], m["kind"]) for m in body["materials"]] == [(1, "handbook"), (2, "link")]
    assert [p["code"] for p in body["positions"]] == ["van-phong-thong-ke", "tu-phap-ho-tich"]
    stored = Curriculum.objects.get(pk=body["id"])
    assert stored.issued_on.isoformat() == "2026-03-01"
    # Searchable without diacritics as soon as it is written.
    found = client_for(central_admin).get(CURRICULA, {"search": "chuyen doi so"}).json()
    assert [r["id"] for r in found["results"]] == [body["id"]]


def test_a_new_version_is_a_new_curriculum(client_for, central_admin, starter):
    response = client_for(central_admin).post(CURRICULA, _payload(code=STARTER, version=2), format="json")
    assert response.status_code == 201, response.content
    assert Curriculum.objects.filter(code=STARTER).count() == 2
    assert starter.topics.count() == 6


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"area_type": "desert"}, "area_type"),
        ({"status": "draft"}, "status"),
        ({"title_vi": ""}, "title_vi"),
        ({"code": "không hợp lệ"}, "code"),
        ({"issued_on": "01/03/2026"}, "issued_on"),
        ({"positions": ["van-phong-thong-ke", "thu-truong"]}, "positions.1"),
        (
            {
                "topics": [
                    {"order": 1, "title_vi": "A", "hours": "4"},
                    {"order": 2, "title_vi": "B", "hours": "0"},
                ]
            },
            "topics.1.hours",
        ),
        ({"topics": [{"order": 1, "title_vi": "A", "hours": "-2"}]}, "topics.0.hours"),
        (
            {
                "topics": [
                    {"order": 1, "title_vi": "A", "hours": "4"},
                    {"order": 1, "title_vi": "B", "hours": "2"},
                ]
            },
            "topics.1.order",
        ),
        ({"topics": [{"order": 1, "title_vi": "A"}]}, "topics.0.hours"),
        ({"topics": [{"order": 0, "title_vi": "A", "hours": "1"}]}, "topics.0.order"),
        ({"materials": [{"kind": "podcast", "title": "A"}]}, "materials.0.kind"),
        ({"materials": [{"kind": "link", "title": "A", "url": "not a url"}]}, "materials.0.url"),
    ],
)
def test_bad_input_names_the_field(client_for, central_admin, changes, field):
    response = client_for(central_admin).post(CURRICULA, _payload(**changes), format="json")
    assert error_fields(response) == {field}
    assert not Curriculum.objects.filter(code=_payload(**changes)["code"]).exists()


def test_missing_required_fields_are_named(client_for, central_admin):
    assert error_fields(client_for(central_admin).post(CURRICULA, {}, format="json")) == {"code", "title_vi"}


def test_existing_version_cannot_be_created_again(client_for, central_admin):
    response = client_for(central_admin).post(CURRICULA, _payload(code=STARTER), format="json")
    assert error_fields(response) == {"version"}


@pytest.mark.parametrize(
    ("language", "message"), [("en", "Hours must be greater than 0."), ("vi", "Số tiết phải lớn hơn 0.")]
)
def test_validation_messages_follow_accept_language(
    client_for, central_admin, production_language, language, message
):
    payload = _payload(topics=[{"order": 1, "title_vi": "A", "hours": "0"}])
    response = client_for(central_admin).post(
        CURRICULA, payload, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert assert_error(response, 400)["errors"][0]["message"] == message


def test_put_replaces_topics_and_materials(client_for, central_admin, starter):
    url = f"{CURRICULA}/{starter.id}"
    payload = _payload(
        code=STARTER, topics=[{"order": 1, "title_vi": "Chuyên đề duy nhất", "hours": "6"}], materials=[]
    )
    response = client_for(central_admin).put(url, payload, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == starter.id
    assert body["title_vi"] == payload["title_vi"]
    assert [t["title_vi"] for t in body["topics"]] == ["Chuyên đề duy nhất"]
    assert body["materials"] == []
    assert body["total_hours"] == "6.0"
    # An edited starter set is the admin's now: reloading the reference data leaves it alone.
    assert body["is_starter"] is False


def test_patch_keeps_what_it_leaves_out(client_for, central_admin, starter):
    topics_before = list(starter.topics.values_list("order", "title_vi", "hours"))
    positions_before = set(starter.positions.values_list("code", flat=True))
    response = client_for(central_admin).patch(
        f"{CURRICULA}/{starter.id}", {"status": "retired"}, format="json"
    )
    assert response.status_code == 200, response.content
    starter.refresh_from_db()
    assert starter.status == "retired"
    assert list(starter.topics.values_list("order", "title_vi", "hours")) == topics_before
    assert set(starter.positions.values_list("code", flat=True)) == positions_before
    assert starter.materials.count() == 1
    assert starter.area_type == "plains"


def test_patch_replaces_topics_when_given(client_for, central_admin, starter):
    topics = [{"order": 1, "title_vi": "Một", "hours": "2"}, {"order": 2, "title_vi": "Hai", "hours": "3"}]
    response = client_for(central_admin).patch(f"{CURRICULA}/{starter.id}", {"topics": topics}, format="json")
    assert response.status_code == 200, response.content
    assert list(starter.topics.values_list("title_vi", flat=True)) == ["Một", "Hai"]
    assert response.json()["total_hours"] == "5.0"


@pytest.mark.parametrize(("field", "value"), [("code", "ma-khac"), ("version", 9)])
def test_code_and_version_cannot_change(client_for, central_admin, starter, field, value):
    response = client_for(central_admin).patch(f"{CURRICULA}/{starter.id}", {field: value}, format="json")
    assert error_fields(response) == {field}
    assert not Curriculum.objects.filter(**{field: value}).exists()


def test_central_admin_deletes_a_curriculum(client_for, central_admin):
    curriculum = CurriculumFactory()
    TopicFactory(curriculum=curriculum)
    assert client_for(central_admin).delete(f"{CURRICULA}/{curriculum.id}").status_code == 204
    assert not Curriculum.objects.filter(pk=curriculum.pk).exists()
    assert not Topic.objects.filter(curriculum_id=curriculum.pk).exists()


def test_deleting_a_curriculum_with_targets_is_409(client_for, central_admin, starter):
    programme = ProgrammeFactory()
    Target.objects.create(programme=programme, level="central", curriculum=starter, target_luot=10)
    assert_error(client_for(central_admin).delete(f"{CURRICULA}/{starter.id}"), 409, "conflict")
    assert Curriculum.objects.filter(pk=starter.pk).exists()


# --- topics --------------------------------------------------------------------------------------


def test_topics_filter_by_curriculum_in_order(client_for, learner, starter):
    rows = results(client_for(learner).get(TOPICS, {"curriculum": starter.id}))
    assert [r["order"] for r in rows] == sorted(t.order for t in starter.topics.all())
    assert {r["curriculum"] for r in rows} == {starter.id}


def test_topic_detail(client_for, learner, starter):
    topic = starter.topics.first()
    body = client_for(learner).get(f"{TOPICS}/{topic.id}").json()
    assert body == {
        "id": topic.id,
        "curriculum": starter.id,
        "order": topic.order,
        "title_vi": topic.title_vi,
        "title_en": topic.title_en,
        "hours": f"{topic.hours:.1f}",
    }


def test_topics_are_written_with_their_curriculum(client_for, central_admin, learner, starter):
    payload = {"curriculum": starter.id, "order": 99, "title_vi": "X", "hours": "1"}
    assert_error(client_for(learner).post(TOPICS, payload, format="json"), 403)
    assert_error(client_for(central_admin).post(TOPICS, payload, format="json"), 405, "method_not_allowed")
