"""Names and Role Provisioning Services 2.0 with opaque, case-sensitive page tokens."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from .constants import ROLE_ALIASES, MediaType, Role, Scope
from .web import bearer_token, current_platform, json_error, json_response

bp = Blueprint("nrps", __name__, url_prefix="/api/nrps")

MAX_PAGE_SIZE = 50
PAGE_SALT = "nrps-page"
#: Page tokens start with mixed case so that a client lowercasing the Link URL breaks loudly.
PAGE_PREFIX = "NxtPg."
SHORT_ROLES = {"Learner": Role.LEARNER.value, "Instructor": Role.INSTRUCTOR.value}


def _role_filter(value: str) -> str | None:
    """Map a ``role`` query value (full URI, short name or alias) to a role URI."""
    if value in {role.value for role in Role}:
        return value
    return SHORT_ROLES.get(value) or ROLE_ALIASES.get(value.lower())


@bp.get("/<course_id>/memberships")
def memberships(course_id: str) -> Response:
    """Return one page of the course roster, with ``Link: <next>; rel="next"`` when more remain."""
    platform = current_platform()
    token = bearer_token(Scope.NRPS.value)
    if isinstance(token, Response):
        return token
    course = platform.courses.get(course_id)
    if course is None:
        return json_error(404, "not_found", f"unknown course {course_id}")
    client = platform.clients[token.client_id]
    args = request.args.to_dict()
    try:
        limit = int(args.get("limit") or platform.nrps_page_size)
    except ValueError:
        return json_error(400, "invalid_request", "limit must be an integer")
    limit = min(limit if limit > 0 else platform.nrps_page_size, MAX_PAGE_SIZE)
    offset = 0
    if "page" in args:
        raw = args["page"]
        value = platform.load_value(raw[len(PAGE_PREFIX) :], PAGE_SALT) if raw.startswith(PAGE_PREFIX) else None
        if not isinstance(value, dict) or value.get("course") != course_id:
            return json_error(400, "invalid_request", "invalid page token (page tokens are case-sensitive)")
        offset = int(value["offset"])
    members = platform.members(course_id)
    if args.get("role"):
        wanted = _role_filter(args["role"])
        members = [(user, role) for user, role in members if role == wanted]
    page = members[offset : offset + limit]
    body: dict[str, Any] = {
        "id": platform.url(request.full_path.rstrip("?")),
        "context": {"id": course.course_id, "label": course.label, "title": course.title},
        "members": [],
    }
    for user, role in page:
        member: dict[str, Any] = {"status": "Active", "user_id": user.user_id, "roles": [role]}
        for claim in ("name", "given_name", "family_name", "email"):
            if claim in client.claims:
                member[claim] = getattr(user, claim)
        body["members"].append(member)
    response = json_response(body, MediaType.MEMBERSHIP_CONTAINER.value)
    if offset + limit < len(members):
        token_value = PAGE_PREFIX + platform.sign_value({"course": course_id, "offset": offset + limit}, PAGE_SALT)
        query = {k: v for k, v in args.items() if k != "page"}
        query.update({"limit": str(limit), "page": token_value})
        next_url = platform.url(f"/api/nrps/{course_id}/memberships") + "?" + urlencode(query)
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response
