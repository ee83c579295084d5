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
    """Who may show this response in a frame: the tool itself, the origins of the platform the request belongs
    to, and the ``LTI_TOOL_FRAME_ANCESTORS`` setting (or ``*`` for any).

    The platform is the tool session's, or the one a launch or login named (``g.frame_platform_id``, set for
    the pages and errors of a launch). A request of no known platform may be framed by the tool and the
    setting's origins only.
    """
    extra = current_app.config["R2COM"]["FRAME_ANCESTORS"]
    if "*" in extra:
        return ("*",)
    session = g.get("tool_session")
    platform_id = session.platform_id if session is not None else g.get("frame_platform_id")
    directory = current_app.extensions.get("r2com", {}).get("platforms")
    origins: tuple[str, ...] = ()
    if platform_id is not None and directory is not None:
        try:
            origins = directory.frame_origins(platform_id)
        except Exception:  # the database is down: an error page must still get its headers
            origins = ()
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


#: The header sets of responses without a script nonce, per (frame ancestors, https): few, and the same on
#: every page of a platform, so each is built once per process (bounded; cleared when full).
_HEADER_SETS: dict[tuple[tuple[str, ...], bool], list[tuple[str, str]]] = {}


@bp.after_app_request
def _security_headers(resp: Response) -> Response:
    nonce = g.get("csp_nonce")
    secure = request.is_secure
    if nonce is None:
        key = (frame_ancestors(), secure)
        headers = _HEADER_SETS.get(key)
        if headers is None:
            if len(_HEADER_SETS) > 64:
                _HEADER_SETS.clear()
            headers = _HEADER_SETS[key] = security_headers(key[0], secure=secure)
    else:
        headers = security_headers(frame_ancestors(), nonce, secure)
    for name, value in headers:
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
    """Readiness: the database answers, the tool has a signing key and the master key opens the stored data keys."""
    from ..extensions import db

    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means "not ready"
        checks["database"] = f"unavailable ({exc.__class__.__name__})"
    keyring = current_app.extensions["r2com"]["keyring"]
    checks["keys"] = "ok" if not keyring.empty else "missing"
    if "case_cipher" in current_app.extensions["r2com"] and checks["database"] == "ok":
        checks["master_key"] = _master_key_check()
    ready = all(v == "ok" for v in checks.values())
    resp = jsonify({"status": "ready" if ready else "not ready", "checks": checks})
    resp.status_code = 200 if ready else 503
    return resp


def _master_key_check() -> str:
    """``ok``, or a plain reason (no key material): the master key is missing, unreadable or not the right one."""
    from ..assessment.crypto import MasterKeyProblem, check_master_key

    settings = current_app.config["R2COM"]
    try:
        check_master_key(settings["KEYS_DIR"], required=settings["ENV"] == "production")
    except MasterKeyProblem as exc:
        current_app.logger.error("not ready: %s", exc)
        return exc.reason
    except Exception as exc:  # a database error while reading the data keys also means "not ready"
        return f"unavailable ({exc.__class__.__name__})"
    return "ok"
