"""Shared presentation: base templates, static files, security headers, health checks."""

from __future__ import annotations

import secrets

from typing import Iterable

from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template, request
from flask.sessions import SessionInterface
from sqlalchemy import text

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")


class NoCookieSessionInterface(SessionInterface):
    """The tool keeps no state in Flask's cookie session.

    LMS iframes block third-party cookies, so the tool session travels as the signed ``ltik`` instead
    (``lti/session.py``). A null session costs nothing per request, and writing to it raises at once,
    so nobody can come to rely on a cookie that half the learners' browsers would drop.
    """

    def open_session(self, app: Flask, request: object):  # type: ignore[override]
        return self.make_null_session(app)

    def save_session(self, app: Flask, session: object, response: Response) -> None:  # type: ignore[override]
        return None


def csp_nonce() -> str:
    """Return this request's nonce for inline scripts."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


@bp.app_context_processor
def _template_helpers() -> dict:
    return {"csp_nonce": csp_nonce}


#: One year; sent only on responses served over https.
HSTS = "max-age=31536000"


def frame_ancestors() -> tuple[str, ...]:
    """Who may show the tool in a frame: the tool itself, the registered platforms' origins, and the setting.

    ``LTI_TOOL_FRAME_ANCESTORS`` adds origins (or ``*`` for any). The platform list is the platform
    directory's, refreshed within seconds of a registration.
    """
    extra = current_app.config["R2COM"]["FRAME_ANCESTORS"]
    if "*" in extra:
        return ("*",)
    ext = current_app.extensions.get("r2com", {})
    directory = ext.get("platforms")
    try:
        origins = directory.frame_origins() if directory is not None else ()
    except Exception:  # the database is down: keep what was known (an error page must still get headers)
        origins = ext.get("last_frame_origins", ())
    ext["last_frame_origins"] = origins
    return ("'self'", *origins, *extra)


def security_headers(frame_ancestors: Iterable[str], nonce: str | None = None,
                     secure: bool = False) -> list[tuple[str, str]]:
    """The headers every response carries: CSP (framing only by the LMS origins), HSTS over https and friends."""
    ancestors = " ".join(frame_ancestors) or "'self'"
    script_src = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    headers = [
        ("Content-Security-Policy",
         f"default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; "
         f"object-src 'none'; base-uri 'none'; frame-ancestors {ancestors}"),
        ("X-Content-Type-Options", "nosniff"),
        # Session tokens (ltik) travel in URLs inside the LMS iframe: no Referer at all, not even to the tool.
        ("Referrer-Policy", "no-referrer"),
    ]
    if secure:
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


@bp.after_app_request
def _security_headers(resp: Response) -> Response:
    for name, value in security_headers(frame_ancestors(), g.get("csp_nonce"), request.is_secure):
        resp.headers.setdefault(name, value)
    return resp


@bp.get("/")
def index() -> str:
    """A short page for people who open the tool's address directly."""
    return render_template("index.html")


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """Readiness: the database answers and the tool has a signing key."""
    from ..extensions import db

    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = f"unavailable ({exc.__class__.__name__})"
    keyring = current_app.extensions["r2com"]["keyring"]
    checks["keys"] = "ok" if not keyring.empty else "missing"
    ready = all(v == "ok" for v in checks.values())
    resp = jsonify({"status": "ready" if ready else "not ready", "checks": checks})
    resp.status_code = 200 if ready else 503
    return resp
