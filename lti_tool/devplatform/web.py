"""Small request helpers shared by the platform's blueprints."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request

from .models import AccessToken
from .state import DevPlatform

EXTENSION_KEY = "devplatform"


def current_platform() -> DevPlatform:
    """Return the platform of the current app, setting its base URL from the request if unset."""
    platform: DevPlatform = current_app.extensions[EXTENSION_KEY]
    if not platform.base_url:
        platform.base_url = request.host_url.rstrip("/") + request.script_root
    return platform


def json_error(status: int, error: str, description: str, **headers: str) -> Response:
    """Build an OAuth2-style JSON error response."""
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers.update(headers)
    return response


def text_error(status: int, message: str) -> Response:
    """Build a plain-text error response."""
    return Response(message + "\n", status=status, mimetype="text/plain")


def json_response(body: Any, mimetype: str, status: int = 200) -> Response:
    """Serialize ``body`` as JSON with a service-specific media type."""
    response = jsonify(body)
    response.status_code = status
    response.mimetype = mimetype
    return response


def bearer_token(*any_of: str) -> AccessToken | Response:
    """Return the request's access token if it holds one of ``any_of`` scopes, else a 401/403 response."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return json_error(401, "invalid_token", "Bearer access token required", **{"WWW-Authenticate": "Bearer"})
    token = current_platform().tokens.lookup(value.strip())
    if token is None:
        challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        return json_error(401, "invalid_token", "unknown or expired access token", **challenge)
    if any_of and not token.scopes & set(any_of):
        status = current_platform().profile.insufficient_scope_status
        return json_error(status, "insufficient_scope", f"token lacks one of the scopes {sorted(any_of)}")
    return token
