"""AGS and NRPS URLs in a launch must be on the platform's registered hosts (issue #10, item 2).

The tool sends its access tokens to these URLs, so a token naming another host (or 169.254.169.254) is
refused at launch with a clear 400, unless an administrator listed that host for the platform.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti.models import Platform
from lti_tool.lti.tool_config import PlatformInfo, platform_hosts

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


def _claim(name, value):
    def hook(claims, headers):
        claims[name] = value
        return claims, headers
    return hook


@pytest.mark.parametrize("claim, value", [
    (AGS, {"lineitems": "https://evil.example/lineitems", "scope": [SCORE]}),
    (AGS, {"lineitem": "http://169.254.169.254/latest/meta-data", "scope": [SCORE]}),
    (NRPS, {"context_memberships_url": "https://evil.example/members", "service_versions": ["2.0"]}),
])
def test_service_url_on_a_foreign_host_is_refused(connected, browser, claim, value):
    tool, platform, cid, dep = connected
    platform.next_id_token_hook = _claim(claim, value)
    resp = browser.launch(platform.base_url, cid, dep)
    assert resp.status_code == 400 and "<code>foreign_service_url</code>" in resp.text
    assert "lti platform hosts" in resp.text  # says what an administrator can do


def test_an_administrator_can_add_a_service_host(connected, browser):
    tool, platform, cid, dep = connected
    with tool.app.app_context():
        platform_id = db.session.execute(select(Platform.id)).scalar_one()
    result = tool.app.test_cli_runner().invoke(args=["lti", "platform", "hosts", str(platform_id),
                                                     "--add", "*.school.example"])
    assert result.exit_code == 0 and "*.school.example" in result.output, result.output
    platform.next_id_token_hook = _claim(AGS, {"lineitems": "https://lms.school.example/api/lineitems",
                                              "scope": [SCORE]})
    assert browser.launch(platform.base_url, cid, dep).status_code == 200
    platform.next_id_token_hook = _claim(AGS, {"lineitems": "https://school.example.evil.example/x", "scope": []})
    assert browser.launch(platform.base_url, cid, dep).status_code == 400
    removed = tool.app.test_cli_runner().invoke(args=["lti", "platform", "hosts", str(platform_id),
                                                      "--remove", "*.school.example"])
    assert removed.exit_code == 0
    platform.next_id_token_hook = _claim(AGS, {"lineitems": "https://lms.school.example/api/lineitems", "scope": []})
    assert browser.launch(platform.base_url, cid, dep).status_code == 400


def test_dynamic_registration_records_the_configuration_host(tool, platform, browser):
    invite = tool.app.test_cli_runner().invoke(args=["lti", "platform", "invite"]).output.strip().splitlines()[0]
    assert browser.get(platform.base_url + "/register-tool", params={"url": invite}).status_code == 200
    with tool.app.app_context():
        row = db.session.execute(select(Platform)).scalar_one()
        assert row.service_hosts == "127.0.0.1"


def test_host_matching():
    info = PlatformInfo(1, "x", "https://canvas.instructure.com", "1", "https://sso.canvaslms.com/auth",
                        "https://sso.canvaslms.com/token", None, "https://sso.canvaslms.com/jwks", True, "canvas",
                        service_hosts=platform_hosts("https://sso.canvaslms.com/auth", extra="school.instructure.com"))
    assert info.serves("https://school.instructure.com/api/lti/courses/1/line_items")
    assert info.serves("https://SSO.canvaslms.com/x")
    assert not info.serves("https://other.instructure.com/api")
    assert not info.serves("https://school.instructure.com.evil.example/api")
    assert not info.serves("not a url") and not info.serves("https://[::1/x")
