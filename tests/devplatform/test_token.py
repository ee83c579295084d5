"""Token endpoint: client assertions verified against the tool's JWKS."""

from __future__ import annotations

import time

import pytest
import requests

from lti_tool.devplatform import DevPlatform
from lti_tool.devplatform.constants import Scope
from lti_tool.devplatform.keys import SigningKey, encode_jwt

from .conftest import FakeTool


def test_valid_assertion_gets_a_bearer_token(platform: DevPlatform, registered: FakeTool) -> None:
    """A correctly signed assertion yields a token with the granted scopes."""
    response = registered.request_token([Scope.SCORE.value, Scope.NRPS.value])
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"].split() == [Scope.SCORE.value, Scope.NRPS.value]
    assert platform.token_requests == 1


def test_issuer_is_an_accepted_audience(registered: FakeTool) -> None:
    """The assertion may name the issuer instead of the token URL."""
    assertion = registered.assertion(aud=[registered.platform.issuer, "https://elsewhere.example"])
    assert registered.request_token(assertion=assertion).status_code == 200


def test_wrong_signature_is_rejected(registered: FakeTool) -> None:
    """A key the tool does not publish, posing under the tool's kid, is refused."""
    impostor = SigningKey.generate()
    assertion = registered.assertion(key=impostor, headers={"kid": registered.key.kid})
    response = registered.request_token(assertion=assertion)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_reused_jti_is_rejected(registered: FakeTool) -> None:
    """A jti is single-use."""
    assertion = registered.assertion()
    assert registered.request_token(assertion=assertion).status_code == 200
    again = registered.request_token(assertion=assertion)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_unknown_client_is_rejected(registered: FakeTool) -> None:
    """iss/sub must be a registered client_id."""
    response = registered.request_token(assertion=registered.assertion(iss="nobody", sub="nobody"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_expired_assertion_is_rejected(registered: FakeTool) -> None:
    """An assertion whose exp has passed is refused."""
    now = int(time.time())
    response = registered.request_token(assertion=registered.assertion(iat=now - 120, exp=now - 10))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "claims",
    [{"aud": "https://elsewhere.example/token"}, {"sub": "someone-else"}],
)
def test_bad_claims_are_rejected(registered: FakeTool, claims: dict[str, str]) -> None:
    """A wrong audience, or sub different from iss, is refused."""
    response = registered.request_token(assertion=registered.assertion(**claims))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_missing_jti_is_rejected(registered: FakeTool) -> None:
    """A jti is required so that it can be single-use."""
    now = int(time.time())
    claims = {"iss": registered.client_id, "sub": registered.client_id, "aud": registered.platform.url("/token"),
              "iat": now, "exp": now + 60}
    response = registered.request_token(assertion=registered.key.sign(claims))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_non_rs256_is_rejected(registered: FakeTool, alg: str) -> None:
    """Only RS256 is accepted (no alg=none, no HMAC key confusion)."""
    now = int(time.time())
    claims = {"iss": registered.client_id, "sub": registered.client_id, "aud": registered.platform.url("/token"),
              "iat": now, "exp": now + 60, "jti": "j1"}
    forged = encode_jwt(claims, registered.key.public_pem, {"kid": registered.key.kid}, alg)
    response = registered.request_token(assertion=forged)
    assert response.status_code == 401


def test_missing_kid_is_rejected(registered: FakeTool) -> None:
    """The assertion must name its key."""
    forged = encode_jwt({"iss": registered.client_id}, registered.key.private_key, {}, "RS256")
    assert registered.request_token(assertion=forged).status_code == 401


def test_scopes_are_limited_to_the_client(platform: DevPlatform, tool: FakeTool) -> None:
    """Only scopes the client holds are granted; none at all is invalid_scope."""
    tool.register(scopes=[Scope.SCORE.value])
    partial = tool.request_token([Scope.SCORE.value, Scope.NRPS.value])
    assert partial.json()["scope"] == Scope.SCORE.value
    refused = tool.request_token([Scope.NRPS.value])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"


def test_rotated_tool_key_is_fetched_again(registered: FakeTool) -> None:
    """An unknown kid makes the platform re-fetch the tool JWKS once."""
    assert registered.request_token().status_code == 200
    new_key = SigningKey.generate()
    registered.extra_keys.append(new_key)
    assert registered.request_token(assertion=registered.assertion(key=new_key)).status_code == 200


def test_wrong_grant_type(registered: FakeTool) -> None:
    """Only client_credentials is supported."""
    response = requests.post(registered.platform.url("/token"), data={"grant_type": "password"}, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
