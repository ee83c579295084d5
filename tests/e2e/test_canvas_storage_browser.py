"""Canvas platform storage in a real browser: the tool framed beside Canvas's forwarding frame.

The canvas profile sends ``lti_storage_target`` and frames the launch on its course page next to a
``post_message_forwarding`` frame that answers ``lti.put_data`` / ``lti.get_data``, as Canvas does.
Uses Playwright with Debian's Chromium; no browser is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from lti_tool.devplatform.server import start_platform
from support import connect

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@pytest.fixture
def chromium() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def canvas():
    """A canvas-profile platform with platform storage on, on another site than the tool.

    The tool is served at ``127.0.0.1``; the platform is addressed as ``localhost``, so the tool's frame is
    cross-site and its login cookie (``SameSite=Lax`` on plain http) is not kept, as in a real Canvas iframe.
    """
    plat, running = start_platform(profile="canvas", allow_control=True)
    plat.base_url = f"http://localhost:{running.port}"
    assert plat.platform_storage is True
    yield plat
    running.stop()


def test_launch_binds_state_through_the_forwarding_frame(tool, canvas, chromium):
    """Without the tool's cookie, the launch opens only because the forwarding frame kept the binding."""
    cid, _ = connect(tool, canvas)
    page = chromium.new_page()
    launches: list[str] = []
    page.on("request", lambda request: launches.append(request.method)
            if request.url.startswith(tool.url + "/lti/launch") else None)
    page.goto(canvas.url("/"))
    page.get_by_role("button", name="Launch as learner").first.click()
    page.wait_for_load_state()
    assert "/course-frame" in page.url
    frame = page.frame(name="tool_content")
    assert frame is not None
    try:
        frame.wait_for_url(lambda url: url.startswith(tool.url) and "ltik=" in url, timeout=15000)
    except sync_api.TimeoutError as exc:
        raise AssertionError(f"the tool frame stopped at {frame.url}: {frame.inner_text('body')[:300]}") from exc
    assert launches == ["POST", "POST"]  # the id_token post, then the check page's post with the binding
    forwarded = [entry for entry in canvas.request_log if entry.path == "/post_message_forwarding"]
    assert forwarded and forwarded[0].status == 200
    assert cid in canvas.clients
