"""Production defaults that fit an LMS iframe (issue #10, item 6): framing, HSTS, Referer, access log, ltik lifetime."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from itsdangerous import TimestampSigner

from lti_tool.assessment.crypto import MasterKeyring
from lti_tool.extensions import db
from lti_tool.lti.keys import KeyRing
from lti_tool.lti.registration import add_platform
from support import drop_app, make_app

ROOT = Path(__file__).resolve().parent.parent


def _register(app, login_url="https://moodle.example.org/mod/lti/auth.php", service_hosts=None):
    with app.app_context():
        add_platform(name="M", issuer="https://moodle.example.org", client_id="c1", auth_login_url=login_url,
                     auth_token_url="https://moodle.example.org/mod/lti/token.php",
                     key_set_url="https://moodle.example.org/mod/lti/certs.php", deployment_ids=["1"],
                     service_hosts=service_hosts)
        db.session.commit()
        app.extensions["r2com"]["platforms"].invalidate()


@pytest.fixture
def production_app(tmp_path):
    KeyRing(str(tmp_path / "keys")).load().create_key()
    MasterKeyring(tmp_path / "keys", may_create=True).load()
    app = make_app(tmp_path, ENV="production", BASE_URL="https://tool.example.org", DEV_PLATFORM=False)
    yield app
    drop_app(app)


def _frame_ancestors(resp) -> list[str]:
    csp = resp.headers["Content-Security-Policy"]
    return re.search(r"frame-ancestors ([^;]+)", csp).group(1).split()


def test_frame_ancestors_are_the_platform_of_the_request_in_production(production_app):
    """A page may be framed by the tool and by the platform it belongs to: never by any origin, never by another
    NGO's platform, and without listing every registration (the header stays short as platforms grow)."""
    client = production_app.test_client()
    assert _frame_ancestors(client.get("/", base_url="https://tool.example.org")) == ["'self'"]
    _register(production_app, service_hosts=["school.instructure.com"])
    with production_app.app_context():
        other = add_platform(name="Other NGO", issuer="https://other.example.net", client_id="c2",
                             auth_login_url="https://other.example.net/auth",
                             auth_token_url="https://other.example.net/token",
                             key_set_url="https://other.example.net/jwks", deployment_ids=["1"])
        other.deployments[0].active = False
        db.session.commit()
        production_app.extensions["r2com"]["platforms"].invalidate()
    assert _frame_ancestors(client.get("/", base_url="https://tool.example.org")) == ["'self'"]  # no platform known
    login = client.get("/lti/login", base_url="https://tool.example.org", query_string={
        "iss": "https://moodle.example.org", "login_hint": "1", "client_id": "c1",
        "target_link_uri": "https://tool.example.org/lti/launch"})
    ancestors = _frame_ancestors(login)
    assert ancestors == ["'self'", "https://moodle.example.org", "https://school.instructure.com"]
    assert "*" not in ancestors and "https://other.example.net" not in ancestors
    refused = client.get("/lti/login", base_url="https://tool.example.org", query_string={
        "iss": "https://other.example.net", "login_hint": "1", "client_id": "c2", "lti_deployment_id": "1",
        "target_link_uri": "https://tool.example.org/lti/launch"})  # an error page, shown in that platform's frame
    assert refused.status_code == 403 and _frame_ancestors(refused) == ["'self'", "https://other.example.net"]


def test_extra_frame_ancestors_from_the_setting(tmp_path):
    app = make_app(tmp_path, FRAME_ANCESTORS=["https://portal.example.org"])
    try:
        assert _frame_ancestors(app.test_client().get("/")) == ["'self'", "https://portal.example.org"]
    finally:
        drop_app(app)


def test_hsts_only_over_https_also_on_the_fast_path(production_app):
    _register(production_app)
    client = production_app.test_client()
    assert client.get("/", base_url="https://tool.example.org").headers["Strict-Transport-Security"] == \
        "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/", base_url="http://tool.example.org").headers
    login = client.get("/lti/login", base_url="https://tool.example.org", query_string={
        "iss": "https://moodle.example.org", "login_hint": "1", "client_id": "c1",
        "target_link_uri": "https://tool.example.org/lti/launch"})
    assert login.status_code == 302  # answered by the WSGI fast path
    assert login.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert _frame_ancestors(login) == ["'self'", "https://moodle.example.org"]
    assert login.headers["Referrer-Policy"] == "no-referrer"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ltik_never_lands_in_the_access_log(tmp_path):
    port = _free_port()
    log_file = tmp_path / "access.log"
    env = dict(os.environ, LTI_TOOL_ENV="development", LTI_TOOL_DEV_PLATFORM="false", LTI_TOOL_DELIVERY_THREAD="false",
               LTI_TOOL_KEYS_DIR=str(tmp_path / "keys"), LTI_TOOL_SECRET_KEY="access-log-test-secret",
               LTI_TOOL_DATABASE_URL=f"sqlite:///{tmp_path / 'gunicorn.db'}", LTI_TOOL_BASE_URL=f"http://127.0.0.1:{port}",
               GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1", GUNICORN_ACCESS_LOG=str(log_file))
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        secret = "SESSION-TOKEN-SHOULD-NOT-BE-LOGGED"
        home = requests.get(f"http://127.0.0.1:{port}/lti/home", params={"ltik": secret}, timeout=5,
                            headers={"Referer": f"http://127.0.0.1:{port}/lti/home?ltik={secret}"})
        assert home.status_code == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    logged = log_file.read_text()
    assert '"GET /lti/home HTTP/1.1" 401' in logged, logged
    assert secret not in logged and "ltik" not in logged


def test_session_tokens_are_short_lived_and_renewed_while_active(connected, browser, monkeypatch):
    tool, platform, cid, dep = connected
    resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code == 200
    token = re.search(r"ltik=([\w.-]+)", resp.url).group(1)
    session_id = token.split(".")[0]
    lifetime = tool.app.config["R2COM"]["SESSION_TOKEN_MINUTES"] * 60

    def token_issued(seconds_ago: int) -> str:
        with tool.app.app_context():
            from lti_tool.lti import session as session_module

            signer = session_module._signer()
            monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - seconds_ago)
            old = signer.sign(session_id).decode()
            monkeypatch.undo()
            return old

    fresh_page = browser.get(tool.url + "/lti/home", params={"ltik": token})
    assert fresh_page.status_code == 200 and token in fresh_page.text  # young: kept as it is
    aging = token_issued(lifetime // 2)
    page = browser.get(tool.url + "/lti/home", params={"ltik": aging})
    assert page.status_code == 200
    assert aging not in page.text and session_id in page.text  # the page's links carry a fresh token
    expired = browser.get(tool.url + "/lti/home", params={"ltik": token_issued(lifetime + 60)})
    assert expired.status_code == 401 and "session_expired" in expired.text
