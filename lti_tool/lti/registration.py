"""LTI Dynamic Registration (1EdTech LTI-DR 1.0) and the admin operations on platforms.

An admin pastes ``<base>/lti/register/<invite>`` into Moodle or Canvas. The platform opens it with
``openid_configuration`` and ``registration_token``; we fetch the configuration, post our
registration, store the client and deployment ids, and close the platform's dialog.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import secrets
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy import select, update

from ..db import utcnow
from ..extensions import db
from . import constants as c
from .errors import RegistrationError
from .models import Deployment, Platform, RegistrationInvite

bp = Blueprint("lti_registration", __name__, template_folder="templates")
log = logging.getLogger(__name__)

TIMEOUT = (3.05, 10.0)
MAX_DOC_BYTES = 512 * 1024


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- operations (used by the CLI and the views) ------------------------------------------------
def create_invite(note: str | None = None, hours: int = 72) -> str:
    """Create a one-time invite and return its token (shown once, stored only as a hash)."""
    token = secrets.token_urlsafe(24)
    db.session.add(RegistrationInvite(token_hash=_hash(token), note=note,
                                      expires_at=utcnow() + dt.timedelta(hours=hours)))
    db.session.flush()
    log.info("registration invite created (expires in %s h)", hours)
    return token


def add_platform(*, name: str, issuer: str, client_id: str, auth_login_url: str, auth_token_url: str,
                 key_set_url: str, deployment_ids: list[str], auth_audience: str | None = None,
                 product: str = "other", source: str = "manual", deployment_policy: str | None = None) -> Platform:
    """Register a platform (or add deployments to an existing one with the same issuer and client)."""
    platform = db.session.execute(select(Platform).where(Platform.issuer == issuer,
                                                         Platform.client_id == client_id)).scalar_one_or_none()
    if platform is None:
        platform = Platform(name=name, issuer=issuer, client_id=client_id, auth_login_url=auth_login_url,
                            auth_token_url=auth_token_url, key_set_url=key_set_url, auth_audience=auth_audience,
                            product=product, source=source,
                            deployment_policy=deployment_policy or default_deployment_policy(product, source))
        db.session.add(platform)
    else:
        platform.name, platform.auth_login_url, platform.auth_token_url = name, auth_login_url, auth_token_url
        platform.key_set_url, platform.auth_audience = key_set_url, auth_audience
    db.session.flush()
    existing = {d.deployment_id for d in platform.deployments}
    for dep in deployment_ids:
        if dep not in existing:
            platform.deployments.append(Deployment(deployment_id=dep,
                                                   source="registration" if source == "dynamic" else "manual"))
    db.session.flush()
    log.info("platform %s registered (%s)", platform.id, source)
    return platform


def default_deployment_policy(product: str, source: str) -> str:
    """The policy for new deployments of a platform registered now (setting ``DEPLOYMENT_POLICY``)."""
    configured = current_app.config["R2COM"]["DEPLOYMENT_POLICY"]
    if configured:
        return configured
    # Canvas returns no deployment id at registration: every install brings a new one in its first launch.
    return "auto" if product == "canvas" and source == "dynamic" else "approve"


# -- dynamic registration ------------------------------------------------------------------------
def _check_public_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    allow_private = current_app.config["R2COM"]["ALLOW_PRIVATE_PLATFORMS"]
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RegistrationError(f"The {what} is not a web address: {url}", code="bad_url")
    if parts.scheme != "https" and not allow_private:
        raise RegistrationError(f"The {what} must use https: {url}", code="insecure_url")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise RegistrationError(f"The {what} host cannot be found: {parts.hostname}", code="unknown_host") from exc
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved or addr.is_multicast:
            raise RegistrationError(f"The {what} points at a private or local address, which this tool refuses.",
                                    code="private_address")


def _get_json(url: str, what: str) -> dict[str, Any]:
    _check_public_url(url, what)
    try:
        resp = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise RegistrationError(f"The {what} could not be fetched ({exc.__class__.__name__}).",
                                code="platform_unreachable", status=502) from exc
    if resp.status_code != 200 or len(resp.content) > MAX_DOC_BYTES:
        raise RegistrationError(f"The {what} answered HTTP {resp.status_code}.", code="platform_error", status=502)
    try:
        data = resp.json()
    except ValueError as exc:
        raise RegistrationError(f"The {what} is not JSON.", code="platform_error", status=502) from exc
    if not isinstance(data, dict):
        raise RegistrationError(f"The {what} is not a JSON object.", code="platform_error", status=502)
    return data


def registration_payload(base: str, platform_config: dict[str, Any]) -> dict[str, Any]:
    """Build our client registration for a platform's openid configuration."""
    supported = set(platform_config.get("scopes_supported") or c.TOOL_SCOPES)
    scopes = [s for s in c.TOOL_SCOPES if s in supported]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base + "/lti/login",
        "redirect_uris": [base + "/lti/launch"],
        "client_name": "R2COM Aftercare Toolkit",
        "jwks_uri": base + "/.well-known/jwks.json",
        "logo_uri": base + "/static/logo.svg",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        c.TOOL_CONFIGURATION: {
            "domain": urlsplit(base).netloc,
            "description": "Training, a guide and needs-and-strengths support planning for after-care and exit work.",
            "target_link_uri": base + "/lti/launch",
            # Names are used only for the trainer's progress roster; no email is asked for.
            "claims": ["iss", "sub", "name", "given_name", "family_name"],
            # Canvas turns each message into placements, the first message per placement winning, and a message
            # without placements into link_selection. So the picker comes first and names its placements, and the
            # only resource-link message asks for course navigation (trainers' progress). Moodle reads only the
            # deep-linking message (its content-selection URL) and ignores placements.
            "messages": registration_messages(base),
            "https://canvas.instructure.com/lti/privacy_level": "name_only",
        },
    }


def registration_messages(base: str) -> list[dict[str, Any]]:
    """The messages a platform may send, with the Canvas placements each should fill."""
    launch = base + "/lti/launch"
    return [
        {"type": c.MessageType.DEEP_LINKING.value, "target_link_uri": launch, "label": "R2COM Aftercare Toolkit",
         "placements": ["link_selection", "assignment_selection"]},
        {"type": c.MessageType.RESOURCE_LINK.value, "target_link_uri": launch, "label": "Training progress",
         "placements": ["course_navigation"], "custom_parameters": {"r2com_item": "dashboard"},
         "https://canvas.instructure.com/lti/course_navigation/default_enabled": True,
         # Trainers and admins only: learners have their own progress in the course page.
         "https://canvas.instructure.com/lti/visibility": "admins"},
    ]


def run_registration(openid_configuration: str, registration_token: str | None, note: str | None) -> Platform:
    """Fetch the platform configuration, register, and store the platform. Does not commit."""
    config = _get_json(openid_configuration, "platform configuration")
    issuer = config.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise RegistrationError("The platform configuration has no issuer.", code="bad_platform_config")
    iss_parts, conf_parts = urlsplit(issuer), urlsplit(openid_configuration)
    if (iss_parts.scheme, iss_parts.netloc) != (conf_parts.scheme, conf_parts.netloc) \
            or not openid_configuration.startswith(issuer.rstrip("/")):
        raise RegistrationError("The platform configuration's issuer does not match its address.",
                                code="issuer_mismatch")
    required = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
    missing = [k for k in required if not isinstance(config.get(k), str)]
    if missing:
        raise RegistrationError(f"The platform configuration lacks {', '.join(missing)}.", code="bad_platform_config")
    for key in required:
        _check_public_url(config[key], key.replace("_", " "))
    base = current_app.config["R2COM"]["BASE_URL"]
    payload = registration_payload(base, config)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = "Bearer " + registration_token
    try:
        resp = requests.post(config["registration_endpoint"], json=payload, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise RegistrationError("The platform's registration endpoint could not be reached.",
                                code="platform_unreachable", status=502) from exc
    if resp.status_code not in (200, 201):
        raise RegistrationError(f"The platform refused the registration (HTTP {resp.status_code}): "
                                f"{resp.text[:300]}", code="platform_refused", status=502)
    try:
        answer = resp.json()
    except ValueError as exc:
        raise RegistrationError("The platform's registration answer is not JSON.", code="platform_error",
                                status=502) from exc
    client_id = answer.get("client_id")
    tool_conf = answer.get(c.TOOL_CONFIGURATION) or {}
    deployment_id = tool_conf.get("deployment_id")
    if not client_id:
        raise RegistrationError("The platform did not return a client id.", code="platform_error", status=502)
    product = ((config.get(c.PLATFORM_CONFIGURATION) or {}).get("product_family_code") or "other")[:40]
    return add_platform(name=note or f"{product} at {iss_parts.netloc}", issuer=issuer, client_id=str(client_id),
                        auth_login_url=config["authorization_endpoint"], auth_token_url=config["token_endpoint"],
                        key_set_url=config["jwks_uri"], deployment_ids=[str(deployment_id)] if deployment_id else [],
                        product=product, source="dynamic")


def _claim_invite(token: str) -> RegistrationInvite:
    invite = db.session.execute(select(RegistrationInvite).where(
        RegistrationInvite.token_hash == _hash(token))).scalar_one_or_none()
    if invite is None:
        raise RegistrationError("This registration link is not valid.", code="invalid_invite", status=403)
    if invite.used_at is not None:
        raise RegistrationError("This registration link was already used. Ask for a new one.", code="invite_used",
                                status=403)
    if invite.expires_at < utcnow():
        raise RegistrationError("This registration link has expired. Ask for a new one.", code="invite_expired",
                                status=403)
    claimed = db.session.execute(update(RegistrationInvite).where(
        RegistrationInvite.id == invite.id, RegistrationInvite.used_at.is_(None)).values(used_at=utcnow()))
    if claimed.rowcount != 1:
        raise RegistrationError("This registration link was already used. Ask for a new one.", code="invite_used",
                                status=403)
    db.session.commit()
    return invite


def _register(invite_token: str | None) -> Response:
    conf_url = request.args.get("openid_configuration")
    if not conf_url:
        return Response(render_template("lti/register_help.html"))
    invite = _claim_invite(invite_token) if invite_token else None
    try:
        platform = run_registration(conf_url, request.args.get("registration_token"), invite.note if invite else None)
        if invite is not None:
            invite.platform_id = platform.id
        db.session.commit()
    except Exception:
        db.session.rollback()
        if invite is not None:  # give the invite back so the admin can try again
            db.session.execute(update(RegistrationInvite).where(RegistrationInvite.id == invite.id)
                               .values(used_at=None))
            db.session.commit()
        raise
    current_app.extensions["r2com"]["platforms"].invalidate()
    return Response(render_template("lti/registered.html", platform_name=platform.name))


@bp.get("/lti/register/<invite_token>")
def register_with_invite(invite_token: str) -> Response:
    """Dynamic registration through a one-time invite link."""
    return _register(invite_token)


@bp.get("/lti/register")
def register_open() -> Response:
    """Dynamic registration without an invite, only when the operator enabled it."""
    if not current_app.config["R2COM"]["OPEN_REGISTRATION"]:
        raise RegistrationError("Open registration is switched off. Ask the tool's operator for an invite link.",
                                code="registration_closed", status=403)
    return _register(None)
