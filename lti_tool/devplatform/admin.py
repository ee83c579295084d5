"""Administrator and teacher actions of the platform profiles: activate, install, publish, tool details.

These are what a person does in the real LMS (Moodle: activate a pending tool in Manage tools; Canvas:
install a developer key in an account, sub-account or course, publish an assignment), so they need no
``allow_control``. Each answers JSON when asked for it (``Accept: application/json``), else a short page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from .models import Client
from .state import DevPlatform
from .web import current_platform, json_error

bp = Blueprint("admin", __name__)


def _wants_json() -> bool:
    """Tell whether the caller asked for JSON (the driver does; the home page's forms do not)."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def tool_json(platform: DevPlatform, client: Client) -> dict[str, Any]:
    """Describe a tool as the platform sees it: deployments, installs, placements, pending or active."""
    with platform.lock:
        return {
            "client_id": client.client_id,
            "name": client.name,
            "active": client.active,
            "deployment_ids": list(client.deployment_ids),
            "installs": [
                {"deployment_id": i.deployment_id, "scope": i.scope, "context_id": i.context_id}
                for i in client.installs
            ],
            "placements": [dict(p) for p in client.placements],
            "claims": sorted(client.claims),
            "profile": platform.profile.name,
        }


def _answer(title: str, message: str, body: dict[str, Any], status: int = 200) -> Response:
    """Answer JSON or a small HTML page."""
    if _wants_json():
        response = jsonify(body)
        response.status_code = status
        return response
    html = render_template("devplatform/action_result.html", title=title, message=message, body=body)
    return Response(html, status=status)


@bp.get("/tools/<client_id>")
def tool_details(client_id: str) -> Response:
    """Show a tool's deployments, installs and derived placements as JSON."""
    platform = current_platform()
    client = platform.clients.get(client_id)
    if client is None:
        return json_error(404, "not_found", f"unknown client_id {client_id}")
    return jsonify(tool_json(platform, client))


@bp.post("/tools/<client_id>/activate")
def activate(client_id: str) -> Response:
    """Activate a pending tool (Moodle: Site administration > Manage tools > Activate)."""
    platform = current_platform()
    if client_id not in platform.clients:
        return _answer("Unknown tool", f"There is no tool with client ID {client_id}.", {"error": "not_found"}, 404)
    platform.activate_tool(client_id)
    client = platform.clients[client_id]
    return _answer("Tool activated", f"{client.name} is active: teachers can add it and launches work.",
                   tool_json(platform, client))


@bp.post("/tools/<client_id>/install")
def install(client_id: str) -> Response:
    """Install a tool in the account, a sub-account or a course (Canvas); answer the new deployment id."""
    platform = current_platform()
    if client_id not in platform.clients:
        return _answer("Unknown tool", f"There is no tool with client ID {client_id}.", {"error": "not_found"}, 404)
    scope = request.values.get("scope", "account")
    context = request.values.get("context") or None
    try:
        deployment_id = platform.install_tool(client_id, scope, context)
    except ValueError as exc:
        return _answer("Not installed", str(exc), {"error": "invalid_request", "error_description": str(exc)}, 400)
    client = platform.clients[client_id]
    install_row = client.installs[-1]
    body = {**tool_json(platform, client), "deployment_id": deployment_id, "scope": install_row.scope,
            "context_id": install_row.context_id}
    return _answer("Tool installed", f"{client.name} installed in {install_row.scope} {install_row.context_id}. "
                   f"New deployment ID: {deployment_id}", body)


@bp.post("/line-items/<item_id>/publish")
def publish(item_id: str) -> Response:
    """Publish the assignment behind a line item (Canvas refuses scores for unpublished ones)."""
    platform = current_platform()
    if item_id not in platform.line_items:
        return _answer("Unknown line item", f"There is no line item {item_id}.", {"error": "not_found"}, 404)
    platform.publish_line_item(item_id)
    item = platform.line_items[item_id]
    return _answer("Assignment published", f"{item.label} is published: scores are accepted.",
                   {"item_id": item_id, "published": True, "label": item.label})


@bp.get("/post_message_forwarding")
def post_message_forwarding() -> Response:
    """Canvas's storage frame: answer ``lti.put_data`` / ``lti.get_data`` for tools framed beside it."""
    return Response(render_template("devplatform/post_message_forwarding.html"))


@bp.get("/course-frame")
def course_frame() -> Response:
    """A course page that frames the launch beside the storage frame (Canvas with platform storage)."""
    platform = current_platform()
    client = platform.clients.get(request.args.get("client_id", ""))
    course = platform.courses.get(request.args.get("course") or "course-101")
    if client is None or course is None:
        return json_error(400, "invalid_request", "client_id and course must name a registered tool and a course")
    launch_url = url_for("oidc.launch", **request.args.to_dict())
    return Response(render_template("devplatform/course_frame.html", course=course, client=client,
                                    launch_url=launch_url))
