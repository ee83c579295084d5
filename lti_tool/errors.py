"""Named application errors and the one place that turns them into responses.

Each feature raises a subclass of :class:`AppError` with a stable ``code``. The handlers here render
an HTML page that reads well inside an LMS iframe, or JSON for API callers, and never a stack trace.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """Base for errors that have a specific, explainable HTTP answer."""

    status = 400
    code = "bad_request"
    title = _l("Something was not right with this request")
    #: What the person can do. ``%(lms_admin)s`` names who runs their learning platform (see ``lms_admin``).
    hint = _l("Go back to your course and try again. If it keeps happening, tell %(lms_admin)s.")
    #: "moodle", "canvas" or "other" when the platform is known before a tool session exists (launch errors).
    product: str | None = None
    #: The platform a launch or login named, when known: its LMS may show this error in its frame.
    platform_id: int | None = None

    def __init__(self, detail: str | None = None, *, code: str | None = None, status: int | None = None):
        super().__init__(detail or str(self.title))
        self.detail = detail or ""
        if code:
            self.code = code
        if status:
            self.status = status


class NotFound(AppError):
    status = 404
    code = "not_found"
    title = _l("We could not find that page")


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = _l("You do not have access to this")
    hint = _l("Open the tool again from your course. If you think you should have access, ask your trainer "
              "or your organisation's administrator in this tool.")


def lms_admin(product: str | None) -> str:
    """Name who can fix a registration or access problem in the person's learning platform."""
    if product == "moodle":
        return str(_l("your Moodle site administrator"))
    if product == "canvas":
        return str(_l("your Canvas administrator"))
    return str(_l("the administrator of your learning platform"))


def _product_of_request(exc: Exception | None) -> str | None:
    """The platform product behind this request: from the error, or from the tool session if one was loaded."""
    product = getattr(exc, "product", None)
    if product:
        return product
    session = g.get("tool_session")
    if session is None:
        return None
    info = current_app.extensions["r2com"]["platforms"].by_id(session.platform_id)
    return info.product if info else None


def wants_json() -> bool:
    """Tell whether the caller asked for JSON rather than a page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _course_url() -> str | None:
    """Where "back to your course" leads: the LMS return URL of a verified tool session, if any."""
    session = g.get("tool_session")
    url = (session.data.get("return_url") if session is not None else None) or ""
    return url if url.startswith(("https://", "http://")) else None


def error_response(status: int, code: str, title: str, detail: str = "", hint: str = "") -> Response:
    """Render an error as JSON or as a page.

    People read the title and the hint, in plain words; the technical detail (which may speak of tokens and
    keys) and the code sit in a closed "details for your administrator" section, and in the log.
    """
    if wants_json():
        resp = jsonify({"error": code, "title": str(title), "detail": detail})
    else:
        resp = Response(render_template("error.html", status=status, code=code, title=title,
                                        detail=detail, hint=hint, course_url=_course_url()), mimetype="text/html")
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    return resp


def register_error_handlers(app: Flask) -> None:
    """Install the handlers for our errors, HTTP errors and anything unexpected."""

    @app.errorhandler(AppError)
    def _app_error(exc: AppError) -> Response:
        log.info("request refused: %s %s -> %s %s", request.method, request.path, exc.status, exc.code)
        hint = str(exc.hint) % {"lms_admin": lms_admin(_product_of_request(exc))}
        if exc.platform_id is not None:
            g.frame_platform_id = exc.platform_id
        return error_response(exc.status, exc.code, str(exc.title), str(exc.detail), hint)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        titles = {
            404: _l("We could not find that page"),
            405: _l("This address does not accept that kind of request"),
            413: _l("The request was too large"),
            400: _l("Something was not right with this request"),
        }
        hints = {
            404: _l("The link may be old or mistyped. Go back to your course and open the activity from there."),
            405: _l("Go back to your course and open the activity from there."),
            413: _l("Try again with less text or a smaller file."),
            400: _l("Go back to your course and try again."),
        }
        title = titles.get(status, exc.name)
        # Werkzeug's own descriptions are written for developers: they go to the technical details only.
        return error_response(status, exc.name.lower().replace(" ", "_"), str(title), exc.description or "",
                              str(hints.get(status, "")))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", str(_l("Something went wrong on our side")),
                              "", str(_l("Please try again in a minute. The error has been logged.")))
