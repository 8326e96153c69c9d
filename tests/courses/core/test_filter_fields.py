"""Issue 10, finding 8: a bad query parameter is a 400 naming it, never a server error, through the
bounded filter types every list shares (courses.core.filter_fields)."""

import datetime

import pytest

from courses.core.filter_fields import ID_MAX, as_id, in_utc
from enrollment.files.attendance_report import as_local_datetime
from tests.api_helpers import assert_error
from tests.factories import ClassSessionFactory

TWENTY_DIGITS = "9" * 20


@pytest.mark.parametrize(
    ("url", "parameter", "value"),
    [
        ("/api/v1/programmes", "year", "0"),
        ("/api/v1/programmes", "year", "-1"),
        ("/api/v1/programmes", "year", "10000"),
        ("/api/v1/programmes", "year", TWENTY_DIGITS),
        ("/api/v1/programmes", "year", "2021.5"),
        ("/api/v1/targets", "year", TWENTY_DIGITS),
        ("/api/v1/targets", "province", TWENTY_DIGITS),
        ("/api/v1/classes", "province", TWENTY_DIGITS),
        ("/api/v1/classes", "organiser_province", "5.8e16"),
        ("/api/v1/classes", "trainer", "1.5"),
        ("/api/v1/communes", "province", "0"),
        ("/api/v1/learners", "province", TWENTY_DIGITS),
        ("/api/v1/learners", "training_class", str(ID_MAX + 1)),
        ("/api/v1/sessions", "starts_from", "0001-01-01T00:00:00+05:00"),
        ("/api/v1/sessions", "starts_to", "9999-12-31T23:59:00-10:00"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client_for, central_admin, url, parameter, value):
    response = client_for(central_admin).get(url, {parameter: value})

    body = assert_error(response, 400, "invalid")
    assert [e["field"] for e in body["errors"]] == [parameter]


@pytest.mark.parametrize("value", ["2021", "2025"])
def test_a_year_within_range_filters_the_programmes(client_for, central_admin, value):
    response = client_for(central_admin).get("/api/v1/programmes", {"year": value})
    assert response.status_code == 200, response.content
    assert response.json()["count"] >= 1


def test_a_time_with_an_offset_postgresql_does_not_take_is_compared_in_utc(client_for, central_admin):
    """+19:59 is a valid offset for Python and not for PostgreSQL (±15:59): it was a 500."""
    session = ClassSessionFactory()  # 1 Sept 2026, 08:00 in Hà Nội = 01:00 UTC
    client = client_for(central_admin)

    # 1 Sept 2026 20:59+19:59 is 01:00 UTC: the session starts then.
    response = client.get("/api/v1/sessions", {"starts_from": "2026-09-01T20:59:00+19:59"})
    assert response.status_code == 200, response.content
    assert [s["id"] for s in response.json()["results"]] == [session.pk]
    response = client.get("/api/v1/sessions", {"starts_from": "2026-09-01T21:00:00+19:59"})
    assert response.json()["results"] == []


@pytest.mark.parametrize("value", [TWENTY_DIGITS, "²", "0"])
def test_an_id_or_code_that_is_no_id_matches_nothing(client_for, central_admin, value):
    for url in ("/api/v1/curricula", "/api/v1/classes", "/api/v1/learners"):
        response = client_for(central_admin).get(url, {"position": value})
        assert response.status_code == 200, (url, response.content)
        assert response.json()["results"] == []


def test_a_learners_class_filter_beyond_any_id_is_a_400(client_for, learner):
    response = client_for(learner).get("/api/v1/me/sessions", {"class": TWENTY_DIGITS})

    assert [e["field"] for e in assert_error(response, 400)["errors"]] == ["class"]


def test_ids_are_whole_numbers_within_bigint():
    assert [as_id(v) for v in ("12", " 7 ", 3, str(ID_MAX))] == [12, 7, 3, ID_MAX]
    assert [as_id(v) for v in ("0", "-1", "1.5", "²", "٣", TWENTY_DIGITS, ID_MAX + 1, True, None, "")] == [
        None
    ] * 10


def test_instants_outside_years_1_to_9999_are_refused_with_a_message():
    utc = datetime.UTC
    assert in_utc(
        datetime.datetime(
            2026, 1, 1, 19, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=19, minutes=59))
        )
    ) == datetime.datetime(2026, 1, 1, tzinfo=utc)
    with pytest.raises(ValueError, match="9999"):
        in_utc(datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=5))))


def test_a_platform_report_time_is_read_in_utc():
    assert as_local_datetime("2026-09-01T20:59:00+19:59") == datetime.datetime(
        2026, 9, 1, 1, 0, tzinfo=datetime.UTC
    )
    with pytest.raises(ValueError, match="9999"):
        as_local_datetime("0001-01-01T00:00:00+05:00")
