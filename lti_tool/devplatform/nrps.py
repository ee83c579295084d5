"""Names and Role Provisioning Services 2.0.

Paging follows the platform profile: generic uses opaque, case-sensitive page tokens; Moodle pages with
``limit``/``from`` and returns everyone when ``limit`` is absent or ≤ 0; Canvas caps pages at 50 and pages
with ``page``/``per_page`` and a Link header carrying ``current``, ``next``, ``first`` and ``last``.
"""

from __future__ import annotations

from typing import Any, Union
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from .constants import ROLE_ALIASES, MediaType, Role, Scope
from .state import DevPlatform
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
    members = platform.members(course_id)
    if args.get("role"):
        wanted = _role_filter(args["role"])
        members = [(user, role) for user, role in members if role == wanted]
    window = _WINDOWS.get(platform.profile.name, _generic_window)(platform, course_id, args, len(members))
    if isinstance(window, Response):
        return window
    offset, limit, link = window
    page = members[offset : offset + limit]
    body: dict[str, Any] = {
        "id": platform.url(request.full_path.rstrip("?")),
        "context": {"id": course.course_id, "label": course.label, "title": course.title},
        "members": [],
    }
    for user, role in page:
        roles = platform.profile.nrps_roles(platform, course_id, user.user_id, role)
        member: dict[str, Any] = {"status": "Active", "user_id": user.user_id, "roles": roles}
        for claim in ("name", "given_name", "family_name", "email"):
            if claim in client.claims:
                member[claim] = getattr(user, claim)
        body["members"].append(member)
    response = json_response(body, MediaType.MEMBERSHIP_CONTAINER.value)
    if link:
        response.headers["Link"] = link
    return response


Window = Union[tuple[int, int, str], Response]


def _generic_window(platform: DevPlatform, course_id: str, args: dict[str, str], total: int) -> Window:
    """Generic: ``limit`` (default ``nrps_page_size``, at most 50) and opaque case-sensitive page tokens."""
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
    link = ""
    if offset + limit < total:
        token_value = PAGE_PREFIX + platform.sign_value({"course": course_id, "offset": offset + limit}, PAGE_SALT)
        query = {k: v for k, v in args.items() if k != "page"}
        query.update({"limit": str(limit), "page": token_value})
        link = f'<{_base(platform, course_id)}?{urlencode(query)}>; rel="next"'
    return offset, limit, link


def _moodle_window(platform: DevPlatform, course_id: str, args: dict[str, str], total: int) -> Window:
    """Moodle (``contextmemberships.php``): ``limit`` ≤ 0 or absent returns all members; else ``from``."""
    try:
        limit = int(args.get("limit") or platform.nrps_page_size or 0)
        start = max(0, int(args.get("from") or 0))
    except ValueError:
        return json_error(400, "invalid_request", "limit and from must be integers")
    if limit <= 0:
        return start, max(total - start, 0), ""
    link = ""
    if start + limit < total:
        query = {**args, "limit": str(limit), "from": str(start + limit)}
        link = f'<{_base(platform, course_id)}?{urlencode(query)}>; rel="next"'
    return start, limit, link


def _canvas_window(platform: DevPlatform, course_id: str, args: dict[str, str], total: int) -> Window:
    """Canvas (``MembershipsProvider``): ``limit`` overrides ``per_page``, both capped at 50; numbered pages."""
    try:
        limit = int(args.get("limit") or 0)
        per_page = int(args.get("per_page") or platform.nrps_page_size or MAX_PAGE_SIZE)
        page = max(1, int(args.get("page") or 1))
    except ValueError:
        return json_error(400, "invalid_request", "limit, per_page and page must be integers")
    size = min(limit if limit > 0 else per_page, MAX_PAGE_SIZE)
    size = size if size > 0 else MAX_PAGE_SIZE
    last = max(1, -(-total // size))
    query = {k: v for k, v in args.items() if k not in ("limit", "page", "per_page")}

    def url(number: int) -> str:
        return _base(platform, course_id) + "?" + urlencode({**query, "page": str(number), "per_page": str(size)})

    links = [f'<{url(page)}>; rel="current"']
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
    if page > 1:
        links.append(f'<{url(page - 1)}>; rel="prev"')
    links.extend([f'<{url(1)}>; rel="first"', f'<{url(last)}>; rel="last"'])
    return (page - 1) * size, size, ",".join(links)


def _base(platform: DevPlatform, course_id: str) -> str:
    """Return the memberships URL of a course."""
    return platform.url(f"/api/nrps/{course_id}/memberships")


_WINDOWS = {"generic": _generic_window, "moodle": _moodle_window, "canvas": _canvas_window}
