"""The admins' dashboard: access, figures and filters through Django's test client, and the page
as a real headless Chromium renders it (a live server, a session cookie set over the DevTools
protocol, the page's text read back and a screenshot kept in test-artifacts/dashboard.png).

Under CI (CI=true) the browser test fails, never skips, when Chromium or the websocket client is
missing; elsewhere it skips saying why. `.ci/run` installs Debian's chromium when it is missing.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

from courses.models import Level
from tests.conftest import UNDER_CI, stop_process
from tests.reporting.report_world import build_world, vietnamese_default
from tests.roles import by_role

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


def browser_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    if user is not None:
        client.force_login(user)
    return client


def page(client, world, **params) -> str:
    params.setdefault("programme", world.programme.pk)
    response = client.get("/dashboard/", params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- access --------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(db):
    response = Client().get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/dashboard/")
    login = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/login/")
    assert login.status_code == 200
    assert "Đăng nhập" in login.content.decode()


def test_logging_in_leads_to_the_dashboard(world, central_admin):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    response = client.post("/login/", {"username": central_admin.username, "password": "pass-1234"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert "Tiến độ bồi dưỡng so với chỉ tiêu" in page(client, world)
    bad = Client().post("/login/", {"username": central_admin.username, "password": "wrong"})
    assert bad.status_code == 200


@by_role({"learner": 403, "trainer": 403})
def test_learners_and_trainers_are_refused(world, user_of, role, expected):
    response = browser_client(user_of(role)).get("/dashboard/")
    assert response.status_code == expected
    assert "Không có quyền truy cập" in response.content.decode()


# --- figures and filters -----------------------------------------------------------------------


def test_the_national_dashboard(world, central_admin):
    html = page(browser_client(central_admin), world)
    text = text_of(html)
    assert 'data-national-achieved="6"' in html
    assert "Toàn quốc" in text and "Bộ Nội vụ" in text
    assert "10,0 %" in text  # 6 of 60, Vietnamese decimal comma
    assert len(re.findall(r"data-province-bar ", html)) == 34
    assert re.search(r'data-code="01" data-achieved="3"', html)
    assert re.search(r'data-code="19" data-achieved="3"', html)
    assert re.findall(r'<g data-year="(\d+)" data-achieved="(\d+)"', html) == [
        ("2021", "0"),
        ("2022", "0"),
        ("2023", "3"),
        ("2024", "3"),
        ("2025", "0"),
    ]
    assert "403.183" in text  # the 2010-2015 baseline beside the live figures
    assert "Số liệu tính lúc" in text
    assert f"/api/v1/reports/summary/export.csv?programme={world.programme.pk}" in html
    assert "/api/v1/reports/breakdown/export.xlsx?" in html


def test_filters_by_level_and_curriculum(world, central_admin):
    client = browser_client(central_admin)
    html = page(client, world, level=Level.CENTRAL)
    assert 'data-national-achieved="3"' in html
    assert re.search(r'data-code="19" data-achieved="0"', html)
    html = page(client, world, curriculum=world.curriculum_b.pk)
    assert 'data-national-achieved="2"' in html
    assert re.search(r'data-code="19" data-achieved="2"', html)
    assert f"curriculum={world.curriculum_b.pk}" in html
    # A curriculum of no class of the programme is not a choice: the filter is ignored.
    html = page(client, world, curriculum=999999, level=Level.PROVINCIAL)
    assert 'data-national-achieved="3"' in html
    assert 'class="errors"' in html


def test_a_central_admin_picks_a_province(world, central_admin):
    html = page(browser_client(central_admin), world, province=world.thai_nguyen.pk)
    assert 'data-national-achieved="3"' in html
    assert "Sở Nội vụ tỉnh Thái Nguyên" in text_of(html)


def test_a_provincial_admin_sees_their_province(world, province_admin):
    html = page(browser_client(province_admin), world, province=world.hanoi.pk)  # ignored
    text = text_of(html)
    assert 'data-national-achieved="3"' in html
    assert "Sở Nội vụ tỉnh Thái Nguyên" in text
    # Their bars are the units their province is made of, Bắc Kạn included.
    assert len(re.findall(r"data-province-bar ", html)) == 2
    assert "Tỉnh Bắc Kạn" in text
    assert "Thành phố Hà Nội" not in text


def test_the_page_in_english(world, central_admin):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(central_admin)
    text = text_of(page(client, world))
    assert "Progress against the targets" in text
    assert "10.0 %" in text


# --- in a real browser -------------------------------------------------------------------------


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if UNDER_CI:
        pytest.fail(f"{reason} (CI runs the dashboard in a real headless Chromium)")
    pytest.skip(reason)


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, websocket_url: str):
        import websocket

        self.socket = websocket.create_connection(websocket_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, message in enumerate(self.events):
                if message.get("method") == event:
                    return self.events.pop(index)
            self.events.append(json.loads(self.socket.recv()))
        raise TimeoutError(event)

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def close(self) -> None:
        self.socket.close()


def _start_chromium(profile: str, *extra_flags: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--lang=vi",
            f"--user-data-dir={profile}",
            "--window-size=1280,1600",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            *extra_flags,
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Chromium writes the port it chose to the profile once DevTools listens.
    port_file = Path(profile) / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with code {process.returncode}")
        if port_file.exists() and port_file.read_text().strip():
            return process, int(port_file.read_text().splitlines()[0])
        time.sleep(0.1)
    process.kill()
    raise TimeoutError("chromium did not open its DevTools port within 30 s")


def _page_websocket(port: int) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:  # noqa: S310 - local
            targets = json.load(answer)
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.2)
    raise TimeoutError("no page target in chromium")


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_in_headless_chromium(live_server, central_admin, capsys):
    _need(Path(CHROMIUM).exists() or shutil.which("chromium") is not None, f"no Chromium at {CHROMIUM}")
    try:
        import websocket  # noqa: F401
    except ImportError:
        _need(False, "the websocket-client package is not installed (requirements-dev.txt)")

    world = build_world()
    client = Client()
    client.force_login(central_admin)
    session = client.cookies["sessionid"].value
    address = f"{live_server.url}/dashboard/?programme={world.programme.pk}"

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "dashboard.png"
    # Chromium's helper processes may still write to the profile as the browser exits: a leftover
    # file there is no failure of the dashboard.
    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as profile:
        process, port = _start_chromium(profile)
        try:
            tools = DevTools(_page_websocket(port))
            try:
                tools.call("Network.enable")
                tools.call("Network.setExtraHTTPHeaders", headers={"Accept-Language": "vi"})
                tools.call(
                    "Network.setCookie", name="sessionid", value=session, url=live_server.url, httpOnly=True
                )
                tools.call("Page.enable")
                tools.call("Page.navigate", url=address)
                tools.wait_for("Page.loadEventFired")
                location = tools.evaluate("location.pathname")
                text = tools.evaluate("document.body.innerText")
                bars = tools.evaluate("document.querySelectorAll('[data-province-bar]').length")
                national = tools.evaluate(
                    "document.querySelector('[data-national-achieved]').dataset.nationalAchieved"
                )
                bar_width = tools.evaluate(
                    "document.querySelector('[data-code=\"01\"] .bar-fill').getBoundingClientRect().width"
                )
                styled = tools.evaluate(
                    "getComputedStyle(document.querySelector('.bar-fill')).backgroundColor"
                )
                shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            finally:
                tools.close()
        finally:
            stop_process(process, timeout=10)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    with capsys.disabled():
        print(f"\ndashboard screenshot: {screenshot}")

    assert location == "/dashboard/", f"not signed in: landed on {location}"
    assert "Tiến độ bồi dưỡng so với chỉ tiêu" in text
    assert national == "6"
    assert re.search(r"\b6\s*/\s*60 lượt", text), text[:800]
    assert "10,0 %" in text
    assert bars == 34
    assert "Thành phố Hà Nội" in text and "Thái Nguyên" in text and "Cà Mau" in text
    assert bar_width > 0  # the CSS bars are drawn: Hà Nội's has a width
    assert styled not in ("", "rgba(0, 0, 0, 0)")  # the stylesheet was served and applied
    assert screenshot.stat().st_size > 10_000
