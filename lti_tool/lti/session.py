"""The tool session: a signed, expiring token that names one launch session row.

LMS iframes often block third-party cookies, so the session travels with the page instead: as the
``ltik`` query parameter on links, a hidden ``ltik`` form field, or an ``Authorization: Bearer`` header
for JSON calls. Every later request is checked against the launch session it names, and that session
is scoped to one user in one context of one platform.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from ..db import utcnow
from ..errors import Forbidden
from ..extensions import db
from .constants import Role
from .errors import SessionError
from .models import Context

F = TypeVar("F", bound=Callable[..., Any])
SALT = "r2com-lti-session"


@dataclass(frozen=True)
class ToolSession:
    """The verified caller of a request: who, in which context, with which role."""

    token: str
    id: str
    user_id: int
    context_id: int
    platform_id: int
    resource_link_id: int | None
    role: str
    message_type: str
    data: dict[str, Any]
    #: The interface language the person chose in the tool (see ``lti_tool.i18n``), and the platform's locale then.
    chosen_locale: str | None = None
    chosen_under: str | None = None

    @property
    def is_instructor(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMINISTRATOR)

    @property
    def is_admin(self) -> bool:
        """An administrator of the course or of the whole platform (Moodle site admin, Canvas account admin).

        Only the organisation's settings look at this; what a course shows follows the course role.
        """
        return self.role == Role.ADMINISTRATOR or self.is_platform_admin

    @property
    def is_platform_admin(self) -> bool:
        """The launch named an institution or system administrator of the platform."""
        return bool(self.data.get("platform_admin"))


def _signer() -> TimestampSigner:
    ext = current_app.extensions["r2com"]
    signer = ext.get("session_signer")
    if signer is None:
        signer = ext["session_signer"] = TimestampSigner(current_app.config["SECRET_KEY"], salt=SALT,
                                                         digest_method=hashlib.sha256)
    return signer


def issue_token(session_id: str) -> str:
    """Sign a token for a launch session: ``<session id>.<timestamp>.<HMAC-SHA256>``, all URL-safe.

    The session id is already random and unguessable; the signature means that a leaked list of session
    ids (a database backup, say) cannot be turned into working tokens without the secret key.
    """
    return _signer().sign(session_id).decode("ascii")


def first_value(values: Any, key: str) -> str | None:
    """``values.get(key)`` of a werkzeug MultiDict without its cost: a missing key there builds an HTTP exception."""
    found = values.getlist(key)
    return found[0] if found else None


def _token_from_request() -> str | None:
    auth = request.environ.get("HTTP_AUTHORIZATION", "")  # request.headers["Authorization"], read directly
    if auth.startswith("Bearer "):
        return auth[7:].strip()
    return first_value(request.args, "ltik") or first_value(request.form, "ltik")


def load_session(token: str | None) -> ToolSession:
    """Verify a token and load its launch session; raise SessionError otherwise."""
    if not token:
        raise SessionError(_l("No tool session was sent with this request."), code="no_session")
    settings = current_app.config["R2COM"]
    lifetime = min(settings["SESSION_TOKEN_MINUTES"] * 60, settings["SESSION_HOURS"] * 3600)
    try:
        raw_id, issued = _signer().unsign(token, max_age=lifetime, return_timestamp=True)
        session_id = raw_id.decode("ascii")
    except SignatureExpired as exc:
        raise SessionError(_l("The tool session has expired."), code="session_expired") from exc
    except (BadSignature, UnicodeDecodeError) as exc:
        raise SessionError(_l("The tool session is not valid."), code="bad_session") from exc
    # Every page of the tool checks the session, so this read goes through the launch hot path's raw SQL.
    row = current_app.extensions["r2com"]["hotpath"].load_session(session_id)
    if row is None or row["expires_at"] < utcnow():
        raise SessionError(_l("The tool session has ended."), code="session_expired")
    if not row["active"]:
        raise SessionError(_l("The platform of this session has been disabled."), code="platform_disabled")
    if utcnow() - issued > dt.timedelta(seconds=lifetime / 4):
        # Renewed while the learner is active: the links and forms of this page carry a fresh token, so
        # a token copied from an old address (a log, a history) stops working soon.
        token = issue_token(session_id)
    return ToolSession(token, row["id"], row["user_id"], row["context_id"], row["platform_id"],
                       row["resource_link_id"], row["role"], row["message_type"], row["data"],
                       row.get("ui_locale"), row.get("ui_locale_under"))


def current_session() -> ToolSession:
    """Return the request's tool session (loading it once per request)."""
    if "tool_session" not in g:
        g.tool_session = load_session(_token_from_request())
    return g.tool_session


def session_required(view: F) -> F:
    """Require a valid tool session; the view reads it with ``current_session()``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_session()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def instructor_required(view: F) -> F:
    """Require a tool session of an instructor (incl. TA, content developer) or administrator."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_session().is_instructor:
            raise Forbidden(_l("This page is for trainers of the course."), code="instructor_only")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def session_expiry() -> dt.datetime:
    return utcnow() + dt.timedelta(hours=current_app.config["R2COM"]["SESSION_HOURS"])


def context_of(session: ToolSession) -> Context:
    """Return the context row of a session."""
    return db.session.get(Context, session.context_id)
