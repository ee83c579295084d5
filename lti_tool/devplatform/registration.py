"""LTI Dynamic Registration: openid-configuration, registration start and ``/register``.

The generic and Moodle profiles apply Moodle's rules; the Canvas profile Canvas's (see ``profiles.py``).
"""

from __future__ import annotations

import secrets
import string
import time
from typing import Any
from urllib.parse import urlsplit

import jwt
from flask import Blueprint, Response, jsonify, redirect, request

from .constants import (
    ALL_SCOPES,
    PERSONAL_CLAIMS,
    PLATFORM_CONFIGURATION,
    TOOL_CONFIGURATION,
    MessageType,
)
from .oidc import add_query
from .state import DevPlatform
from .web import current_platform, json_error, text_error

bp = Blueprint("registration", __name__)

REGISTRATION_TOKEN_LIFETIME_SECONDS = 600
_ALNUM = string.ascii_letters + string.digits


def openid_configuration(platform: DevPlatform) -> dict[str, Any]:
    """Return the platform's OpenID configuration with the LTI platform-configuration object."""
    config = {
        "issuer": platform.issuer,
        "authorization_endpoint": platform.url("/auth"),
        "token_endpoint": platform.url("/token"),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "jwks_uri": platform.url("/.well-known/jwks.json"),
        "registration_endpoint": platform.url("/register"),
        "scopes_supported": ["openid", *ALL_SCOPES],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", *PERSONAL_CLAIMS],
        PLATFORM_CONFIGURATION: {
            "product_family_code": platform.profile.product_family_code,
            "version": platform.profile.version,
            "messages_supported": [
                {"type": MessageType.RESOURCE_LINK.value},
                {"type": MessageType.DEEP_LINKING.value, "placements": ["AddContentMenu"]},
            ],
            "variables": [],
        },
    }
    return platform.profile.configuration(platform, config)


@bp.get("/.well-known/openid-configuration")
def well_known() -> Response:
    """Publish the OpenID configuration (public, like Moodle's)."""
    return jsonify(openid_configuration(current_platform()))


def new_registration_token(platform: DevPlatform) -> str:
    """Return a signed single-use registration token naming the client id it will create."""
    now = int(time.time())
    pending_client_id = platform.profile.new_client_id(platform, "".join(secrets.choice(_ALNUM) for _ in range(15)))
    claims = {
        "iss": platform.issuer,
        "aud": platform.issuer,
        "sub": pending_client_id,
        "scope": "reg",
        "iat": now,
        "exp": now + REGISTRATION_TOKEN_LIFETIME_SECONDS,
        "jti": secrets.token_urlsafe(12),
    }
    return platform.sign_jwt(claims)


@bp.get("/register-tool")
def register_tool() -> Response:
    """Start Dynamic Registration: redirect to the tool's registration URL with a token."""
    platform = current_platform()
    url = request.args.get("url", "").strip()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        return text_error(400, "url must be the tool's absolute http(s) registration URL")
    params = {
        "openid_configuration": platform.url("/.well-known/openid-configuration"),
        "registration_token": new_registration_token(platform),
    }
    return redirect(add_query(url, params), code=302)


def moodle_registration_problem(body: Any) -> str | None:
    """Return why a registration request breaks Moodle's rules, or ``None``."""
    if not isinstance(body, dict):
        return "the registration request must be a JSON object sent as application/json"
    if body.get("application_type") != "web":
        return "application_type must be web"
    if not isinstance(body.get("response_types"), list) or "id_token" not in body["response_types"]:
        return "response_types must include id_token"
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        return "token_endpoint_auth_method must be private_key_jwt"
    for key in ("initiate_login_uri", "jwks_uri"):
        if not isinstance(body.get(key), str) or not body[key]:
            return f"{key} is required"
    redirects = body.get("redirect_uris")
    if not isinstance(redirects, list) or not redirects or not all(isinstance(u, str) and u for u in redirects):
        return "redirect_uris must be a non-empty list of URLs"
    config = body.get(TOOL_CONFIGURATION)
    if not isinstance(config, dict):
        return f"the {TOOL_CONFIGURATION} object is required"
    target = config.get("target_link_uri")
    if not isinstance(target, str) or not target:
        return "target_link_uri is required in the tool configuration"
    domain = config.get("domain")
    if not isinstance(domain, str) or not domain:
        return "domain is required in the tool configuration"
    if urlsplit(target).netloc.lower() != domain.lower():
        return f"domain {domain!r} does not match the host of target_link_uri {target!r}"
    return None


def _deep_link_uri(config: dict[str, Any]) -> str | None:
    """Return the target_link_uri of the tool's LtiDeepLinkingRequest message, if any."""
    for message in config.get("messages") or []:
        if isinstance(message, dict) and message.get("type") == MessageType.DEEP_LINKING.value:
            target = message.get("target_link_uri")
            return target if isinstance(target, str) and target else None
    return None


@bp.post("/register")
def register() -> Response:
    """Register a tool from its registration request, authorised by a registration token."""
    platform = current_platform()
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw:
        return json_error(401, "invalid_token", "registration token (Bearer) required")
    try:
        token = jwt.decode(
            raw.strip(),
            platform.key.private_key.public_key(),
            algorithms=["RS256"],
            audience=platform.issuer,
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError as exc:
        return json_error(401, "invalid_token", f"registration token rejected: {exc}")
    client_id = str(token["sub"])
    if client_id in platform.clients:
        return json_error(401, "token_already_used", "this registration token was already used")
    body = request.get_json(silent=True)
    problem = platform.profile.registration_problem(body)
    if problem:
        return json_error(400, "invalid_client_metadata", problem)
    config: dict[str, Any] = body[TOOL_CONFIGURATION]
    scopes = [scope for scope in str(body.get("scope", "")).split() if scope in ALL_SCOPES]
    asked = [claim for claim in config.get("claims") or [] if claim in PERSONAL_CLAIMS]
    claims = platform.profile.registration_claims(config, asked)
    try:
        client_id, _ = platform.add_tool(
            client_id=client_id,
            initiate_login_uri=body["initiate_login_uri"],
            redirect_uris=body["redirect_uris"],
            jwks_uri=body["jwks_uri"],
            target_link_uri=config.get("target_link_uri") or body["redirect_uris"][0],
            deep_link_uri=_deep_link_uri(config),
            scopes=scopes,
            claims=claims,
            name=str(body.get("client_name") or config.get("domain")),
            registration=body,
            deploy=platform.profile.registration_deploys(),
        )
    except ValueError:
        return json_error(401, "token_already_used", "this registration token was already used")
    answer = dict(body)
    answer.update({"client_id": client_id, "scope": " ".join(scopes)})
    answer[TOOL_CONFIGURATION] = platform.profile.registered(platform, platform.clients[client_id], config)
    return jsonify(answer)
