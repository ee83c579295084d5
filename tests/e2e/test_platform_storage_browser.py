"""Canvas's platform storage in a real browser, with the tool's cookie not sent in the frame: the binding goes through
``lti.put_data``/``lti.get_data`` and the tool's own page posts it back with its proof header.

A stand-in for Canvas's outer page (on its own origin, which is also the platform's OIDC origin, as on
Canvas) answers the storage messages and frames the development platform's launch.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from hostile_servers import HostileServer
from lti_tool.extensions import db
from lti_tool.lti.models import Platform
from support import connect

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

OUTER_PAGE = """<!doctype html><html><head><title>Course</title></head><body>
<iframe name="post_message_forwarding" src="/forwarder" hidden></iframe>
<iframe id="tool" style="width:800px;height:600px" src="%s"></iframe>
</body></html>"""

#: Canvas's hidden frame on the OIDC origin that keeps values for tools (lti.put_data / lti.get_data).
FORWARDER_PAGE = b"""<!doctype html><html><body><script>
var store = {}; window.storageLog = [];
window.addEventListener("message", function (ev) {
  var d = ev.data || {};
  if (d.subject === "lti.put_data") {
    store[d.key] = d.value; window.storageLog.push("put");
    ev.source.postMessage({subject: "lti.put_data.response", message_id: d.message_id, key: d.key, value: d.value}, ev.origin);
  } else if (d.subject === "lti.get_data") {
    window.storageLog.push("get");
    ev.source.postMessage({subject: "lti.get_data.response", message_id: d.message_id, key: d.key, value: store[d.key]}, ev.origin);
  }
});
</script></body></html>"""


def _html(body: bytes):
    def route(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return route


def test_platform_storage_launch_in_a_browser_without_cookies(tool, platform):
    cid, deps = connect(tool, platform, canvas_mode=True)
    outer = HostileServer("127.0.0.1")
    # The course page is on another site than the tool ("localhost" against "127.0.0.1"), so the browser
    # does not send the tool's (SameSite=Lax) login cookie inside the frame: as in an LMS with cookies blocked.
    outer_url = lambda path: f"http://localhost:{outer.port}{path}"  # noqa: E731
    try:
        def to_platform_auth(h):  # the OIDC endpoint on the outer origin hands over to the platform's
            h.send_response(302)
            h.send_header("Location", platform.url("/auth") + "?" + h.path.split("?", 1)[1])
            h.send_header("Content-Length", "0")
            h.end_headers()
        outer.routes["/auth"] = to_platform_auth
        launch = f"{platform.base_url}/launch?client_id={cid}&deployment_id={deps[0]}&course=course-101&user=learner"
        outer.routes["/course"] = _html((OUTER_PAGE % launch).encode())
        outer.routes["/forwarder"] = _html(FORWARDER_PAGE)
        with tool.app.app_context():
            row = db.session.execute(select(Platform)).scalar_one()
            row.auth_login_url = outer_url("/auth")
            db.session.commit()
            tool.app.extensions["r2com"]["platforms"].invalidate()

        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                context = chromium.new_context()
                seen = []
                context.on("request", lambda r: seen.append((r.method, r.url, r.headers.get("x-r2com-storage-proof"))))
                page = context.new_page()
                console = []
                page.on("console", lambda m: console.append(m.text))
                page.on("pageerror", lambda e: console.append(str(e)))
                page.goto(outer_url("/course"))
                deadline = time.monotonic() + 20
                home = None
                while time.monotonic() < deadline and home is None:
                    home = next((f for f in page.frames if "/lti/home?ltik=" in f.url), None)
                    page.wait_for_timeout(100)
                assert home is not None, console + [f.url for f in page.frames] + [s[1] for s in seen]
                home.wait_for_load_state()
                assert "ltik=" in home.url
                forwarder = next(f for f in page.frames if f.url.endswith("/forwarder"))
                assert forwarder.evaluate("window.storageLog") == ["put", "get"]
                proofs = [s for s in seen if s[0] == "POST" and s[1].endswith("/lti/launch") and s[2]]
                assert len(proofs) == 1  # the binding came back through the page's own request
            finally:
                chromium.close()
    finally:
        outer.close()
