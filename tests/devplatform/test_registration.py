"""Dynamic Registration: openid-configuration, Moodle's validation and single-use tokens."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from lti_tool.devplatform import Browser, DevPlatform
from lti_tool.devplatform.constants import PLATFORM_CONFIGURATION, TOOL_CONFIGURATION, Scope
from lti_tool.devplatform.registration import new_registration_token

from .conftest import FakeTool


def _register(platform: DevPlatform, body: Any, token: str) -> requests.Response:
    """POST a registration request."""
    return requests.post(
        platform.url("/register"), json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5
    )


def test_openid_configuration(platform: DevPlatform) -> None:
    """The configuration names our endpoints and the LTI platform configuration."""
    config = requests.get(platform.url("/.well-known/openid-configuration"), timeout=5).json()
    assert config["issuer"] == platform.issuer
    assert config["token_endpoint"] == platform.url("/token")
    assert config["registration_endpoint"] == platform.url("/register")
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert config[PLATFORM_CONFIGURATION]["product_family_code"] == "r2com-devplatform"
    types = [m["type"] for m in config[PLATFORM_CONFIGURATION]["messages_supported"]]
    assert types == ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]


def test_register_tool_redirects_with_token(platform: DevPlatform) -> None:
    """Starting registration redirects to the tool with openid_configuration and a token."""
    response = requests.get(
        platform.url("/register-tool"), params={"url": "http://tool.example/reg?x=1"}, allow_redirects=False, timeout=5
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert query["x"] == ["1"]
    assert query["openid_configuration"] == [platform.url("/.well-known/openid-configuration")]
    assert query["registration_token"][0].count(".") == 2
    bad = requests.get(platform.url("/register-tool"), params={"url": "javascript:alert(1)"}, timeout=5)
    assert bad.status_code == 400


def test_valid_registration_creates_client(platform: DevPlatform, tool: FakeTool) -> None:
    """A valid request creates a client and echoes client_id and deployment_id."""
    response = _register(platform, tool.registration_body(), new_registration_token(platform))
    assert response.status_code == 200, response.text
    body = response.json()
    client = platform.clients[body["client_id"]]
    assert body[TOOL_CONFIGURATION]["deployment_id"] == client.deployment_ids[0]
    assert client.claims == {"name", "email"}
    assert Scope.NRPS.value in client.scopes
    assert client.deep_link_uri == tool.url + "/launch?dl=1"


def test_token_is_single_use(platform: DevPlatform, tool: FakeTool) -> None:
    """Reusing a registration token gives 401 token_already_used."""
    token = new_registration_token(platform)
    assert _register(platform, tool.registration_body(), token).status_code == 200
    again = _register(platform, tool.registration_body(), token)
    assert again.status_code == 401
    assert again.json()["error"] == "token_already_used"


def test_bad_tokens_are_401(platform: DevPlatform, tool: FakeTool) -> None:
    """A missing or forged token is refused."""
    assert requests.post(platform.url("/register"), json=tool.registration_body(), timeout=5).status_code == 401
    forged = platform.sign_jwt({"sub": "x", "aud": platform.issuer, "exp": 9999999999}, key=tool.key)
    assert _register(platform, tool.registration_body(), forged).status_code == 401


def _broken(tool: FakeTool, case: str) -> dict[str, Any]:
    """Return a registration body broken in one way."""
    body = tool.registration_body()
    config = body[TOOL_CONFIGURATION]
    if case == "application_type":
        body["application_type"] = "native"
    elif case == "response_types":
        body["response_types"] = ["code"]
    elif case == "auth_method":
        body["token_endpoint_auth_method"] = "client_secret_basic"
    elif case == "no_domain":
        del config["domain"]
    elif case == "other_port":
        config["domain"] = "127.0.0.1:1"
    elif case == "no_tool_config":
        del body[TOOL_CONFIGURATION]
    else:
        del body[case]
    return body


@pytest.mark.parametrize(
    "case",
    [
        "application_type",
        "response_types",
        "auth_method",
        "no_domain",
        "other_port",
        "no_tool_config",
        "initiate_login_uri",
        "redirect_uris",
        "jwks_uri",
    ],
)
def test_invalid_registration_is_400(platform: DevPlatform, tool: FakeTool, case: str) -> None:
    """Moodle's rules: web app, id_token, private_key_jwt, matching domain, required URIs."""
    token = new_registration_token(platform)
    response = _register(platform, _broken(tool, case), token)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"
    assert not platform.clients
    assert _register(platform, tool.registration_body(), token).status_code == 200


def test_registration_through_the_browser(platform: DevPlatform, tool: FakeTool, browser: Browser) -> None:
    """The home page's form drives the tool's registration URL end to end."""
    answer = browser.get(platform.url("/register-tool"), params={"url": tool.url + "/register"}).json()
    assert answer["status"] == 200
    assert answer["body"]["client_id"] in platform.clients
