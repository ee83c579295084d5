"""LTI endpoints: JWKS, OIDC login, launch, the admin setup page and Canvas's JSON configuration."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, g, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from .errors import LaunchNeedsPlatform
from .fastpath import HANDOVER_KEY
from .flow import LaunchResult, LoginResult, launch_flow, origin_of
from .errors import StateMismatch
from .landing import landing_path
from .launch import StrictMessageLaunch
from .session import current_session, session_required

bp = Blueprint("lti", __name__, template_folder="templates")
log = logging.getLogger(__name__)


def _ext() -> dict:
    return current_app.extensions["r2com"]


def _settings() -> dict:
    return current_app.config["R2COM"]


def _handed_over() -> Any:
    """What the WSGI fast path already worked out for this request (a result or an error), if anything."""
    done = request.environ.pop(HANDOVER_KEY, None)
    if isinstance(done, BaseException):
        raise done
    return done


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """Publish the tool's public keys."""
    resp = Response(_ext()["keyring"].jwks_json(), mimetype="application/json")
    resp.headers["Cache-Control"] = "public, max-age=300"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.route("/lti/login", methods=["GET", "POST"])
def login() -> Response:
    """OIDC login initiation: check the platform, keep the state server-side, send the browser on."""
    result: LoginResult = _handed_over() or launch_flow().login(
        request.args if request.method == "GET" else request.form, request.cookies, request.is_secure)
    g.frame_platform_id = result.oidc.platform.id  # this login runs in the platform's frame
    if result.storage_target:
        oidc = result.oidc
        resp = Response(render_template("lti/storage_put.html", auth_url=oidc.auth_url, state=oidc.state,
                                        binding=oidc.binding, target=result.storage_target,
                                        origin=result.platform_origin))
    else:
        resp = redirect(result.oidc.auth_url, code=302)
    for cookie in result.set_cookies:
        resp.headers.add("Set-Cookie", cookie)
    resp.headers["Cache-Control"] = "no-store"
    return resp


STORAGE_PROOF_HEADER = "X-R2COM-Storage-Proof"


def storage_proof(state: str) -> str:
    """The proof the platform-storage page sends with the binding it read, as a request header.

    A cross-site form cannot set a header, and a cross-site script cannot send one without a CORS
    preflight, which the tool never answers: so a binding that arrives with this header (and a
    same-origin ``Origin``) was posted by the tool's own page in the browser that holds it. It is
    bound to the state, which is used once.
    """
    mac = hmac.new(current_app.config["SECRET_KEY"].encode(), b"r2com-storage-proof:" + state.encode(),
                   hashlib.sha256)
    return mac.hexdigest()


def _storage_binding() -> str | None:
    """The platform-storage binding of this launch, if the tool's own page sent it; else None."""
    binding = request.form.get("lti_binding")
    state = request.form.get("state", "")
    sent = request.headers.get(STORAGE_PROOF_HEADER, "")
    if not binding or not state or not sent:
        return None
    origin = request.headers.get("Origin")
    if origin is not None and origin != origin_of(_settings()["BASE_URL"]):
        log.info("platform-storage launch refused: posted from another origin")
        return None
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        return None
    if not hmac.compare_digest(sent.encode(), storage_proof(state).encode()):
        return None
    return binding


@bp.post("/lti/launch")
def launch() -> Response:
    """Verify the id_token, consume the login state, open a tool session and show the tool."""
    binding = _storage_binding()
    result: LaunchResult = _handed_over() or launch_flow().launch(request.form, request.cookies, request.is_secure,
                                                                  storage_binding=binding)
    if result.message.platform is not None:
        g.frame_platform_id = result.message.platform.id  # pages of this launch run in the platform's frame
    if not result.opened and binding is not None:
        raise StateMismatch(_l("The value kept in the platform does not belong to this login."), code="state_not_bound")
    if not result.opened:
        return _unbound_launch(result.message, result.state)
    location = result.location or landing_path(result, request.script_root)
    if binding is not None:  # the platform-storage page's request: it navigates itself
        resp = jsonify({"location": location})
        resp.headers["Cache-Control"] = "no-store"
        return resp
    resp = redirect(location, code=303)
    for cookie in result.set_cookies:
        resp.headers.add("Set-Cookie", cookie)
    resp.headers["Cache-Control"] = "no-store"  # the address carries the new session's token
    return resp


def _unbound_launch(message: StrictMessageLaunch, state: str) -> Response:
    """The browser holds no proof that it started this login: platform storage, or a new window."""
    form = request.form
    if form.get("lti_storage_target") and not form.get("lti_binding"):
        resp = Response(render_template("lti/storage_get.html", state=state, id_token=form.get("id_token", ""),
                                        target=form["lti_storage_target"], proof=storage_proof(state),
                                        origin=origin_of(message.platform.auth_login_url)))
        resp.headers["Cache-Control"] = "no-store"
        return resp
    login_url = url_for("lti.login", _external=False) + "?" + urlencode(message.state_record.params)
    resp = Response(render_template("lti/new_window.html", login_url=login_url), status=401)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/lti/launch")
def launch_get() -> Response:
    raise LaunchNeedsPlatform(_l("A launch must come from the learning platform as a form post."))


@bp.get("/lti/home")
@session_required
def home() -> Response:
    """Where a launch lands: hand over to the feature the link or message asks for."""
    return _ext()["router"](current_session())


@bp.get("/lti/setup")
def setup() -> Response:
    """Every URL an admin needs to register the tool by hand, with short steps for Moodle and Canvas."""
    base = _settings()["BASE_URL"]
    urls = tool_urls(base)
    return Response(render_template("lti/setup.html", urls=urls, base=base,
                                    open_registration=_settings()["OPEN_REGISTRATION"]))


def tool_urls(base: str) -> dict[str, str]:
    """The URLs platforms need; also printed by the CLI at start."""
    return {
        "tool_url": base + "/lti/launch",
        "login_url": base + "/lti/login",
        "redirect_url": base + "/lti/launch",
        "jwks_url": base + "/.well-known/jwks.json",
        "deep_linking_url": base + "/lti/launch",
        "canvas_json_url": base + "/lti/canvas.json",
        "setup_url": base + "/lti/setup",
        "open_registration_url": base + "/lti/register",
    }


@bp.get("/lti/canvas.json")
def canvas_json() -> Response:
    """Canvas developer-key JSON configuration (paste the URL into "Enter URL")."""
    base = _settings()["BASE_URL"]
    host = urlsplit(base).netloc
    from .constants import TOOL_SCOPES

    config = {
        "title": "R2COM Aftercare Toolkit",
        "description": "Training, a guide and needs-and-strengths support planning for after-care and exit work.",
        "oidc_initiation_url": base + "/lti/login",
        "target_link_uri": base + "/lti/launch",
        "public_jwk_url": base + "/.well-known/jwks.json",
        "scopes": list(TOOL_SCOPES),
        "extensions": [{
            "platform": "canvas.instructure.com",
            "domain": host,
            "tool_id": "r2com-aftercare-toolkit",
            "privacy_level": "name_only",
            "settings": {
                "text": "R2COM Aftercare Toolkit",
                "placements": [
                    {"placement": "link_selection", "message_type": "LtiDeepLinkingRequest",
                     "target_link_uri": base + "/lti/launch"},
                    {"placement": "assignment_selection", "message_type": "LtiDeepLinkingRequest",
                     "target_link_uri": base + "/lti/launch"},
                    {"placement": "course_navigation", "message_type": "LtiResourceLinkRequest",
                     "target_link_uri": base + "/lti/launch", "text": "Training progress",
                     "custom_fields": {"r2com_item": "dashboard"}, "default": "disabled"},
                ],
            },
        }],
        "custom_fields": {"canvas_course_id": "$Canvas.course.id"},
    }
    return jsonify(config)
