"""The report cache as the admins see it: a report read again is served from the cache, yet shows
new figures as soon as they are aggregated or a generation is published, never another scope's
answer, in the language asked for; and only to an account that may read it now, whatever cached
answer there is."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from courses.core.errors import CacheUnavailable
from courses.core.tokens import AccessToken
from courses.models import Level, Role, User
from reporting.services.rebuilds import province_progress_rebuild
from reporting.services.rollups import (
    rollup_generation_publish,
    rollup_generation_start,
    rollup_province_refresh,
    rollup_targets_refresh,
)
from tests.api_helpers import assert_error
from tests.factories import UserFactory
from tests.redis_server import unreachable_cache
from tests.reporting.conftest import attend_all, enrol, make_class, province, recompute
from tests.reporting.report_world import completed, vietnamese_default
from tests.roles import client_as

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reports"


def summary(client, world, **params):
    response = client.get(f"{BASE}/summary", {"programme": world.programme.pk, **params})
    assert response.status_code == 200, response.content
    return response.json()


def queries(client, address, **headers) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(address, **headers)
    return len(context.captured_queries), response


def jwt_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def test_a_report_read_again_is_served_from_the_cache(world, client_for, central_admin):
    client = client_for(central_admin)
    address = f"{BASE}/provinces/{world.thai_nguyen.pk}?programme={world.programme.pk}"
    computed, first = queries(client, address)
    cached, again = queries(client, address)
    assert computed >= 3 and cached == 0
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"


def test_attendance_aggregated_shows_in_a_cached_summary(world, client_for, central_admin):
    client = client_for(central_admin)
    before = summary(client, world)["total"]
    assert summary(client, world)["total"] == before  # now from the cache

    extra = make_class(programme=world.programme, province=world.hanoi, level=Level.PROVINCIAL)
    learners = [enrol(extra) for _ in range(4)]
    for enrollment in learners:
        attend_all(enrollment, 60)
    # Recorded but not aggregated yet: the rollup rows, and so the report, are unchanged.
    assert summary(client, world)["total"]["achieved_luot"] == before["achieved_luot"]

    recompute(extra)
    after = summary(client, world)["total"]
    assert after["achieved_luot"] == before["achieved_luot"] + 4
    assert after["enrolled"] == before["enrolled"] + 4
    hanoi = client.get(f"{BASE}/provinces/{world.hanoi.pk}", {"programme": world.programme.pk}).json()
    assert hanoi["total"]["achieved_luot"] == 3 + 4


def test_a_generation_published_shows_in_a_cached_summary(world, client_for, central_admin):
    client = client_for(central_admin)
    before = summary(client, world)["total"]["achieved_luot"]
    completed(make_class(programme=world.programme, province=world.thai_nguyen), 2)
    generation = rollup_generation_start()
    for province_id in (world.hanoi.pk, world.thai_nguyen.pk):
        province_progress_rebuild(province_id=province_id, generation_id=generation.pk)
        assert summary(client, world)["total"]["achieved_luot"] == before  # still the live one
    rollup_generation_publish(generation_id=generation.pk)
    assert summary(client, world)["total"]["achieved_luot"] == before + 2


def test_a_target_changed_shows_in_a_cached_summary(world, client_for, central_admin):
    client = client_for(central_admin)
    assert summary(client, world)["total"]["target_luot"] == 60
    target = world.programme.targets.get(level=Level.CENTRAL, province=None)
    target.target_luot = 40
    target.save()
    rollup_targets_refresh()
    assert summary(client, world)["total"]["target_luot"] == 80


def test_a_programme_renamed_shows_in_a_cached_summary(world, client_for, central_admin):
    client = client_for(central_admin)
    summary(client, world)
    world.programme.title_vi = "Tên mới của kế hoạch"
    world.programme.save()
    assert summary(client, world)["programme"]["title"] == "Tên mới của kế hoạch"


@pytest.mark.parametrize("signed_in", ["forced", "jwt"])
def test_a_provincial_admin_never_gets_the_nation_or_another_province(
    world, client_for, central_admin, province_admin, other_province_admin, signed_in
):
    # A cached answer is keyed by the reader's scope: one admin's is never another's.
    make = jwt_client if signed_in == "jwt" else client_for
    central, own, other = (make(u) for u in (central_admin, province_admin, other_province_admin))
    national = summary(central, world)
    assert national["scope"]["kind"] == "national" and national["total"]["achieved_luot"] == 6
    mine = summary(own, world)
    assert mine["scope"]["province"]["id"] == world.thai_nguyen.pk
    assert mine["total"]["achieved_luot"] == 3
    theirs = summary(other, world)
    assert theirs["scope"]["province"]["id"] == world.hanoi.pk

    # The central admin's answer for Thái Nguyên is cached; Hà Nội's admin asking for it is refused.
    asked = {"programme": world.programme.pk, "province": world.thai_nguyen.pk}
    assert central.get(f"{BASE}/summary", asked).status_code == 200
    for _ in range(2):
        assert_error(other.get(f"{BASE}/summary", asked), 403, "permission_denied")
    detail = f"{BASE}/provinces/{world.thai_nguyen.pk}?programme={world.programme.pk}"
    assert central.get(detail).status_code == 200
    assert own.get(detail).status_code == 200
    for _ in range(2):
        assert_error(other.get(detail), 404, "not_found")
    for path in ("breakdown?dimension=gender", "history"):
        address = f"{BASE}/{path}{'&' if '?' in path else '?'}programme={world.programme.pk}"
        assert central.get(address).json()["scope"]["kind"] == "national"
        assert own.get(address).json()["scope"]["province"]["id"] == world.thai_nguyen.pk
        assert other.get(address).json()["scope"]["province"]["id"] == world.hanoi.pk


def test_the_answer_is_in_the_language_asked_for(world, client_for, central_admin):
    client = client_for(central_admin)
    with vietnamese_default():
        vi = client.get(
            f"{BASE}/summary", {"programme": world.programme.pk}, HTTP_ACCEPT_LANGUAGE="vi"
        ).json()
        en = client.get(
            f"{BASE}/summary", {"programme": world.programme.pk}, HTTP_ACCEPT_LANGUAGE="en"
        ).json()
        vi_again = client.get(
            f"{BASE}/summary", {"programme": world.programme.pk}, HTTP_ACCEPT_LANGUAGE="vi"
        ).json()
    assert vi["scope"]["name"] == "Toàn quốc" and vi["total"]["label"] == "Tất cả các cấp"
    assert en["scope"]["name"] == "National" and en["total"]["label"] == "All levels"
    assert vi_again == vi


def test_without_a_reachable_cache_reports_are_answered_and_rollups_not_written(
    world, client_for, central_admin
):
    unreachable = unreachable_cache()
    client = client_for(central_admin)
    extra = make_class(programme=world.programme, province=world.hanoi, level=Level.PROVINCIAL)
    completed(extra, 1)
    before = summary(client, world)["total"]["achieved_luot"]
    with override_settings(CACHES=unreachable):
        assert summary(client, world)["total"]["achieved_luot"] == before == 6
        # Rows written while no cached answer could be invalidated would let one be served stale.
        with pytest.raises(CacheUnavailable):  # its task is retried (reporting.tasks)
            rollup_province_refresh(province_id=world.hanoi.pk)
        assert summary(client, world)["total"]["achieved_luot"] == 6
    recompute(extra)
    assert summary(client, world)["total"]["achieved_luot"] == 7


@pytest.mark.parametrize("shown", ["programme", "curriculum_a"])
@pytest.mark.django_db(transaction=True)
def test_a_change_through_the_api_while_the_cache_is_unreachable_is_refused_whole(
    world, client_for, central_admin, shown
):
    """Committed without replacing the version, the change would leave the answers computed before
    it, which Redis may still hold when it answers again: refused with a 503, nothing saved."""
    client = client_for(central_admin)
    instance = getattr(world, shown)
    title = instance.title_vi
    address = {"programme": "/api/v1/programmes", "curriculum_a": "/api/v1/curricula"}[shown]
    with override_settings(CACHES=unreachable_cache()):
        response = client.patch(f"{address}/{instance.pk}", {"title_vi": "Tên mới"}, format="json")
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "unavailable"
    instance.refresh_from_db()
    assert instance.title_vi == title


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_while_the_cache_is_unreachable_is_never_hidden_by_an_old_answer(
    world, client_for, central_admin
):
    """A change saved outside a transaction has committed before the cache is asked: it stands,
    and when Redis answers again (still holding the answers computed before it) none is served."""
    client = client_for(central_admin)
    assert summary(client, world)["programme"]["title"] == world.programme.title_vi  # now cached
    with override_settings(CACHES=unreachable_cache()):
        world.programme.title_vi = "Tên mới của kế hoạch"
        world.programme.save()  # no error: committed
    assert summary(client, world)["programme"]["title"] == "Tên mới của kế hoạch"


# --- every request authenticated against the account as it is now --------------------------------


def test_a_cached_answer_is_served_after_the_account_is_read(world):
    admin = UserFactory(role=Role.CENTRAL_ADMIN)
    client = jwt_client(admin)
    address = f"{BASE}/summary?programme={world.programme.pk}"
    computed = client.get(address)
    with CaptureQueriesContext(connection) as context:
        cached = client.get(address)
    assert (computed.status_code, cached.status_code) == (200, 200)
    assert cached.content == computed.content
    # The one query: the account, read on every request (courses.core.authentication).
    assert len(context.captured_queries) == 1
    assert 'FROM "courses_user"' in context.captured_queries[0]["sql"]
    for header in ("Content-Type", "Vary", "Allow", "Content-Language", "X-Frame-Options"):
        assert cached.get(header) == computed.get(header), header
    # Asked for another media type, or for a format, the answer is still negotiated.
    page = client.get(address, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert client.get(f"{address}&format=json").content == computed.content
    assert_error(client.get(address, HTTP_ACCEPT="text/csv"), 406, "not_acceptable")


def test_an_admin_deactivated_by_a_queryset_update_gets_no_cached_answer(world):
    admin = UserFactory(role=Role.CENTRAL_ADMIN)
    client = jwt_client(admin)
    assert summary(client, world)["scope"]["kind"] == "national"
    assert summary(client, world)["scope"]["kind"] == "national"  # the answer is cached
    User.objects.filter(pk=admin.pk).update(is_active=False)
    assert_error(client.get(f"{BASE}/summary", {"programme": world.programme.pk}), 401, "not_authenticated")


def test_a_role_or_province_changed_by_a_queryset_update_applies_to_the_next_report(world):
    admin = UserFactory(role=Role.CENTRAL_ADMIN)
    client = jwt_client(admin)
    assert summary(client, world)["scope"]["kind"] == "national"
    assert summary(client, world)["scope"]["kind"] == "national"

    User.objects.filter(pk=admin.pk).update(role=Role.PROVINCE_ADMIN, province=world.thai_nguyen)
    assert summary(client, world)["scope"]["province"]["id"] == world.thai_nguyen.pk
    User.objects.filter(pk=admin.pk).update(province=world.hanoi)
    assert summary(client, world)["scope"]["province"]["id"] == world.hanoi.pk
    User.objects.filter(pk=admin.pk).update(role=Role.LEARNER)
    assert_error(client.get(f"{BASE}/summary"), 403, "permission_denied")


def test_an_admin_saved_with_a_new_role_or_deleted_is_refused_the_cached_answer(world):
    admin = UserFactory(role=Role.CENTRAL_ADMIN)
    client = jwt_client(admin)
    assert summary(client, world)["scope"]["kind"] == "national"
    admin.role = Role.PROVINCE_ADMIN
    admin.province = world.thai_nguyen
    admin.save()  # a new token generation: the old token has ended
    assert_error(client.get(f"{BASE}/summary"), 401, "not_authenticated")

    client = jwt_client(admin)
    assert summary(client, world)["scope"]["province"]["id"] == world.thai_nguyen.pk
    admin.delete()
    assert_error(client.get(f"{BASE}/summary"), 401, "not_authenticated")


def test_an_expired_token_is_refused_though_its_answer_is_cached(world, monkeypatch):
    import datetime

    from rest_framework_simplejwt import tokens, utils

    admin = UserFactory(role=Role.CENTRAL_ADMIN)
    client = jwt_client(admin)
    assert summary(client, world)["scope"]["kind"] == "national"
    assert summary(client, world)["scope"]["kind"] == "national"
    later = utils.aware_utcnow() + datetime.timedelta(days=1)
    monkeypatch.setattr(utils, "aware_utcnow", lambda: later)
    monkeypatch.setattr(tokens, "aware_utcnow", lambda: later)
    assert_error(client.get(f"{BASE}/summary"), 401)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_aggregating_attendance_refreshes_the_cached_summary(celery_worker, programme):
    """The worker's writes reach the web process's cache (Redis, shared)."""
    training_class = make_class(programme=programme, province=province("19"))
    learners = [enrol(training_class) for _ in range(2)]
    sessions = list(training_class.sessions.order_by("starts_at"))
    client = jwt_client(UserFactory(role=Role.CENTRAL_ADMIN))
    address = f"{BASE}/summary?programme={programme.pk}"
    before = client.get(address).json()["total"]["achieved_luot"]
    assert client.get(address).json()["total"]["achieved_luot"] == before  # cached

    records = [
        {"session": s.pk, "enrollment": e.pk, "status": "present", "minutes": 60}
        for e in learners
        for s in sessions
    ]
    poster = client_as(UserFactory(role=Role.CENTRAL_ADMIN))
    assert poster.post("/api/v1/attendance/bulk", {"records": records}, format="json").status_code == 200
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        if client.get(address).json()["total"]["achieved_luot"] == before + 2:
            return
        time.sleep(0.2)
    raise AssertionError("the cached summary never showed the aggregated attendance")
