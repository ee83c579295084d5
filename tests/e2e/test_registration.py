"""LTI Dynamic Registration over real HTTP: invite → platform → tool → launch."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.devplatform.driver import Browser
from lti_tool.extensions import db
from lti_tool.lti.models import Platform
from support import drop_app, serve_tool


def _invite(tool, note="NGO Moodle") -> str:
    result = tool.app.test_cli_runner().invoke(args=["lti", "platform", "invite", "--note", note])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[0]


def test_registration_with_invite_then_launch(tool, platform, browser):
    invite_url = _invite(tool)
    page = browser.get(platform.base_url + "/register-tool", params={"url": invite_url})
    assert page.status_code == 200, page.text[-500:]
    assert "The tool is registered" in page.text and "org.imsglobal.lti.close" in page.text
    with tool.app.app_context():
        registered = db.session.execute(select(Platform)).scalar_one()
        assert registered.issuer == platform.issuer and registered.source == "dynamic"
        assert registered.name == "NGO Moodle"
        deployment_id = registered.deployments[0].deployment_id
        client_id = registered.client_id
    client = platform.clients[client_id]
    assert set(client.claims) == {"name", "given_name", "family_name"}  # no email asked for
    assert client.registration["https://purl.imsglobal.org/spec/lti-tool-configuration"]["domain"] == \
        tool.url.split("//")[1]
    resp = browser.launch(platform.base_url, client_id, deployment_id, user="instructor")
    assert resp.status_code == 200 and "ltik=" in resp.url


def test_invite_is_single_use(tool, platform):
    invite_url = _invite(tool)
    with Browser() as first:
        assert first.get(platform.base_url + "/register-tool", params={"url": invite_url}).status_code == 200
    with Browser() as second:
        again = second.get(platform.base_url + "/register-tool", params={"url": invite_url})
    assert again.status_code == 403 and "invite_used" in again.text


def test_unknown_invite_and_closed_open_registration(tool, platform, browser):
    bad = browser.get(platform.base_url + "/register-tool", params={"url": tool.url + "/lti/register/nope"})
    assert bad.status_code == 403 and "invalid_invite" in bad.text
    closed = browser.get(platform.base_url + "/register-tool", params={"url": tool.url + "/lti/register"})
    assert closed.status_code == 403 and "registration_closed" in closed.text
    with tool.app.app_context():
        assert db.session.execute(select(Platform)).first() is None


def test_failed_registration_gives_the_invite_back(tool, platform, browser):
    invite_url = _invite(tool)
    token = "x"  # a registration token the platform will refuse
    resp = browser.get(invite_url, params={"openid_configuration": platform.url("/.well-known/openid-configuration"),
                                           "registration_token": token})
    assert resp.status_code == 502 and "platform_refused" in resp.text
    ok = browser.get(platform.base_url + "/register-tool", params={"url": invite_url})
    assert ok.status_code == 200 and "The tool is registered" in ok.text


def test_issuer_must_match_configuration_address(tool, platform, browser):
    invite_url = _invite(tool)
    resp = browser.get(invite_url, params={"openid_configuration": tool.url + "/.well-known/jwks.json"})
    assert resp.status_code in (400, 502)
    assert "bad_platform_config" in resp.text or "issuer_mismatch" in resp.text


def test_invite_url_opened_by_a_person_explains_itself(tool, browser):
    resp = browser.get(_invite(tool))
    assert resp.status_code == 200 and "meant to be pasted into your learning platform" in resp.text


def test_private_platform_addresses_refused_in_production_mode(tmp_path, platform):
    tool = serve_tool(tmp_path, ALLOW_PRIVATE_PLATFORMS=False, OPEN_REGISTRATION=True)
    try:
        with Browser() as b:
            resp = b.get(platform.base_url + "/register-tool", params={"url": tool.url + "/lti/register"})
        assert resp.status_code == 400
        assert "insecure_url" in resp.text or "private_address" in resp.text
    finally:
        tool.stop()
        drop_app(tool.app)


@pytest.mark.parametrize("open_registration", [True])
def test_open_registration_when_enabled(tmp_path, platform, open_registration):
    tool = serve_tool(tmp_path, OPEN_REGISTRATION=open_registration)
    try:
        with Browser() as b:
            resp = b.get(platform.base_url + "/register-tool", params={"url": tool.url + "/lti/register"})
        assert resp.status_code == 200 and "The tool is registered" in resp.text
    finally:
        tool.stop()
        drop_app(tool.app)
