"""Certificates: issued once to completed enrolments, revoked and reinstated with corrections,
verified publicly with the allowed fields only; learners read their own certificates and progress."""

import re
from decimal import Decimal

import pytest
import yaml
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from courses.models import ClassStatus, Role
from enrollment.models import CompletionRule, Enrollment
from reporting.models import Certificate
from tests.factories import UserFactory
from tests.reporting.conftest import attend, attend_all, enrol, make_class, recompute
from tests.roles import ROLES, by_role

pytestmark = pytest.mark.django_db

VERIFY_FIELDS = {"learner_name", "curriculum_title", "class_code", "class_title", "completed_on", "issued_on"}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # the verify endpoint's rate limit counts in the default cache


@pytest.fixture
def finished_class(programme):
    training_class = make_class(programme=programme)
    passed = [enrol(training_class) for _ in range(2)]
    for enrollment in passed:
        attend_all(enrollment, 60)
    failed = enrol(training_class)
    attend(failed, [60])
    recompute(training_class)
    return training_class, passed, failed


def test_completed_enrolments_get_one_certificate_each(finished_class):
    training_class, passed, failed = finished_class
    certificates = list(Certificate.objects.order_by("pk"))
    assert [c.enrollment_id for c in certificates] == [e.pk for e in passed]
    year = timezone.localdate().year
    for certificate in certificates:
        assert re.fullmatch(rf"GCN-{year}-\d{{6}}", certificate.number)
        assert re.fullmatch(r"[0-9a-f]{32}", certificate.verification_code)
    assert len({c.verification_code for c in certificates}) == 2

    recompute(training_class)  # again: nothing new, nothing changed
    assert list(Certificate.objects.order_by("pk").values_list("pk", "number", "verification_code")) == [
        (c.pk, c.number, c.verification_code) for c in certificates
    ]


def test_certificate_numbers_keep_every_digit_of_ids_past_a_million(programme):
    from django.db import connection

    # The next certificates get ids of seven digits (the sequence of a long-running programme).
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('reporting_certificate', 'id'), 1234566)")
    training_class = make_class(programme=programme)
    first, second = enrol(training_class), enrol(training_class)
    attend_all(first, 60)
    attend_all(second, 60)
    recompute(training_class)
    year = timezone.localdate().year
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert numbers == [f"GCN-{year}-1234567", f"GCN-{year}-1234568"]


def test_no_certificate_before_the_class_finishes(programme):
    training_class = make_class(programme=programme, status=ClassStatus.RUNNING)
    attend_all(enrol(training_class), 60)
    recompute(training_class)
    assert not Certificate.objects.exists()


def test_a_correction_revokes_and_a_second_one_reinstates_the_same_certificate(finished_class, api_client):
    training_class, passed, _ = finished_class
    certificate = Certificate.objects.get(enrollment=passed[0])
    assert api_client.get(f"/api/v1/certificates/verify/{certificate.verification_code}").status_code == 200

    attend(passed[0], [60, 0, 0, 0, 0])  # attendance corrected: 20%
    recompute(training_class)
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    assert Enrollment.objects.get(pk=passed[0].pk).status == "not_completed"
    assert api_client.get(f"/api/v1/certificates/verify/{certificate.verification_code}").status_code == 404

    attend_all(passed[0], 60)
    recompute(training_class)
    reinstated = Certificate.objects.get(enrollment=passed[0])
    assert (reinstated.pk, reinstated.number, reinstated.verification_code) == (
        certificate.pk,
        certificate.number,
        certificate.verification_code,
    )
    assert reinstated.revoked_at is None


def test_a_stricter_rule_revokes_after_the_recompute(finished_class, programme):
    training_class, passed, _ = finished_class
    CompletionRule.objects.create(programme=programme, min_final_score=Decimal("5"))
    training_class.curriculum.has_final_assessment = True  # an assessment added, no score yet
    training_class.curriculum.save()
    recompute(training_class)
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 0


def test_verify_shows_the_allowed_fields_only(finished_class, api_client):
    training_class, passed, _ = finished_class
    learner = passed[0].learner
    certificate = Certificate.objects.get(enrollment=passed[0])

    response = api_client.get(f"/api/v1/certificates/verify/{certificate.verification_code.upper()}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == VERIFY_FIELDS
    assert body == {
        "learner_name": learner.full_name,
        "curriculum_title": training_class.curriculum.title_vi,
        "class_code": training_class.code,
        "class_title": training_class.title,
        "completed_on": training_class.end_date.isoformat(),
        "issued_on": timezone.localtime(certificate.issued_at).date().isoformat(),
    }
    text = response.content.decode()
    assert learner.national_id not in text
    assert learner.date_of_birth.isoformat() not in text


def test_verify_an_unknown_code_is_404_in_the_one_error_shape(api_client):
    response = api_client.get("/api/v1/certificates/verify/" + "0" * 32)
    assert response.status_code == 404
    assert set(response.json()) == {"status", "code", "message", "errors"}
    assert response.json()["code"] == "not_found"


@by_role(dict.fromkeys(ROLES, 200))
def test_verify_is_public_whoever_asks(finished_class, as_role, role, expected, api_client):
    _, passed, _ = finished_class
    code = Certificate.objects.get(enrollment=passed[0]).verification_code
    assert as_role(role).get(f"/api/v1/certificates/verify/{code}").status_code == expected
    # A stale or forged token is ignored rather than refused: the endpoint authenticates nobody.
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api_client.get(f"/api/v1/certificates/verify/{code}").status_code == 200
    assert api_client.post(f"/api/v1/certificates/verify/{code}").status_code == 405


def test_learners_see_their_own_certificates(finished_class, client_for, api_client):
    _, passed, failed = finished_class
    mine = client_for(passed[0].learner.user).get("/api/v1/me/certificates")
    assert mine.status_code == 200
    results = mine.json()["results"]
    assert [r["number"] for r in results] == [Certificate.objects.get(enrollment=passed[0]).number]
    assert results[0]["verify_path"] == f"/api/v1/certificates/verify/{results[0]['verification_code']}"
    assert results[0]["training_class"]["code"] == passed[0].training_class.code

    assert client_for(failed.learner.user).get("/api/v1/me/certificates").json()["results"] == []
    assert (
        client_for(UserFactory(role=Role.CENTRAL_ADMIN)).get("/api/v1/me/certificates").json()["results"]
        == []
    )
    assert api_client.get("/api/v1/me/certificates").status_code == 401


def test_learners_see_their_progress_as_counted(finished_class, client_for, api_client, programme):
    _, _, failed = finished_class
    CompletionRule.objects.create(programme=programme, min_attendance_percent=Decimal("75"))
    response = client_for(failed.learner.user).get("/api/v1/me/progress")
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["enrollment_id"], row["percent"], row["required_percent"]) == (failed.pk, "20.00", "75.00")
    assert (row["outcome"], row["counted_luot"], row["meets_rule"]) == ("not_completed", 0, False)
    assert api_client.get("/api/v1/me/progress").status_code == 401


def test_the_endpoints_are_documented(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    paths = yaml.safe_load(path.read_text(encoding="utf-8"))["paths"]
    verify = paths["/api/v1/certificates/verify/{code}"]["get"]
    assert verify["summary"] and verify["description"]
    assert "404" in verify["responses"]
    assert verify.get("security") in (None, [], [{}]) or {} in verify["security"]
    for mine in ("/api/v1/me/certificates", "/api/v1/me/progress"):
        assert "401" in paths[mine]["get"]["responses"]
