"""OAuth2 client-credentials token endpoint with private_key_jwt client assertions."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .constants import CLIENT_ASSERTION_TYPE
from .verify import ToolJwtError, verify_tool_jwt
from .web import current_platform, json_error

bp = Blueprint("oauth", __name__)


@bp.post("/token")
def token() -> Response:
    """Exchange a signed client assertion for a bearer token with the granted scopes."""
    platform = current_platform()
    platform.count("token_requests")
    form = request.form
    if form.get("grant_type") != "client_credentials":
        return json_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
        return json_error(400, "invalid_client", f"client_assertion_type must be {CLIENT_ASSERTION_TYPE}")
    assertion = form.get("client_assertion", "")
    if not assertion:
        return json_error(400, "invalid_client", "client_assertion is required")
    try:
        client, claims = verify_tool_jwt(
            platform,
            assertion,
            audience=[platform.url("/token"), platform.issuer],
            require=("exp", "sub", "jti"),
        )
    except ToolJwtError as exc:
        status = 401 if exc.error == "invalid_client" else 400
        return json_error(status, exc.error, str(exc))
    if claims.get("sub") != client.client_id:
        return json_error(400, "invalid_grant", "client assertion sub must equal iss (the client_id)")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not platform.tokens.use_jti(client.client_id, jti, float(claims["exp"])):
        return json_error(400, "invalid_grant", "client assertion jti was already used")
    requested = form.get("scope", "").split()
    granted = [scope for scope in dict.fromkeys(requested) if scope in client.scopes]
    if not granted:
        return json_error(400, "invalid_scope", f"none of the requested scopes {requested} is allowed for this client")
    issued = platform.tokens.issue(client.client_id, granted)
    response = jsonify(
        {
            "access_token": issued.token,
            "token_type": "Bearer",
            "expires_in": platform.token_lifetime,
            "scope": " ".join(granted),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
