"""Pages driven in a real headless Chromium (Debian's /usr/bin/chromium) over the DevTools protocol:
the dashboard's test (tests/reporting/pages) and the portal's (tests/enrollment/pages).

Under CI (CI=true) a browser test fails, never skips, when Chromium or the websocket client is
missing (`need_chromium`); elsewhere it skips saying why. `.ci/run` installs Debian's chromium.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import UNDER_CI, stop_process

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Screenshots of the pages, kept as test artifacts.
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def need_chromium() -> None:
    """Chromium and the websocket client, or a skip (a failure under CI)."""
    need(Path(CHROMIUM).exists() or shutil.which("chromium") is not None, f"no Chromium at {CHROMIUM}")
    try:
        import websocket  # noqa: F401
    except ImportError:
        need(False, "the websocket-client package is not installed (requirements-dev.txt)")


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if UNDER_CI:
        pytest.fail(f"{reason} (CI runs the pages in a real headless Chromium)")
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


def start_chromium(profile: str, *extra_flags: str) -> tuple[subprocess.Popen, int]:
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


def page_websocket(port: int) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:  # noqa: S310 - local
            targets = json.load(answer)
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.2)
    raise TimeoutError("no page target in chromium")


@contextmanager
def browser_page(*, base_url: str, session: str | None = None, language: str = "vi"):
    """A page of a fresh headless Chromium asking for `language`, signed in on `base_url` with the
    session cookie `session` if given; the browser is stopped on the way out."""
    need_chromium()
    # Chromium's helper processes may still write to the profile as the browser exits: a leftover
    # file there is no failure of the page.
    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as profile:
        process, port = start_chromium(profile)
        try:
            tools = DevTools(page_websocket(port))
            try:
                tools.call("Network.enable")
                tools.call("Network.setExtraHTTPHeaders", headers={"Accept-Language": language})
                if session is not None:
                    tools.call(
                        "Network.setCookie", name="sessionid", value=session, url=base_url, httpOnly=True
                    )
                tools.call("Page.enable")
                yield tools
            finally:
                tools.close()
        finally:
            stop_process(process, timeout=10)


def as_phone(tools: DevTools) -> None:
    """Render the page as a 360 px wide phone does."""
    tools.call("Emulation.setDeviceMetricsOverride", width=360, height=740, deviceScaleFactor=1, mobile=True)


def load(tools: DevTools, action: str) -> None:
    """Run `action` (JavaScript that leaves the page: a click, a form's submit) and wait for the next page."""
    tools.evaluate(action)
    tools.wait_for("Page.loadEventFired")


def sign_in(tools: DevTools, username: str, password: str) -> None:
    """Fill and send the sign-in form of the page shown (/login/)."""
    load(
        tools,
        f"document.querySelector('#id_username').value = '{username}';"
        f"document.querySelector('#id_password').value = '{password}';"
        "document.querySelector('form[action=\"/login/\"]').submit();",
    )


def screenshot(tools: DevTools, filename: str) -> Path:
    """The whole page as a PNG in test-artifacts/, kept as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    path = ARTIFACTS / filename
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
