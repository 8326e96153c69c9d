"""Verifying a certificate by its printed number (with the holder's name), beside its code: the same
public fields, the same 404, and no way to walk through the numbers to list who holds one."""

import pytest
import yaml
from django.core.cache import cache
from django.core.management import call_command

from reporting.models import Certificate
from tests.api_helpers import assert_error
from tests.reporting.conftest import attend_all, enrol, make_class, recompute

pytestmark = pytest.mark.django_db

URL = "/api/v1/certificates/verify"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # the verify endpoints' rate limit counts in the default cache


@pytest.fixture
def certified(programme):
    training_class = make_class(programme=programme)
    enrollments = [enrol(training_class) for _ in range(2)]
    for enrollment in enrollments:
        attend_all(enrollment, 60)
    recompute(training_class)
    return [Certificate.objects.select_related("enrollment__learner").get(enrollment=e) for e in enrollments]


def test_a_printed_number_and_name_verify_as_the_code_does(certified, api_client):
    certificate = certified[0]
    name = certificate.enrollment.learner.full_name
    by_code = api_client.get(f"{URL}/{certificate.verification_code}")
    by_number = api_client.get(URL, {"number": certificate.number, "name": name})
    assert by_number.status_code == 200, by_number.content
    assert by_number.json() == by_code.json()
    # Typed from the paper: lower case, no diacritics, extra spaces.
    typed = api_client.get(URL, {"number": f" {certificate.number.lower()} ", "name": f"  {name.upper()} "})
    assert typed.json() == by_code.json()


@pytest.mark.parametrize("case", ["unknown number", "another holder's name", "no name", "revoked"])
def test_anything_but_a_valid_number_with_its_holders_name_is_the_same_404(certified, api_client, case):
    certificate, other = certified
    query = {"number": certificate.number, "name": certificate.enrollment.learner.full_name}
    if case == "unknown number":
        # Another last digit (a number already ending in 9 stayed itself 1 time in 10).
        last = certificate.number[-1]
        query["number"] = certificate.number[:-1] + ("0" if last == "9" else "9")
    elif case == "another holder's name":
        query["name"] = other.enrollment.learner.full_name
    elif case == "no name":
        query["name"] = ""
    else:
        Certificate.objects.filter(pk=certificate.pk).update(revoked_at=certificate.issued_at)
    response = api_client.get(URL, query)
    if case == "no name":
        assert_error(response, 400)
        assert response.json()["errors"][0]["field"] == "name"
    else:
        assert_error(response, 404)


def test_numbers_alone_do_not_list_the_holders(certified, api_client):
    """Numbers follow each other: walking through them without the names learns nothing."""
    for certificate in certified:
        for query in ({"number": certificate.number}, {"number": certificate.number, "name": "a"}):
            response = api_client.get(URL, query)
            assert response.status_code in (400, 404)
            assert certificate.enrollment.learner.full_name not in response.content.decode()
    # The number is no code: the code route does not take it either.
    assert_error(api_client.get(f"{URL}/{certified[0].number}"), 404)


def test_the_number_route_is_throttled_as_the_code_route(certified, api_client, settings):
    certificate = certified[0]
    query = {"number": certificate.number, "name": "Không Phải Ai"}
    answers = [api_client.get(URL, query).status_code for _ in range(61)]
    assert answers[:60] == [404] * 60
    assert answers[60] == 429


def test_the_number_route_is_documented(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    operation = yaml.safe_load(path.read_text(encoding="utf-8"))["paths"][URL]["get"]
    assert operation["summary"] and operation["description"]
    assert {p["name"] for p in operation["parameters"]} >= {"number", "name"}
    assert {"200", "400", "404"} <= set(operation["responses"])
