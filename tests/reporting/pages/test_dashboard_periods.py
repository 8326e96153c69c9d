"""The dashboard reads one period: by default the one running today (2026-2030), another picked in
its filter form, where a closed period says so."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client

from courses.models import Programme
from reporting.services.closes import programme_close
from tests.browser import as_phone, browser_page, load, screenshot
from tests.reporting.report_world import build_world, vietnamese_default


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


def dashboard(user, language="vi", **params) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get("/dashboard/", params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def option_text(html: str, programme: Programme) -> str:
    found = re.search(rf'<option value="{programme.pk}"[^>]*>([^<]*)</option>', html)
    assert found, html[:2000]
    return found.group(1)


def test_the_default_period_is_the_running_one(world, central_admin):
    html = dashboard(central_admin)
    assert "01/01/2026 – 31/12/2030" in html
    assert "01/01/2021 – 31/12/2025" not in html


def test_a_closed_period_says_so_in_the_picker(world, central_admin):
    programme_close(programme=world.programme, closed_on=datetime.date(2025, 12, 31), closed_by=central_admin)
    running = Programme.objects.get(code="ke-hoach-2026-2030")
    html = dashboard(central_admin)
    assert option_text(html, world.programme).endswith("(2021-2025), đã khóa sổ 31/12/2025")
    assert "khóa sổ" not in option_text(html, running)
    english = dashboard(central_admin, language="en")
    assert option_text(english, world.programme).endswith("(2021-2025), closed as of 31/12/2025")


@pytest.mark.django_db(transaction=True)
def test_picking_the_closed_period_on_a_phone(live_server, central_admin):
    world = build_world()
    programme_close(programme=world.programme, closed_on=datetime.date(2025, 12, 31), closed_by=central_admin)
    client = Client()
    client.force_login(central_admin)
    with browser_page(base_url=live_server.url, session=client.cookies["sessionid"].value) as tools:
        as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/dashboard/")
        tools.wait_for("Page.loadEventFired")
        before = tools.evaluate("document.body.innerText")
        load(
            tools,
            f"document.querySelector('#id_programme').value = '{world.programme.pk}';"
            "document.querySelector('#filters').submit();",
        )
        after = tools.evaluate("document.body.innerText")
        picked = tools.evaluate("document.querySelector('#id_programme').selectedOptions[0].textContent")
        # The picker, its longest label included, fits the phone's width (the figures tables
        # scroll sideways, as they always did).
        picker_right = tools.evaluate("document.querySelector('#id_programme').getBoundingClientRect().right")
        shot = screenshot(tools, "dashboard-period-closed.png")
    assert "01/01/2026 – 31/12/2030" in before
    assert "01/01/2021 – 31/12/2025" in after
    assert re.search(r"\b6\s*/\s*60 lượt", after), after[:800]
    assert picked.endswith("đã khóa sổ 31/12/2025")
    assert picker_right <= 360
    assert shot.stat().st_size > 10_000
