"""Flask application factory of the development LTI 1.3 platform."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request

from . import admin, ags, deeplink, nrps, oauth, oidc, registration
from .constants import Role
from .state import DevPlatform
from .web import EXTENSION_KEY, current_platform, json_error

FAULT_MODES = ("500", "429", "hang")


def create_platform_app(platform: DevPlatform) -> Flask:
    """Build the platform's Flask app around ``platform``; mount it anywhere (e.g. ``/platform``)."""
    app = Flask(__name__)
    app.extensions[EXTENSION_KEY] = platform
    for blueprint in (oidc.bp, oauth.bp, ags.bp, nrps.bp, deeplink.bp, registration.bp, admin.bp):
        app.register_blueprint(blueprint)
    app.add_url_rule("/", "index", index)
    app.add_url_rule("/.well-known/jwks.json", "jwks", jwks)
    app.add_url_rule("/return", "lti_return", lti_return)
    app.add_url_rule("/control/ags-fault", "ags_fault", ags_fault, methods=["POST"])
    app.after_request(_log_request)
    return app


def _log_request(response: Response) -> Response:
    """Record method, path and status of every handled request."""
    current_platform().log_request(request.method, request.path, response.status_code)
    return response


def gradebook_rows(platform: DevPlatform) -> list[dict[str, Any]]:
    """Return one row per received score, oldest first, for the gradebook table."""
    rows = []
    with platform.lock:
        for record in platform.scores:
            item = platform.line_items.get(record.item_id)
            user = platform.users.get(record.user_id)
            rows.append(
                {
                    "user": user.name if user else record.user_id,
                    "course_id": item.course_id if item else "",
                    "label": item.label if item else record.item_id,
                    "score_given": record.score_given,
                    "score_maximum": record.score_maximum,
                    "activity_progress": record.received.get("activityProgress"),
                    "grading_progress": record.received.get("gradingProgress"),
                    "timestamp": record.received.get("timestamp"),
                }
            )

    return rows


def grade_rows(platform: DevPlatform) -> list[dict[str, Any]]:
    """Return one row per learner and line item: what the gradebook holds by the profile's rules."""
    with platform.lock:
        return [
            {
                "user": platform.users[uid].name if uid in platform.users else uid,
                "label": platform.line_items[iid].label if iid in platform.line_items else iid,
                "published": platform.line_items[iid].published if iid in platform.line_items else True,
                "state": state,
            }
            for (iid, uid), state in platform.grades.items()
        ]


def jwks() -> Response:
    """Publish the platform's public keys."""
    return jsonify(current_platform().jwks())


def index() -> str:
    """Render the platform home page: tools, courses, launch buttons, deep-linked items, gradebook."""
    platform = current_platform()
    with platform.lock:
        courses = list(platform.courses.values())
        clients = list(platform.clients.values())
        items = platform.deep_linked_items()
        gradebook = gradebook_rows(platform)
        grades = grade_rows(platform)
        line_items = list(platform.line_items.values())
        member_counts = {
            course.course_id: {
                "learners": sum(1 for _, role in course.members if role == Role.LEARNER.value),
                "total": len(course.members),
            }
            for course in courses
        }
    return render_template(
        "devplatform/index.html",
        platform=platform,
        courses=courses,
        clients=clients,
        items=items,
        gradebook=gradebook,
        grades=grades,
        line_items=line_items,
        member_counts=member_counts,
    )


def lti_return() -> str:
    """Show what a tool sent back through the launch_presentation return URL."""
    platform = current_platform()
    message = {key: request.args.get(key, "") for key in ("lti_msg", "lti_errormsg", "lti_log", "lti_errorlog")}
    message["course"] = request.args.get("course", "")
    with platform.lock:
        platform.return_messages.append(message)
    return render_template("devplatform/return.html", message=message)


def ags_fault() -> Response:
    """Set or clear ``platform.ags_fault`` over HTTP (only when ``allow_control`` is true)."""
    platform = current_platform()
    if not platform.allow_control:
        return json_error(404, "not_found", "control endpoints are disabled")
    body: Any = request.get_json(silent=True)
    if body is not None and (not isinstance(body, dict) or str(body.get("mode")) not in FAULT_MODES):
        return json_error(400, "invalid_request", f"send null or an object with mode in {FAULT_MODES}")
    with platform.lock:
        platform.ags_fault = None if body is None else {**body, "mode": str(body["mode"])}
    return Response(status=204)
