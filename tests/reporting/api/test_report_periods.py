"""Every report picks its period (the `programme` parameter); the default is the period running
today: 2026-2030 once the reference data has it (today being after the end of 2021-2025)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from courses.models import Programme
from tests.api_helpers import assert_error
from tests.reporting.api.test_reports_api import BASE, EXPORTS, export_url, get, url

pytestmark = pytest.mark.django_db

REPORTS = ["summary", "breakdown?dimension=current_province", "provinces/{tn}", "history", "gaps"]


def without_programme(world, path: str) -> str:
    path = path.format(tn=world.thai_nguyen.pk)
    return f"{BASE}/{path}"


def test_the_next_period_is_reference_data_without_official_targets(db):
    plan = Programme.objects.get(code="ke-hoach-2026-2030")
    assert (plan.period_start.isoformat(), plan.period_end.isoformat()) == ("2026-01-01", "2030-12-31")
    assert set(plan.levels) == {"central", "provincial", "elearning"}
    # No official figures were published for 2026-2030: the ministry sets them (targets API).
    assert not plan.targets.exists()


@pytest.mark.parametrize("path", REPORTS)
def test_the_default_period_is_the_running_one(world, path, client_for, central_admin):
    running = Programme.objects.get(code="ke-hoach-2026-2030")
    assert running.period_start <= timezone.localdate() <= running.period_end
    data = get(client_for(central_admin), without_programme(world, path))
    assert data["programme"]["id"] == running.pk
    if "total" in data:
        # The world's classes are of 2021-2025: none counts towards the running period.
        assert data["total"]["achieved_luot"] == 0


@pytest.mark.parametrize("path", REPORTS)
def test_an_explicit_period_is_reported(world, path, client_for, central_admin):
    data = get(client_for(central_admin), url(world, path))
    assert data["programme"]["id"] == world.programme.pk
    assert data["programme"]["period_end"] == "2025-12-31"
    if "total" in data:
        assert data["total"]["achieved_luot"] > 0


@pytest.mark.parametrize("path", REPORTS)
@pytest.mark.parametrize("value", ["2021-2025", "0", "999999"])
def test_a_bad_period_is_400_naming_the_field(world, path, value, client_for, central_admin):
    response = client_for(central_admin).get(url(world, path, programme=value))
    assert_error(response, 400)
    assert [e["field"] for e in response.json()["errors"]] == ["programme"]


@pytest.mark.parametrize("path", EXPORTS)
def test_exports_pick_their_period(world, path, client_for, central_admin):
    client = client_for(central_admin)
    explicit = client.get(export_url(world, path, "csv"))
    assert explicit.status_code == 200, explicit.content
    assert "2021" in explicit.content.decode("utf-8-sig")
    bad = client.get(export_url(world, path, "csv", programme="abc"))
    assert_error(bad, 400)
    assert [e["field"] for e in bad.json()["errors"]] == ["programme"]
    base, _, query = path.format(tn=world.thai_nguyen.pk).partition("?")
    default = client.get(f"{BASE}/{base}/export.csv{'?' + query if query else ''}")
    assert default.status_code == 200, default.content
    assert "2026" in default.content.decode("utf-8-sig")
