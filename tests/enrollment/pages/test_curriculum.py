"""A class's topics and materials in the portal (/portal/classes/{id}/curriculum/): for the people
who may read the class, the topics of the curriculum version the class follows, and its materials
with their kind, title and link; a phone at 360 px in a real headless Chromium."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from courses.models import Material, MaterialKind
from enrollment.models import EnrollmentStatus
from tests.browser import as_phone, browser_page, load, screenshot, sign_in
from tests.class_world import build_world
from tests.enrollment.pages.page_helpers import page_client, text_of
from tests.factories import CurriculumFactory, EnrollmentFactory, TopicFactory, TrainingClassFactory
from tests.roles import READS_THE_CLASS, by_role

pytestmark = pytest.mark.django_db

# Whoever reads the class (the API's rule); anonymous visitors are sent to sign in.
CURRICULUM_PAGE = {**READS_THE_CLASS, "anonymous": 302}


def with_contents(curriculum):
    TopicFactory(curriculum=curriculum, order=1, title_vi="Tổng quan về quản lý nhà nước", hours=Decimal("4"))
    TopicFactory(
        curriculum=curriculum,
        order=2,
        title_vi="Kỹ năng tiếp công dân",
        title_en="Receiving citizens",
        hours=Decimal("6.5"),
    )
    Material.objects.create(
        curriculum=curriculum,
        kind=MaterialKind.HANDBOOK,
        title="Sổ tay nghiệp vụ tư pháp – hộ tịch",
        url="https://tailieu.example.vn/so-tay.pdf",
        order=1,
    )
    Material.objects.create(curriculum=curriculum, kind=MaterialKind.DOCUMENT, title="Tài liệu in", order=2)


@by_role(CURRICULUM_PAGE)
def test_the_curriculum_page_by_role(world, user_of, role, expected):
    url = f"/portal/classes/{world.training_class.pk}/curriculum/"
    response = page_client(user_of(role)).get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == f"/login/?next={url}"
    if expected == 200:
        assert world.curriculum.title_vi in text_of(response)


def test_a_learner_who_may_only_join_the_class_is_404(world):
    url = f"/portal/classes/{world.training_class.pk}/curriculum/"
    assert page_client(world.joiner.user).get(url).status_code == 404
    assert page_client(world.learner.user).get("/portal/classes/999999/curriculum/").status_code == 404


def test_a_withdrawn_learner_still_reads_it(world):
    """As the API lets a learner read a class they were enrolled in, whatever their status."""
    world.enrollment.status = EnrollmentStatus.WITHDRAWN
    world.enrollment.save(update_fields=["status"])
    url = f"/portal/classes/{world.training_class.pk}/curriculum/"
    assert page_client(world.learner.user).get(url).status_code == 200


def test_the_topics_of_the_version_the_class_follows_and_its_materials(world):
    followed = world.curriculum
    with_contents(followed)
    newer = CurriculumFactory(code=followed.code, version=2, title_vi=followed.title_vi)
    TopicFactory(curriculum=newer, order=1, title_vi="Chuyên đề của phiên bản mới")
    Material.objects.create(curriculum=newer, kind=MaterialKind.LINK, title="Liên kết mới", order=1)
    response = page_client(world.learner.user).get(f"/portal/classes/{world.training_class.pk}/curriculum/")
    html = response.content.decode()
    text = text_of(response)
    assert "1. Tổng quan về quản lý nhà nước 4 tiết" in text
    assert "2. Kỹ năng tiếp công dân 6,5 tiết" in text  # the Vietnamese decimal comma
    assert "Chuyên đề của phiên bản mới" not in text and "Liên kết mới" not in text
    assert "Phiên bản 1" in text
    materials = re.findall(r'<li data-material="\d+">(.*?)</li>', html, re.S)
    assert len(materials) == 2
    assert "Sổ tay hướng dẫn nghiệp vụ" in materials[0]
    assert (
        '<a href="https://tailieu.example.vn/so-tay.pdf" rel="noopener noreferrer">Sổ tay nghiệp vụ tư pháp – hộ tịch</a>'
        in materials[0]
    )
    assert "Tài liệu" in materials[1] and "Tài liệu in" in materials[1] and "href" not in materials[1]
    # What only admins handle of a curriculum is not on the page.
    assert followed.search_text not in html
    assert "is_starter" not in html and followed.code not in text


def test_a_class_on_the_newer_version_shows_its_topics(world):
    newer = CurriculumFactory(code=world.curriculum.code, version=2)
    TopicFactory(curriculum=newer, order=1, title_vi="Chuyên đề của phiên bản mới")
    world.training_class.curriculum = newer
    world.training_class.save(update_fields=["curriculum"])
    text = text_of(page_client(world.trainer).get(f"/portal/classes/{world.training_class.pk}/curriculum/"))
    assert "Chuyên đề của phiên bản mới" in text and "Phiên bản 2" in text


def test_my_classes_links_to_each_classs_curriculum(world):
    html = page_client(world.learner.user).get("/portal/").content.decode()
    assert f'href="/portal/classes/{world.training_class.pk}/curriculum/"' in html


def test_the_page_in_english(world):
    with_contents(world.curriculum)
    text = text_of(
        page_client(world.learner.user, "en").get(f"/portal/classes/{world.training_class.pk}/curriculum/")
    )
    assert "Topics and materials" in text and "Receiving citizens" in text
    assert "6.5 teaching hours" in text and "Version 1" in text and "Practice handbook" in text
    for data in (
        world.learner.full_name,
        world.training_class.title,
        "Tổng quan về quản lý nhà nước",
        "Sổ tay nghiệp vụ tư pháp – hộ tịch",
        "Tài liệu in",
        "Tiếng Việt",
    ):
        text = text.replace(data, "")
    leftovers = re.findall(
        r"\w*[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]\w*", text, re.I
    )
    assert leftovers == []


@pytest.mark.parametrize("topics", [1, 30])
def test_the_page_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries, topics):
    curriculum = CurriculumFactory()
    for order in range(1, topics + 1):
        TopicFactory(curriculum=curriculum, order=order)
        Material.objects.create(curriculum=curriculum, kind=MaterialKind.LINK, title=f"L{order}", order=order)
    training_class = TrainingClassFactory(curriculum=curriculum)
    EnrollmentFactory(learner=world.learner, training_class=training_class)
    client = page_client(world.learner.user)
    with django_assert_max_num_queries(6):
        response = client.get(f"/portal/classes/{training_class.pk}/curriculum/")
    assert response.content.decode().count("data-topic=") == topics


@pytest.mark.django_db(transaction=True)
def test_the_curriculum_page_in_headless_chromium(
    live_server, capsys, province_admin, other_province_admin, central_admin
):
    """My classes → Topics and materials, at 360 px. Screenshot: test-artifacts/portal-curriculum.png."""
    world = build_world(
        province_admin=province_admin, other_province_admin=other_province_admin, central_admin=central_admin
    )
    with_contents(world.curriculum)
    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/login/")
        tools.wait_for("Page.loadEventFired")
        sign_in(tools, world.learner.national_id, "pass-1234")
        link = f"/portal/classes/{world.training_class.pk}/curriculum/"
        load(tools, f"document.querySelector('a[href=\"{link}\"]').click();")
        location = tools.evaluate("location.pathname")
        text = tools.evaluate("document.body.innerText")
        overflow = tools.evaluate("document.documentElement.scrollWidth")
        shot = screenshot(tools, "portal-curriculum.png")
    with capsys.disabled():
        print(f"\nportal screenshot: {shot}")
    assert location == link
    assert "Kỹ năng tiếp công dân" in text and "Sổ tay nghiệp vụ tư pháp – hộ tịch" in text
    assert overflow <= 360, "the curriculum page is wider than a 360 px phone"
    assert shot.stat().st_size > 5_000
