"""LTI Dynamic Registration (1EdTech LTI-DR 1.0) and the admin operations on platforms.

An admin pastes ``<base>/lti/register/<invite>`` into Moodle or Canvas. The platform opens it with
``openid_configuration`` and ``registration_token``; we fetch the configuration, post our
registration, store the client and deployment ids, and close the platform's dialog.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..db import utcnow
from ..extensions import db
from ..services.outbound import (AddressRefused, GuardedSession, OutboundPolicy, OutboundRefused, RedirectRefused,
                                 ResponseTooLarge, describe)
from . import constants as c
from .errors import RegistrationError
from .models import Deployment, Platform, RegistrationInvite
from .tool_config import platform_hosts

bp = Blueprint("lti_registration", __name__, template_folder="templates")
log = logging.getLogger(__name__)

TIMEOUT = (3.05, 10.0)
#: Failed registrations an invite allows before it is spent.
MAX_INVITE_FAILURES = 3
#: Whole-request limit for each registration request (a drip-feeding server is cut off here).
TOTAL_SECONDS = 15.0
MAX_DOC_BYTES = 512 * 1024
#: The platform URL columns hold 1,000 characters.
MAX_URL_LENGTH = 1000


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
                 product: str = "other", source: str = "manual", deployment_policy: str | None = None,
                 service_hosts: list[str] | None = None) -> Platform:
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
    if service_hosts:
        known = (platform.service_hosts or "").split()
        platform.service_hosts = " ".join(dict.fromkeys(known + [h.strip().lower() for h in service_hosts if h.strip()]))
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
    """The form of a platform URL; where it points is checked by the guarded client when it connects."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname or len(url) > MAX_URL_LENGTH:
        raise RegistrationError(_l("The platform's %(what)s is not a web address.", what=what), code="bad_url")
    if parts.scheme != "https" and _policy().require_https:
        raise RegistrationError(_l("The platform's %(what)s must use https.", what=what), code="insecure_url")


def _policy() -> OutboundPolicy:
    return current_app.extensions["r2com"]["outbound_policy"]


def _session() -> GuardedSession:
    return GuardedSession(_policy(), pool_size=2)


def _outbound_error(exc: requests.RequestException, what: str) -> RegistrationError:
    """A registration error for a failed request; it never quotes what the remote server sent."""
    reason = describe(exc)
    if isinstance(exc, AddressRefused):
        return RegistrationError(_l("The platform's %(what)s points at a private or local address, which this tool "
                                    "refuses.", what=what),
                                 code="private_address", status=400)
    if isinstance(exc, RedirectRefused):
        return RegistrationError(_l("The platform's %(what)s answered with a redirect, which this tool does not follow.",
                                    what=what),
                                 code="redirect_refused", status=502)
    if isinstance(exc, ResponseTooLarge):
        return RegistrationError(_l("The platform's %(what)s is larger than any platform sends.", what=what),
                                 code="platform_error", status=502)
    if isinstance(exc, OutboundRefused):
        return RegistrationError(_l("The platform's %(what)s is not a web address this tool may reach.", what=what),
                                 code=reason, status=400)
    if isinstance(exc, requests.Timeout):
        return RegistrationError(_l("The platform's %(what)s did not answer in time.", what=what),
                                 code="platform_unreachable", status=502)
    return RegistrationError(_l("The platform's %(what)s could not be fetched (%(error)s).", what=what,
                                error=exc.__class__.__name__),
                             code="platform_unreachable", status=502)


def _get_json(http: GuardedSession, url: str, what: str) -> dict[str, Any]:
    _check_public_url(url, what)
    try:
        resp = http.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"}, max_bytes=MAX_DOC_BYTES,
                        total_seconds=TOTAL_SECONDS)
    except requests.RequestException as exc:
        raise _outbound_error(exc, what) from exc
    if resp.status_code != 200:
        raise RegistrationError(_l("The platform's %(what)s answered HTTP %(status)s.", what=what, status=resp.status_code),
                                code="platform_error", status=502)
    try:
        data = resp.json()
    except ValueError as exc:
        raise RegistrationError(_l("The platform's %(what)s is not JSON.", what=what), code="platform_error",
                                status=502) from exc
    if not isinstance(data, dict):
        raise RegistrationError(_l("The platform's %(what)s is not a JSON object.", what=what), code="platform_error",
                                status=502)
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
    http = _session()
    try:
        return _run_registration(http, openid_configuration, registration_token, note)
    finally:
        http.close()


def _run_registration(http: GuardedSession, openid_configuration: str, registration_token: str | None,
                      note: str | None) -> Platform:
    config = _get_json(http, openid_configuration, "openid-configuration")
    issuer = config.get("issuer")
    if not isinstance(issuer, str) or not issuer or len(issuer) > 400:
        raise RegistrationError(_l("The platform configuration has no issuer."), code="bad_platform_config")
    iss_parts, conf_parts = urlsplit(issuer), urlsplit(openid_configuration)
    if (iss_parts.scheme, iss_parts.netloc) != (conf_parts.scheme, conf_parts.netloc) \
            or not openid_configuration.startswith(issuer.rstrip("/")):
        raise RegistrationError(_l("The platform configuration's issuer does not match its address."),
                                code="issuer_mismatch")
    required = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
    missing = [k for k in required if not isinstance(config.get(k), str)]
    if missing:
        raise RegistrationError(_l("The platform configuration lacks %(fields)s.", fields=", ".join(missing)),
                                code="bad_platform_config")
    for key in required:
        _check_public_url(config[key], key)
    base = current_app.config["R2COM"]["BASE_URL"]
    payload = registration_payload(base, config)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = "Bearer " + registration_token
    try:
        resp = http.post(config["registration_endpoint"], json=payload, headers=headers, timeout=TIMEOUT,
                         max_bytes=MAX_DOC_BYTES, total_seconds=TOTAL_SECONDS)
    except requests.RequestException as exc:
        raise _outbound_error(exc, "registration_endpoint") from exc
    if resp.status_code not in (200, 201):  # what the platform said goes to the operator's log only
        log.warning("registration refused by %s (HTTP %s): %r", iss_parts.netloc, resp.status_code, resp.text[:300])
        raise RegistrationError(_l("The platform refused the registration (HTTP %(status)s). The tool's log has the "
                                   "platform's answer.", status=resp.status_code), code="platform_refused", status=502)
    try:
        answer = resp.json()
    except ValueError as exc:
        raise RegistrationError(_l("The platform's registration answer is not JSON."), code="platform_error",
                                status=502) from exc
    if not isinstance(answer, dict):
        raise RegistrationError(_l("The platform's registration answer is not a JSON object."), code="platform_error",
                                status=502)
    client_id = answer.get("client_id")
    tool_conf = answer.get(c.TOOL_CONFIGURATION)
    deployment_id = tool_conf.get("deployment_id") if isinstance(tool_conf, dict) else None
    if not isinstance(client_id, (str, int)) or isinstance(client_id, bool) or not str(client_id) \
            or len(str(client_id)) > 400:
        raise RegistrationError(_l("The platform did not return a client id."), code="platform_error", status=502)
    if deployment_id is not None and (not isinstance(deployment_id, (str, int)) or len(str(deployment_id)) > 400):
        raise RegistrationError(_l("The platform returned a deployment id the tool cannot use."), code="platform_error",
                                status=502)
    platform_conf = config.get(c.PLATFORM_CONFIGURATION)
    product = platform_conf.get("product_family_code") if isinstance(platform_conf, dict) else None
    product = product[:40] if isinstance(product, str) and product else "other"
    return add_platform(name=note or f"{product} at {iss_parts.netloc}", issuer=issuer, client_id=str(client_id),
                        auth_login_url=config["authorization_endpoint"], auth_token_url=config["token_endpoint"],
                        key_set_url=config["jwks_uri"], deployment_ids=[str(deployment_id)] if deployment_id else [],
                        product=product, source="dynamic",
                        # Canvas cloud answers registration on the school's own domain, where its grade and
                        # roster services live too (its login, token and key URLs are on sso.canvaslms.com).
                        service_hosts=sorted(platform_hosts(openid_configuration, config["registration_endpoint"])))


def _claim_invite(token: str) -> RegistrationInvite:
    invite = db.session.execute(select(RegistrationInvite).where(
        RegistrationInvite.token_hash == _hash(token))).scalar_one_or_none()
    if invite is None:
        raise RegistrationError(_l("This registration link is not valid."), code="invalid_invite", status=403)
    if invite.used_at is not None and invite.platform_id is None and invite.failed_attempts >= MAX_INVITE_FAILURES:
        raise RegistrationError(_l("This registration link failed %(n)s times and is spent. Ask for a new one.",
                                   n=invite.failed_attempts), code="invite_spent", status=403)
    if invite.used_at is not None:
        raise RegistrationError(_l("This registration link was already used. Ask for a new one."), code="invite_used",
                                status=403)
    if invite.expires_at < utcnow():
        raise RegistrationError(_l("This registration link has expired. Ask for a new one."), code="invite_expired",
                                status=403)
    claimed = db.session.execute(update(RegistrationInvite).where(
        RegistrationInvite.id == invite.id, RegistrationInvite.used_at.is_(None)).values(used_at=utcnow()))
    if claimed.rowcount != 1:
        raise RegistrationError(_l("This registration link was already used. Ask for a new one."), code="invite_used",
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
    except Exception as exc:
        db.session.rollback()
        reason = exc.code if isinstance(exc, RegistrationError) else exc.__class__.__name__
        if invite is None:
            log.warning("open registration failed: %s", reason)
            raise
        # Give the invite back so the admin can try again, but only a few times: one link must not
        # allow unlimited probing of addresses for its whole lifetime.
        failures = invite.failed_attempts + 1
        spent = failures >= MAX_INVITE_FAILURES
        db.session.execute(update(RegistrationInvite).where(RegistrationInvite.id == invite.id)
                           .values(failed_attempts=failures, used_at=utcnow() if spent else None))
        db.session.commit()
        log.warning("registration with invite %s failed (%s), attempt %s of %s%s", invite.id, reason, failures,
                    MAX_INVITE_FAILURES, "; the invite is now spent" if spent else "")
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
        raise RegistrationError(_l("Open registration is switched off. Ask the tool's operator for an invite link."),
                                code="registration_closed", status=403)
    return _register(None)
