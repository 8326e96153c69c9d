"""A learner's own training hours by year on My classes (/portal/): the same rule and SQL as the
admins' report (enrollment.selectors.training_hours), from classes completed as the aggregation
decided."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from courses.models import ClassStatus
from reporting.services.rebuilds import progress_rebuild
from tests.browser import as_phone, browser_page, screenshot, sign_in
from tests.enrollment.pages.page_helpers import page_client, text_of
from tests.factories import CurriculumFactory, LearnerFactory, TopicFactory
from tests.reporting.conftest import attend_all, enrol, make_class, province

pytestmark = pytest.mark.django_db


def curriculum(*hours):
    made = CurriculumFactory()
    for order, value in enumerate(hours, start=1):
        TopicFactory(curriculum=made, order=order, hours=Decimal(value))
    return made


def build_learner():
    """Two classes completed in 2024 (24 + 20 periods), one missed (30), one running; one completed
    in 2023 (24)."""
    thai_nguyen = province("19")
    a, b, c = curriculum("16", "8"), curriculum("20"), curriculum("30")
    learner = LearnerFactory(full_name="Nguyễn Văn An", province=thai_nguyen)
    learner.user.set_password("pass-1234")
    learner.user.save(update_fields=["password"])
    for training_class in (
        make_class(province=thai_nguyen, curriculum=a, start=datetime.date(2024, 3, 4)),
        make_class(province=thai_nguyen, curriculum=b, start=datetime.date(2024, 11, 4)),
        make_class(province=thai_nguyen, curriculum=a, start=datetime.date(2023, 5, 2)),
    ):
        attend_all(enrol(training_class, learner=learner), 60)
    attend_all(enrol(make_class(province=thai_nguyen, curriculum=c), learner=learner), 20)
    running = make_class(
        province=thai_nguyen, curriculum=b, start=datetime.date(2024, 12, 2), status=ClassStatus.RUNNING
    )
    attend_all(enrol(running, learner=learner), 60)
    progress_rebuild(province_ids=[thai_nguyen.pk])
    return learner


def test_my_hours_by_year_against_the_minimum(django_assert_max_num_queries):
    learner = build_learner()
    client = page_client(learner.user)
    text = text_of(client.get("/portal/"))
    assert "Số giờ bồi dưỡng theo năm" in text
    assert "Năm 2024: 44 tiết (33 giờ), 2 lớp hoàn thành. Đã đạt mức tối thiểu 40 tiết mỗi năm." in text
    assert "Năm 2023: 24 tiết (18 giờ), 1 lớp hoàn thành. Còn thiếu 16 tiết so với mức tối thiểu 40" in text
    assert text.index("Năm 2024") < text.index("Năm 2023")

    with override_settings(TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS=50):
        english = text_of(page_client(learner.user, "en").get("/portal/"))
    assert "2024: 44 periods (33 hours), 2 classes completed. 6 periods short of the minimum of 50" in english


def test_a_learner_without_completed_classes_is_told_so():
    learner = LearnerFactory()
    text = text_of(page_client(learner.user).get("/portal/"))
    assert "Bạn chưa hoàn thành lớp nào." in text


def test_only_their_own_hours():
    learner = build_learner()
    other = LearnerFactory(province=learner.province)
    text = text_of(page_client(other.user).get("/portal/"))
    assert "44 tiết" not in text and "Bạn chưa hoàn thành lớp nào." in text
    assert "44 tiết" in text_of(page_client(learner.user).get("/portal/"))


@pytest.mark.django_db(transaction=True)
def test_my_hours_at_360_px_in_headless_chromium(live_server, capsys):
    learner = build_learner()
    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/portal/")
        tools.wait_for("Page.loadEventFired")
        sign_in(tools, learner.national_id, "pass-1234")
        tools.evaluate("document.querySelector('[data-training-hours]').scrollIntoView()")
        section = tools.evaluate("document.querySelector('[data-training-hours]').innerText")
        overflow = tools.evaluate("document.documentElement.scrollWidth")
        shot = screenshot(tools, "portal-training-hours.png")
    with capsys.disabled():
        print(f"\ntraining hours screenshot: {shot}")
    assert "Năm 2024: 44 tiết (33 giờ)" in section
    assert overflow <= 360
    assert shot.stat().st_size > 5_000
