"""Fetch tool JWKS (cached, re-fetched once on an unknown kid) and verify JWTs a tool signed."""

from __future__ import annotations

from typing import Any, Iterable

import jwt
import requests

from .models import Client
from .state import DevPlatform

JWKS_TIMEOUT_SECONDS = 5


class ToolJwtError(Exception):
    """A tool-signed JWT was rejected; ``error`` is the OAuth2 error code to answer with."""

    def __init__(self, message: str, error: str = "invalid_client") -> None:
        """Keep the human-readable message and the OAuth2 error code."""
        super().__init__(message)
        self.error = error


def fetch_jwks(url: str) -> dict[str, Any]:
    """Fetch a JWKS over HTTP with a 5 s timeout."""
    response = requests.get(url, timeout=JWKS_TIMEOUT_SECONDS, headers={"Accept": "application/json"})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def _find_kid(jwks: dict[str, Any] | None, kid: str) -> dict[str, Any] | None:
    """Return the key with ``kid`` from a JWKS."""
    keys = (jwks or {}).get("keys", [])
    return next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None)


def tool_jwk(platform: DevPlatform, client: Client, kid: str) -> dict[str, Any] | None:
    """Return the client's public JWK with ``kid``, re-fetching its JWKS once when unknown.

    Raises:
        requests.RequestException: When the JWKS cannot be fetched.
        ValueError: When the JWKS is not JSON.
    """
    if client.static_jwks is not None:
        return _find_kid(client.static_jwks, kid)
    found = _find_kid(client.jwks_cache, kid) if client.jwks_cache else None
    if found is None:
        fresh = (platform.jwks_fetcher or fetch_jwks)(client.jwks_uri)
        with platform.lock:
            client.jwks_cache = fresh
        found = _find_kid(fresh, kid)
    return found


def verify_tool_jwt(
    platform: DevPlatform,
    token: str,
    *,
    audience: Iterable[str],
    require: Iterable[str] = ("exp", "iat"),
) -> tuple[Client, dict[str, Any]]:
    """Verify a JWT signed by a registered tool (iss = its client_id) and return the client and claims.

    Only RS256 with a ``kid`` found in the tool's JWKS is accepted.

    Raises:
        ToolJwtError: ``invalid_client`` for format, key or signature problems, ``invalid_grant``
            for claim problems (expired, wrong audience, missing claim).
    """
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise ToolJwtError(f"malformed JWT: {exc}") from exc
    if header.get("alg") != "RS256":
        raise ToolJwtError(f"JWT alg must be RS256, got {header.get('alg')!r}")
    kid = header.get("kid")
    if not kid or not isinstance(kid, str):
        raise ToolJwtError("JWT header has no kid")
    iss = unverified.get("iss")
    client = platform.clients.get(iss) if isinstance(iss, str) else None
    if client is None:
        raise ToolJwtError(f"iss {iss!r} is not a registered client_id")
    try:
        jwk = tool_jwk(platform, client, kid)
    except (requests.RequestException, ValueError) as exc:
        raise ToolJwtError(f"could not fetch the tool JWKS from {client.jwks_uri}: {exc}") from exc
    if jwk is None:
        raise ToolJwtError(f"kid {kid!r} is not in the tool's JWKS")
    try:
        key = jwt.PyJWK(jwk, algorithm="RS256").key
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=list(audience),
            options={"require": ["iss", "aud", *require]},
        )
    except jwt.InvalidSignatureError as exc:
        raise ToolJwtError("JWT signature does not verify against the tool's key") from exc
    except jwt.PyJWKError as exc:
        raise ToolJwtError(f"unusable tool key: {exc}") from exc
    except jwt.PyJWTError as exc:
        raise ToolJwtError(f"JWT rejected: {exc}", "invalid_grant") from exc
    return client, claims
