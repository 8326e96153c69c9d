"""The API documentation pages (/api/docs/ Swagger UI, /api/redoc/ ReDoc) load nothing from outside
the site: their scripts and styles are our static files (drf-spectacular-sidecar), gathered by
collectstatic for production, and a browser that can reach no other host renders the operations.

Under CI (CI=true) the browser test fails, never skips, when Chromium or the websocket client is
missing; elsewhere it skips saying why.
"""

from __future__ import annotations

import re
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client, override_settings

from tests.browser import DevTools, need_chromium, page_websocket, start_chromium
from tests.conftest import stop_process

DOCUMENTATION_PAGES = ["/api/docs/", "/api/redoc/"]


class _References(HTMLParser):
    """Every address the page makes the browser fetch: scripts, stylesheets, icons, preconnects."""

    def __init__(self):
        super().__init__()
        self.addresses: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.addresses.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.addresses.append(attributes["href"])


def referenced_addresses(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.addresses


def documentation_page(path: str) -> str:
    response = Client().get(path)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


@pytest.mark.parametrize("path", DOCUMENTATION_PAGES)
def test_the_documentation_pages_reference_only_our_static_files(db, path):
    html = documentation_page(path)
    addresses = referenced_addresses(html)
    scripts = [a for a in addresses if a.endswith(".js")]
    assert scripts, f"{path} loads no script: {addresses}"
    for address in addresses:
        assert address.startswith("/static/"), f"{path} loads {address} from outside the site"
    # Nor does any inline script or style name another host to fetch from.
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html), html[:2000]
    assert "fonts.googleapis.com" not in html and "cdn.jsdelivr.net" not in html


@pytest.mark.parametrize("path", DOCUMENTATION_PAGES)
def test_the_scripts_the_pages_name_are_found_and_served(db, path, live_server):
    """What the page names exists among the static files, and the live server hands it out whole."""
    import urllib.request

    for address in referenced_addresses(documentation_page(path)):
        relative = address.removeprefix("/static/")
        found = finders.find(relative)
        assert found, f"{address} is no static file"
        with urllib.request.urlopen(f"{live_server.url}{address}", timeout=10) as answer:  # noqa: S310 - local
            served = answer.read()
        assert served == Path(found).read_bytes()
        if address.endswith(".js"):
            assert len(served) > 100_000  # the real bundle, not a placeholder


def test_collectstatic_gathers_the_documentation_scripts_for_production(tmp_path):
    """Production serves STATIC_ROOT from the web server in front of gunicorn (README): the bundles
    must be among what collectstatic writes there."""
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)
    sidecar = tmp_path / "drf_spectacular_sidecar"
    assert (sidecar / "swagger-ui-dist" / "swagger-ui-bundle.js").stat().st_size > 100_000
    assert (sidecar / "swagger-ui-dist" / "swagger-ui.css").stat().st_size > 10_000
    assert (sidecar / "redoc" / "bundles" / "redoc.standalone.js").stat().st_size > 100_000


# --- in a real browser that can reach no other host ------------------------------------------------


def _poll(tools: DevTools, expression: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    value = tools.evaluate(expression)
    while not value and time.monotonic() < deadline:
        time.sleep(0.25)
        value = tools.evaluate(expression)
    return value


@pytest.mark.django_db(transaction=True)
def test_the_documentation_renders_offline_in_headless_chromium(live_server):
    need_chromium()

    # No name resolves but the live server's: any CDN the pages still used would fail to load.
    offline = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
    with tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True) as profile:
        process, port = start_chromium(profile, offline)
        try:
            tools = DevTools(page_websocket(port))
            try:
                tools.call("Network.enable")
                tools.call("Page.enable")

                tools.call("Page.navigate", url=f"{live_server.url}/api/docs/")
                tools.wait_for("Page.loadEventFired")
                swagger_operations = _poll(tools, "document.querySelectorAll('.opblock').length")
                swagger_text = tools.evaluate("document.body.innerText")

                tools.call("Page.navigate", url=f"{live_server.url}/api/redoc/")
                tools.wait_for("Page.loadEventFired")
                redoc_operations = _poll(
                    tools, "document.querySelectorAll('[data-section-id^=\"operation/\"]').length"
                )
                redoc_text = tools.evaluate("document.body.innerText")
                requested = {
                    event["params"]["requestId"]: event["params"]["request"]["url"]
                    for event in tools.events
                    if event.get("method") == "Network.requestWillBeSent"
                }
                blocked = {
                    event["params"]["requestId"]: event["params"].get("blockedReason")
                    for event in tools.events
                    if event.get("method") == "Network.loadingFailed"
                }
            finally:
                tools.close()
        finally:
            stop_process(process, timeout=10)

    assert swagger_operations and swagger_operations > 20, swagger_text[:800]
    assert "/api/v1/classes/" in swagger_text
    assert redoc_operations and redoc_operations > 20, redoc_text[:800]
    assert "Bồi dưỡng cán bộ, công chức cấp xã" in redoc_text
    # ReDoc's logo from its CDN is stopped by the page's Content-Security-Policy before any request.
    outside = {
        url: blocked.get(request)
        for request, url in requested.items()
        if not url.startswith((live_server.url, "data:", "blob:"))
    }
    assert all(reason == "csp" for reason in outside.values()), f"fetched from outside the site: {outside}"
    assert any(url.endswith("swagger-ui-bundle.js") for url in requested.values())
