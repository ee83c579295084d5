"""DevPlatform state, keys, seeds, the home page and the server helpers."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import requests
from jwcrypto import jwk

from lti_tool.devplatform import DevPlatform, create_platform_app, serve, start_platform
from lti_tool.devplatform.constants import Role
from lti_tool.devplatform.driver import find_autosubmit_form

from .conftest import FakeTool


def test_key_is_saved_0600_and_reloaded(tmp_path: Path) -> None:
    """A key path is written with mode 0600 and gives the same kid next time."""
    path = tmp_path / "keys" / "platform.pem"
    first = DevPlatform(key_path=path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert DevPlatform(key_path=path).kid == first.kid


def test_kid_is_rfc7638_thumbprint() -> None:
    """The kid is the JWK thumbprint and the JWKS carries alg and use."""
    platform = DevPlatform()
    (key,) = platform.jwks()["keys"]
    assert key["kid"] == jwk.JWK(**key).thumbprint() == platform.kid
    assert (key["alg"], key["use"], key["kty"]) == ("RS256", "sig", "RSA")
    assert "d" not in key


def test_seeded_courses() -> None:
    """course-101 has 26 members (1 instructor, 1 TA, 24 learners); course-102 has 4."""
    platform = DevPlatform()
    roles = [role for _, role in platform.courses["course-101"].members]
    assert len(roles) == 26
    assert roles.count(Role.LEARNER.value) == 24
    assert roles.count(Role.TEACHING_ASSISTANT.value) == 1
    assert len(platform.courses["course-102"].members) == 4
    assert platform.default_link("course-102").link_id == "course-102-link-1"


def test_add_tool_validation() -> None:
    """Duplicate client ids and unknown scopes are refused; extra deployments can be added."""
    platform = DevPlatform()
    common = {"initiate_login_uri": "http://t/login", "redirect_uris": ["http://t/launch"], "jwks_uri": "http://t/jwks"}
    client_id, deployment_id = platform.add_tool(client_id="shared", **common)
    assert client_id == "shared" and deployment_id
    with pytest.raises(ValueError):
        platform.add_tool(client_id="shared", **common)
    with pytest.raises(ValueError):
        platform.add_tool(scopes=["https://example/scope"], **common)
    second = platform.add_deployment("shared")
    assert platform.clients["shared"].deployment_ids == [deployment_id, second]


def test_sign_jwt_headers() -> None:
    """sign_jwt adds the platform kid unless headers are given."""
    import jwt

    platform = DevPlatform()
    assert jwt.get_unverified_header(platform.sign_jwt({"a": 1}))["kid"] == platform.kid
    assert "kid" not in jwt.get_unverified_header(platform.sign_jwt({"a": 1}, headers={}))


def test_home_page(platform: DevPlatform, registered: FakeTool) -> None:
    """The home page lists tools, launch buttons, the registration form and the gradebook."""
    html = requests.get(platform.url("/"), timeout=5).text
    assert registered.client_id in html
    assert "Launch as learner" in html and "Launch as instructor" in html
    assert "Add content (deep linking)" in html
    assert '<label for="registration-url">' in html
    assert "Gradebook" in html
    assert ("GET", "/", 200) in platform.request_log


def test_base_url_from_first_request_when_mounted() -> None:
    """Without a base URL the platform takes it from the first request (host + mount point)."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.wrappers import Response

    platform = DevPlatform()
    app = DispatcherMiddleware(Response("tool", status=200), {"/platform": create_platform_app(platform)})
    with serve(app) as running:
        config = requests.get(running.url + "/platform/.well-known/openid-configuration", timeout=5).json()
    assert config["issuer"] == running.url + "/platform"
    assert config["token_endpoint"] == running.url + "/platform/token"


def test_start_platform_sets_base_url() -> None:
    """start_platform binds first, then sets the issuer to the bound URL."""
    platform, running = start_platform(token_lifetime=60)
    try:
        assert platform.issuer == running.url and running.port > 0
        assert requests.get(running.url + "/.well-known/jwks.json", timeout=5).json() == platform.jwks()
    finally:
        running.stop()


def test_find_autosubmit_form() -> None:
    """Our form id, data-autosubmit or a script calling .submit() mark an auto-submitting form."""
    ours = '<form id="lti-autosubmit" method="post" action="/x"><input type="hidden" name="a" value="1"></form>'
    assert find_autosubmit_form(ours) == ("post", "/x", [("a", "1")])
    scripted = (
        '<form id="f" action="/y" method="POST"><input name="JWT" value="t"><input type="submit" value="Go"></form>'
        "<script>document.getElementById('f').submit();</script>"
    )
    assert find_autosubmit_form(scripted) == ("post", "/y", [("JWT", "t")])
    assert find_autosubmit_form('<form action="/z"></form>') is None
