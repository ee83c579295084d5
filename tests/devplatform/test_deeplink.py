"""Deep Linking: request settings, response verification and stored items."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from lti_tool.devplatform import Browser, DevPlatform
from lti_tool.devplatform.constants import Claim
from lti_tool.devplatform.keys import SigningKey, encode_jwt

from .conftest import FakeTool

ITEM = {
    "type": "ltiResourceLink",
    "title": "Module 3 quiz",
    "url": "",
    "custom": {"activity": "quiz-3"},
    "lineItem": {"scoreMaximum": 20, "label": "Quiz 3", "resourceId": "quiz-3", "tag": "quiz"},
}


@pytest.fixture
def settings(platform: DevPlatform, registered: FakeTool, browser: Browser) -> dict[str, Any]:
    """Launch a Deep Linking request as the instructor and return its settings claim."""
    response = browser.launch(platform.base_url, registered.client_id, user="instructor", message="deeplink")
    claims = response.json()["claims"]
    assert claims[Claim.MESSAGE_TYPE.value] == "LtiDeepLinkingRequest"
    assert Claim.RESOURCE_LINK.value not in claims
    assert claims[Claim.TARGET_LINK_URI.value] == registered.url + "/launch"
    settings: dict[str, Any] = claims[Claim.DL_SETTINGS.value]
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_presentation_document_targets"] == ["iframe", "window"]
    assert settings["accept_multiple"] is True and settings["auto_create"] is True
    return settings


def _return(settings: dict[str, Any], token: str) -> requests.Response:
    """POST a Deep Linking response to the return URL."""
    return requests.post(settings["deep_link_return_url"], data={"JWT": token}, timeout=5)


def test_items_are_stored_and_launchable(
    platform: DevPlatform, registered: FakeTool, browser: Browser, settings: dict[str, Any]
) -> None:
    """An accepted item becomes a launchable resource link with custom params and a line item."""
    item = {**ITEM, "url": registered.url + "/launch?item=3"}
    response = _return(settings, registered.deep_link_response(settings, [item], **{Claim.DL_MSG.value: "Added"}))
    assert response.status_code == 200, response.text
    assert "Module 3 quiz" in response.text and "Added" in response.text
    (link,) = platform.deep_linked_items()
    assert link.custom == {"activity": "quiz-3"} and link.course_id == "course-101"
    (line_item,) = platform.line_items_for("course-101", registered.client_id, link.link_id)
    assert (line_item.label, line_item.score_maximum, line_item.tag) == ("Quiz 3", 20.0, "quiz")
    assert platform.last_deep_link_payload is not None
    claims = browser.launch(platform.base_url, registered.client_id, link=link.link_id).json()["claims"]
    assert claims[Claim.CUSTOM.value] == {"activity": "quiz-3"}
    assert claims[Claim.RESOURCE_LINK.value] == {"id": link.link_id, "title": "Module 3 quiz"}
    assert claims[Claim.TARGET_LINK_URI.value] == registered.url + "/launch?item=3"
    assert claims[Claim.AGS_ENDPOINT.value]["lineitem"].endswith(f"/lineitems/{line_item.item_id}")
    assert "Module 3 quiz" in requests.get(platform.url("/"), timeout=5).text


def test_empty_custom_is_rejected(platform: DevPlatform, registered: FakeTool, settings: dict[str, Any]) -> None:
    """An empty custom object is refused because Moodle 4.5 crashes on it."""
    response = _return(settings, registered.deep_link_response(settings, [{**ITEM, "custom": {}}]))
    assert response.status_code == 400
    assert "Moodle 4.5" in response.text
    assert not platform.deep_linked_items()


def test_wrong_key_is_rejected(registered: FakeTool, settings: dict[str, Any]) -> None:
    """A response signed by a key the tool does not publish is refused."""
    impostor = SigningKey.generate()
    token = registered.deep_link_response(settings, [ITEM], key=impostor)
    assert _return(settings, token).status_code == 400


def test_unsigned_response_is_rejected(registered: FakeTool, settings: dict[str, Any]) -> None:
    """alg=none is refused."""
    signed = registered.deep_link_response(settings, [ITEM])
    import jwt

    claims = jwt.decode(signed, options={"verify_signature": False})
    unsigned = encode_jwt(claims, None, {"kid": registered.key.kid}, "none")
    response = _return(settings, unsigned)
    assert response.status_code == 400
    assert "RS256" in response.text


@pytest.mark.parametrize(
    "claims",
    [
        {Claim.DL_DATA.value: "something-else"},
        {Claim.MESSAGE_TYPE.value: "LtiResourceLinkRequest"},
        {Claim.VERSION.value: "1.1"},
        {Claim.DEPLOYMENT_ID.value: "999"},
        {"nonce": ""},
        {"aud": "https://other.example"},
    ],
)
def test_bad_response_claims(registered: FakeTool, settings: dict[str, Any], claims: dict[str, Any]) -> None:
    """data echo, message type, version, deployment, nonce and audience are checked."""
    assert _return(settings, registered.deep_link_response(settings, [ITEM], **claims)).status_code == 400


def test_response_is_single_use(registered: FakeTool, settings: dict[str, Any]) -> None:
    """The data value of a request can be answered once."""
    token = registered.deep_link_response(settings, [ITEM])
    assert _return(settings, token).status_code == 200
    assert _return(settings, token).status_code == 400


def test_missing_jwt_field(settings: dict[str, Any]) -> None:
    """The form field JWT is required."""
    assert requests.post(settings["deep_link_return_url"], data={}, timeout=5).status_code == 400
