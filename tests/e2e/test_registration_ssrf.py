"""Dynamic registration and platform requests cannot be turned against the tool's own network (issue #10, item 1).

The tool runs with production's address rules (no private addresses) except that 127.0.0.1 counts as a
public network (``PLATFORM_NETWORKS``), so the development platform and the hostile servers stand in for
sites on the internet. 127.0.0.2 plays an internal service: no test may ever reach it.
"""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select

from hostile_servers import INTERNAL_SECRET
from lti_tool.devplatform.driver import Browser
from lti_tool.extensions import db
from lti_tool.lti import registration
from lti_tool.lti.models import Platform, RegistrationInvite
from lti_tool.services.tokens import TokenError
from support import connect, drop_app, serve_tool


@pytest.fixture
def guarded_tool(tmp_path):
    tool = serve_tool(tmp_path, ALLOW_PRIVATE_PLATFORMS=False, PLATFORM_NETWORKS=["127.0.0.1/32"])
    yield tool
    tool.stop()
    drop_app(tool.app)


def _invite(tool) -> str:
    result = tool.app.test_cli_runner().invoke(args=["lti", "platform", "invite", "--note", "X"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[0]


def _platform_config(base: str, **changes: str) -> dict:
    config = {"issuer": base, "authorization_endpoint": base + "/auth", "token_endpoint": base + "/token",
              "jwks_uri": base + "/jwks", "registration_endpoint": base + "/register",
              "scopes_supported": ["openid"]}
    config.update(changes)
    return config


def _register(tool, invite_url, config_url):
    with Browser() as b:
        return b.get(invite_url, params={"openid_configuration": config_url, "registration_token": "t"})


def test_registration_still_works_under_the_production_rules(guarded_tool, platform):
    with Browser() as b:
        page = b.get(platform.base_url + "/register-tool", params={"url": _invite(guarded_tool)})
    assert page.status_code == 200 and "The tool is registered" in page.text, page.text[-500:]


def test_configuration_redirect_to_an_internal_address_is_refused(guarded_tool, hostile, internal):
    hostile.redirect("/.well-known/openid-configuration", internal.url("/secret"))
    resp = _register(guarded_tool, _invite(guarded_tool), hostile.url("/.well-known/openid-configuration"))
    assert resp.status_code == 400 and "<code>private_address</code>" in resp.text
    assert internal.hits == [] and INTERNAL_SECRET not in resp.text


def test_registration_endpoint_redirect_to_an_internal_address_is_refused(guarded_tool, hostile, internal):
    base = hostile.url("").rstrip("/")
    hostile.json("/.well-known/openid-configuration", _platform_config(base))
    hostile.redirect("/register", internal.url("/secret"), status=307)
    resp = _register(guarded_tool, _invite(guarded_tool), base + "/.well-known/openid-configuration")
    assert resp.status_code == 502 and "<code>redirect_refused</code>" in resp.text
    assert internal.hits == []
    with guarded_tool.app.app_context():
        assert db.session.execute(select(Platform)).first() is None


def test_platform_endpoints_on_internal_addresses_are_refused(guarded_tool, hostile, internal):
    base = hostile.url("").rstrip("/")
    hostile.json("/.well-known/openid-configuration",
                 _platform_config(base, registration_endpoint=internal.url("/secret")))
    resp = _register(guarded_tool, _invite(guarded_tool), base + "/.well-known/openid-configuration")
    assert resp.status_code == 400 and "<code>private_address</code>" in resp.text
    assert internal.hits == []


def test_key_set_redirect_to_an_internal_address_fails_the_launch_cleanly(guarded_tool, platform, hostile, internal):
    cid, deps = connect(guarded_tool, platform)
    hostile.redirect("/jwks", internal.url("/secret"))
    with guarded_tool.app.app_context():
        row = db.session.execute(select(Platform)).scalar_one()
        row.key_set_url = hostile.url("/jwks")
        db.session.commit()
        guarded_tool.app.extensions["r2com"]["platforms"].invalidate()
    with Browser() as b:
        resp = b.launch(platform.base_url, cid, deps[0])
    assert resp.status_code == 502 and "<code>platform_keys_unavailable</code>" in resp.text
    assert internal.hits == [] and INTERNAL_SECRET not in resp.text


def test_token_request_redirect_is_refused(guarded_tool, platform, hostile, internal):
    cid, _deps = connect(guarded_tool, platform)
    hostile.redirect("/token", internal.url("/secret"), status=307)
    ext = guarded_tool.app.extensions["r2com"]
    with guarded_tool.app.app_context():
        info = ext["platforms"].by_id(db.session.execute(select(Platform.id)).scalar_one())
    info.auth_token_url = hostile.url("/token")
    with pytest.raises(TokenError):
        ext["grade_tokens"].get(info, ["https://purl.imsglobal.org/spec/lti-ags/scope/score"])
    assert internal.hits == []


def test_remote_refusal_text_goes_to_the_log_not_the_page(guarded_tool, hostile, caplog):
    base = hostile.url("").rstrip("/")
    hostile.json("/.well-known/openid-configuration", _platform_config(base))
    hostile.json("/register", {"error": "REMOTE-SAYS-THIS"}, status=400)
    with caplog.at_level(logging.INFO):
        resp = _register(guarded_tool, _invite(guarded_tool), base + "/.well-known/openid-configuration")
    assert resp.status_code == 502 and "<code>platform_refused</code>" in resp.text
    assert "REMOTE-SAYS-THIS" not in resp.text
    assert any("REMOTE-SAYS-THIS" in r.getMessage() for r in caplog.records)


def test_50_mb_configuration_is_cut_off(guarded_tool, hostile):
    hostile.huge("/.well-known/openid-configuration", 50)
    started = time.monotonic()
    resp = _register(guarded_tool, _invite(guarded_tool), hostile.url("/.well-known/openid-configuration"))
    assert resp.status_code == 502 and "<code>platform_error</code>" in resp.text
    assert time.monotonic() - started < 5


def test_drip_fed_configuration_is_cut_off_at_the_total_time(guarded_tool, hostile, monkeypatch):
    monkeypatch.setattr(registration, "TOTAL_SECONDS", 1.5)
    hostile.drip("/.well-known/openid-configuration", every=0.2)
    started = time.monotonic()
    resp = _register(guarded_tool, _invite(guarded_tool), hostile.url("/.well-known/openid-configuration"))
    assert resp.status_code == 502 and "<code>platform_unreachable</code>" in resp.text
    assert time.monotonic() - started < 4


def test_invite_is_spent_after_repeated_failures(guarded_tool, platform, hostile, internal, caplog):
    invite_url = _invite(guarded_tool)
    hostile.redirect("/cfg", internal.url("/secret"))
    with caplog.at_level(logging.WARNING):
        for attempt in range(registration.MAX_INVITE_FAILURES):
            resp = _register(guarded_tool, invite_url, hostile.url("/cfg"))
            assert resp.status_code == 400 and "private_address" in resp.text, attempt
    failures = [r.getMessage() for r in caplog.records if "registration with invite" in r.getMessage()]
    assert len(failures) == registration.MAX_INVITE_FAILURES
    assert all("private_address" in m for m in failures) and "now spent" in failures[-1]
    # Even a good platform can no longer use it.
    with Browser() as b:
        spent = b.get(platform.base_url + "/register-tool", params={"url": invite_url})
    assert spent.status_code == 403 and "<code>invite_spent</code>" in spent.text
    with guarded_tool.app.app_context():
        invite = db.session.execute(select(RegistrationInvite)).scalar_one()
        assert invite.failed_attempts == registration.MAX_INVITE_FAILURES and invite.used_at is not None
    assert internal.hits == []


def test_a_failure_below_the_limit_gives_the_invite_back(guarded_tool, platform, hostile):
    invite_url = _invite(guarded_tool)
    hostile.json("/cfg", {"not": "a platform"})
    assert _register(guarded_tool, invite_url, hostile.url("/cfg")).status_code == 400
    with Browser() as b:
        ok = b.get(platform.base_url + "/register-tool", params={"url": invite_url})
    assert ok.status_code == 200 and "The tool is registered" in ok.text
