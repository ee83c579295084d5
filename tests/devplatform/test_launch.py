"""Login initiation, the OIDC auth endpoint and the id_token it issues."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from lti_tool.devplatform import Browser, DevPlatform
from lti_tool.devplatform.constants import Claim, Role, Scope

from .conftest import FakeTool


def _login_params(platform: DevPlatform, tool: FakeTool, **query: str) -> dict[str, str]:
    """Return the parameters the platform sends to the tool's login URL."""
    response = requests.get(
        platform.url("/launch"), params={"client_id": tool.client_id, **query}, allow_redirects=False, timeout=5
    )
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(tool.url + "/login?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _auth_params(tool: FakeTool, login: dict[str, str], **overrides: str) -> dict[str, str]:
    """Return a valid OIDC auth request for ``login``, with overrides."""
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": tool.client_id,
        "redirect_uri": tool.url + "/launch",
        "login_hint": login["login_hint"],
        "lti_message_hint": login["lti_message_hint"],
        "state": "s1",
        "nonce": "n1",
    }
    params.update(overrides)
    return params


def test_learner_launch_end_to_end(platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """A resource launch carries Moodle-like claims with AGS lineitem and NRPS."""
    response = browser.launch(platform.base_url, registered.client_id, registered.deployment_id)
    assert response.status_code == 200, response.text
    claims = response.json()["claims"]
    assert claims["iss"] == platform.issuer
    assert claims["aud"] == registered.client_id == claims["azp"]
    assert claims["sub"] == "1003"
    assert claims["exp"] - claims["iat"] == 60
    assert claims[Claim.MESSAGE_TYPE.value] == "LtiResourceLinkRequest"
    assert claims[Claim.VERSION.value] == "1.3.0"
    assert claims[Claim.DEPLOYMENT_ID.value] == registered.deployment_id
    assert claims[Claim.ROLES.value] == [Role.LEARNER.value]
    assert claims[Claim.CONTEXT.value]["id"] == "course-101"
    assert claims[Claim.RESOURCE_LINK.value]["id"] == "course-101-link-1"
    assert claims[Claim.LAUNCH_PRESENTATION.value]["document_target"] == "iframe"
    ags = claims[Claim.AGS_ENDPOINT.value]
    assert Scope.SCORE.value in ags["scope"] and ags["lineitem"].startswith(ags["lineitems"])
    assert claims[Claim.NRPS.value]["service_versions"] == ["2.0"]
    assert claims["name"] == "Aiko Tanaka" and claims["email"] == "aiko.tanaka@example.org"
    assert (("GET", "/auth", 200)) in platform.request_log


def test_instructor_launch(platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """The instructor alias resolves to the course instructor."""
    response = browser.launch(platform.base_url, registered.client_id, user="instructor", course="course-102")
    claims = response.json()["claims"]
    assert claims[Claim.ROLES.value] == [Role.INSTRUCTOR.value]
    assert claims[Claim.CONTEXT.value]["id"] == "course-102"


def test_no_personal_claims_unless_requested(platform: DevPlatform, tool: FakeTool, browser: Browser) -> None:
    """Names and email are sent only when the tool asked for them (Moodle)."""
    tool.register(claims=["given_name"])
    claims = browser.launch(platform.base_url, tool.client_id).json()["claims"]
    assert claims["given_name"] == "Aiko"
    assert "name" not in claims and "email" not in claims


def test_lineitem_claim_only_with_exactly_one_item(
    platform: DevPlatform, registered: FakeTool, browser: Browser
) -> None:
    """A second line item on the link removes the ``lineitem`` claim."""
    platform.create_line_item("course-101", registered.client_id, "Extra", 5, resource_link_id="course-101-link-1")
    ags = browser.launch(platform.base_url, registered.client_id).json()["claims"][Claim.AGS_ENDPOINT.value]
    assert "lineitem" not in ags


def test_unregistered_redirect_uri_is_rejected(platform: DevPlatform, registered: FakeTool) -> None:
    """The id_token is never sent to a redirect URI the tool did not register."""
    login = _login_params(platform, registered)
    params = _auth_params(registered, login, redirect_uri="https://evil.example/launch")
    response = requests.get(platform.url("/auth"), params=params, timeout=5)
    assert response.status_code == 400
    assert "redirect_uri" in response.text and "not registered" in response.text


@pytest.mark.parametrize(
    "overrides",
    [
        {"scope": "profile"},
        {"response_type": "code"},
        {"response_mode": "query"},
        {"prompt": "login"},
        {"client_id": "unknown"},
        {"login_hint": "1004"},
        {"lti_message_hint": "tampered"},
        {"nonce": ""},
        {"state": ""},
    ],
)
def test_bad_auth_requests_are_400(platform: DevPlatform, registered: FakeTool, overrides: dict[str, str]) -> None:
    """Each OIDC parameter is checked."""
    login = _login_params(platform, registered)
    response = requests.post(platform.url("/auth"), data=_auth_params(registered, login, **overrides), timeout=5)
    assert response.status_code == 400


def test_auth_form_autosubmits(platform: DevPlatform, registered: FakeTool) -> None:
    """The auth answer is a form posting id_token and state to the redirect URI."""
    login = _login_params(platform, registered)
    html = requests.get(platform.url("/auth"), params=_auth_params(registered, login), timeout=5).text
    assert f'<form id="lti-autosubmit" data-autosubmit method="post" action="{registered.url}/launch">' in html
    assert 'name="id_token"' in html and 'name="state" value="s1"' in html


def test_login_initiation_parameters(platform: DevPlatform, registered: FakeTool) -> None:
    """Moodle-style login initiation carries client_id, lti_deployment_id and an opaque hint."""
    login = _login_params(platform, registered, user="ta")
    assert login["iss"] == platform.issuer
    assert login["login_hint"] == "1002"
    assert login["lti_deployment_id"] == registered.deployment_id
    assert login["target_link_uri"] == registered.url + "/launch"
    assert "canvas_region" not in login and "deployment_id" not in login


def test_canvas_mode(platform: DevPlatform, tool: FakeTool, browser: Browser) -> None:
    """Canvas mode adds Canvas's login parameters and the platform storage target."""
    tool.register(canvas_mode=True)
    login = _login_params(platform, tool)
    assert login["deployment_id"] == tool.deployment_id == login["lti_deployment_id"]
    assert login["lti_storage_target"] == "post_message_forwarding"
    assert {"canvas_region", "canvas_environment"} <= set(login)
    form = browser.launch(platform.base_url, tool.client_id).json()["form"]
    assert form["lti_storage_target"] == "post_message_forwarding"


def test_login_by_post_form(platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """login_initiation='post' sends an auto-submitting form, as Moodle does."""
    platform.login_initiation = "post"
    response = browser.launch(platform.base_url, registered.client_id)
    assert response.json()["claims"]["sub"] == "1003"


def test_id_token_hook_edits_claims_once(platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """The hook applies to the next id_token only."""

    def hook(claims: dict[str, Any], headers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        claims[Claim.ROLES.value] = []
        return claims, headers

    platform.next_id_token_hook = hook
    assert browser.launch(platform.base_url, registered.client_id).json()["claims"][Claim.ROLES.value] == []
    assert browser.launch(platform.base_url, registered.client_id).json()["claims"][Claim.ROLES.value] != []


def test_id_token_hook_raw_string(platform: DevPlatform, registered: FakeTool, browser: Browser) -> None:
    """A hook returning a string replaces the id_token verbatim."""
    platform.next_id_token_hook = lambda claims, headers: "not.a.jwt"
    response = browser.launch(platform.base_url, registered.client_id)
    assert response.status_code == 500  # the fake tool cannot decode it


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"client_id": "nope"}, "client_id"),
        ({"course": "course-999"}, "course"),
        ({"user": "2002"}, "member"),
        ({"message": "other"}, "message"),
        ({"link": "missing"}, "link"),
        ({"deployment_id": "0"}, "deployment_id"),
    ],
)
def test_bad_launch_parameters(
    platform: DevPlatform, registered: FakeTool, query: dict[str, str], fragment: str
) -> None:
    """The launch entry point explains what is wrong."""
    params = {"client_id": registered.client_id, **query}
    response = requests.get(platform.url("/launch"), params=params, allow_redirects=False, timeout=5)
    assert response.status_code == 400
    assert fragment in response.text


def test_return_url_records_messages(platform: DevPlatform) -> None:
    """The launch_presentation return URL shows and records lti_errormsg."""
    response = requests.get(platform.url("/return"), params={"lti_errormsg": "Oops"}, timeout=5)
    assert "Oops" in response.text
    assert platform.return_messages[-1]["lti_errormsg"] == "Oops"
