"""Assignment and Grade Services 2.0: line items, scores (with Moodle's rules) and results."""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from .constants import ACTIVITY_PROGRESS, GRADING_PROGRESS, MediaType, Scope
from .models import AccessToken, LineItem, ScoreRecord
from .state import DevPlatform
from .web import bearer_token, current_platform, json_error, json_response

bp = Blueprint("ags", __name__, url_prefix="/api/ags")

READ_SCOPES = (Scope.LINEITEM.value, Scope.LINEITEM_READONLY.value)
ITEM_FIELDS = {
    "resourceLinkId": "resource_link_id",
    "resourceId": "resource_id",
    "tag": "tag",
    "startDateTime": "start_date_time",
    "endDateTime": "end_date_time",
}
MAX_PAGE = 100


def _number(value: Any) -> bool:
    """Tell whether ``value`` is a finite JSON number (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _plain(value: float) -> float | int:
    """Render whole floats as integers in JSON."""
    return int(value) if float(value).is_integer() else value


def item_url(platform: DevPlatform, item: LineItem) -> str:
    """Return the absolute URL of a line item."""
    return platform.url(f"/api/ags/{item.course_id}/lineitems/{item.item_id}")


def item_json(platform: DevPlatform, item: LineItem) -> dict[str, Any]:
    """Serialize a line item as AGS JSON."""
    body: dict[str, Any] = {**item.extra, "id": item_url(platform, item), "label": item.label}
    body["scoreMaximum"] = _plain(item.score_maximum)
    for key, attr in ITEM_FIELDS.items():
        if getattr(item, attr) is not None:
            body[key] = getattr(item, attr)
    return body


def _parse_item(platform: DevPlatform, course_id: str, client_id: str, body: Any) -> dict[str, Any] | str:
    """Validate a line item body; return LineItem field values or an error text."""
    if not isinstance(body, dict):
        return "line item body must be a JSON object"
    if not isinstance(body.get("label"), str) or not body["label"].strip():
        return "label is required"
    if not _number(body.get("scoreMaximum")) or body["scoreMaximum"] <= 0:
        return "scoreMaximum must be a number greater than 0"
    fields: dict[str, Any] = {"label": body["label"], "score_maximum": float(body["scoreMaximum"])}
    for key, attr in ITEM_FIELDS.items():
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            return f"{key} must be a string"
        fields[attr] = value
    for key in ("startDateTime", "endDateTime"):
        if body.get(key) is not None and _parse_time(body[key]) is None:
            return f"{key} must be an ISO 8601 date-time with a time zone"
    link_id = fields["resource_link_id"]
    if link_id and link_id not in {lnk.link_id for lnk in platform.links_for(course_id, client_id)}:
        return f"resourceLinkId {link_id!r} is not a resource link of this tool in {course_id}"
    known = {*ITEM_FIELDS, "id", "label", "scoreMaximum"}
    fields["extra"] = {key: value for key, value in body.items() if key not in known}
    return fields


def _parse_time(value: Any) -> datetime | None:
    """Parse an ISO 8601 timestamp that carries a time zone."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _paginate(records: list[Any], base: str, args: dict[str, str]) -> tuple[list[Any], dict[str, str]]:
    """Slice by ``limit``/``from`` and return the page and a Link header for the next page."""
    try:
        limit = max(0, min(int(args.get("limit", "0")), MAX_PAGE))
        start = max(0, int(args.get("from", "0")))
    except ValueError:
        limit, start = 0, 0
    if not limit:
        return records[start:], {}
    page = records[start : start + limit]
    if start + limit >= len(records):
        return page, {}
    next_url = base + "?" + urlencode({**args, "from": str(start + limit)})
    return page, {"Link": f'<{next_url}>; rel="next"'}


def _owned_item(platform: DevPlatform, course_id: str, item_id: str, token: AccessToken) -> LineItem | None:
    """Return the line item if it exists in the course and belongs to the token's client."""
    item = platform.line_items.get(item_id)
    if item is None or item.course_id != course_id or item.client_id != token.client_id:
        return None
    return item


@bp.get("/<course_id>/lineitems")
def list_items(course_id: str) -> Response:
    """List the client's line items, filtered by resource_link_id, resource_id or tag."""
    platform = current_platform()
    token = bearer_token(*READ_SCOPES)
    if isinstance(token, Response):
        return token
    if course_id not in platform.courses:
        return json_error(404, "not_found", f"unknown course {course_id}")
    args = request.args.to_dict()
    items = platform.line_items_for(course_id, token.client_id)
    for arg, attr in (("resource_link_id", "resource_link_id"), ("resource_id", "resource_id"), ("tag", "tag")):
        if arg in args:
            items = [item for item in items if getattr(item, attr) == args[arg]]
    page, headers = _paginate(items, platform.url(f"/api/ags/{course_id}/lineitems"), args)
    response = json_response([item_json(platform, item) for item in page], MediaType.LINEITEM_CONTAINER.value)
    response.headers.update(headers)
    return response


@bp.post("/<course_id>/lineitems")
def create_item(course_id: str) -> Response:
    """Create a line item for the calling client."""
    platform = current_platform()
    token = bearer_token(Scope.LINEITEM.value)
    if isinstance(token, Response):
        return token
    if course_id not in platform.courses:
        return json_error(404, "not_found", f"unknown course {course_id}")
    if request.mimetype not in (MediaType.LINEITEM.value, "application/json"):
        return json_error(415, "unsupported_media_type", f"Content-Type must be {MediaType.LINEITEM.value}")
    fields = _parse_item(platform, course_id, token.client_id, request.get_json(silent=True))
    if isinstance(fields, str):
        return json_error(400, "invalid_request", fields)
    item = platform.create_line_item(course_id, token.client_id, **fields)
    response = json_response(item_json(platform, item), MediaType.LINEITEM.value, 201)
    response.headers["Location"] = item_url(platform, item)
    return response


@bp.route("/<course_id>/lineitems/<item_id>", methods=["GET", "PUT", "DELETE"])
def one_item(course_id: str, item_id: str) -> Response:
    """Read, replace or delete one line item."""
    platform = current_platform()
    token = bearer_token(*(READ_SCOPES if request.method == "GET" else (Scope.LINEITEM.value,)))
    if isinstance(token, Response):
        return token
    item = _owned_item(platform, course_id, item_id, token)
    if item is None:
        return json_error(404, "not_found", f"no line item {item_id} in {course_id} for this client")
    if request.method == "DELETE":
        with platform.lock:
            platform.line_items.pop(item_id, None)
        return Response(status=204)
    if request.method == "PUT":
        fields = _parse_item(platform, course_id, token.client_id, request.get_json(silent=True))
        if isinstance(fields, str):
            return json_error(400, "invalid_request", fields)
        with platform.lock:
            for attr, value in fields.items():
                setattr(item, attr, value)
    return json_response(item_json(platform, item), MediaType.LINEITEM.value)


def _score_error(body: Any) -> str | None:
    """Return why a score body breaks Moodle's rules, or ``None``."""
    if not isinstance(body, dict):
        return "Incorrect score received: body must be a JSON object"
    required = ("userId", "timestamp", "activityProgress", "gradingProgress")
    missing = [key for key in required if body.get(key) in (None, "")]
    if missing:
        return f"Incorrect score received: missing {', '.join(missing)}"
    if not isinstance(body["userId"], str):
        return "Incorrect score received: userId must be a string"
    if body["activityProgress"] not in ACTIVITY_PROGRESS:
        return f"Incorrect score received: activityProgress must be one of {sorted(ACTIVITY_PROGRESS)}"
    if body["gradingProgress"] not in GRADING_PROGRESS:
        return f"Incorrect score received: gradingProgress must be one of {sorted(GRADING_PROGRESS)}"
    if _parse_time(body["timestamp"]) is None:
        return "Incorrect score received: timestamp must be ISO 8601 with a time zone"
    if "scoreGiven" in body and (not _number(body["scoreGiven"]) or body["scoreGiven"] < 0):
        return "Incorrect score received: scoreGiven must be a number >= 0"
    if "scoreGiven" in body and "scoreMaximum" not in body:
        return "Incorrect score received: scoreMaximum is required with scoreGiven"
    if "scoreMaximum" in body and (not _number(body["scoreMaximum"]) or body["scoreMaximum"] <= 0):
        return "Incorrect score received: scoreMaximum must be a number > 0"
    return None


def _injected_fault(platform: DevPlatform) -> Response | None:
    """Apply ``platform.ags_fault`` to this score POST; ``hang`` sleeps and then proceeds.

    ``422`` answers as Canvas does for an unpublished assignment; with ``count`` ``None`` it lasts until the
    test clears ``platform.ags_fault`` (the teacher publishes).
    """
    fault = platform.take_ags_fault()
    if not fault:
        return None
    mode = str(fault.get("mode"))
    if mode == "500":
        return json_error(500, "server_error", "injected fault: internal server error")
    if mode == "429":
        retry_after = str(fault.get("retry_after", 1))
        return json_error(429, "rate_limited", "injected fault: too many requests", **{"Retry-After": retry_after})
    if mode == "422":  # Canvas, for an assignment that is not published yet; clear the fault to "publish" it
        body = {"errors": [{"field": "grade", "message": "cannot be changed at this time: This assignment is "
                            "still unpublished", "error_code": None}]}
        return json_response(body, "application/json", 422)
    if mode == "hang":
        time.sleep(float(fault.get("hang_seconds", 10)))
    return None


@bp.post("/<course_id>/lineitems/<item_id>/scores")
def post_score(course_id: str, item_id: str) -> Response:
    """Accept a score; validation, gradability, timestamp and storage rules come from the platform profile."""
    platform = current_platform()
    platform.count("score_posts")
    fault = _injected_fault(platform)
    if fault is not None:
        return fault
    token = bearer_token(Scope.SCORE.value)
    if isinstance(token, Response):
        return token
    item = _owned_item(platform, course_id, item_id, token)
    if item is None:
        return json_error(404, "not_found", f"no line item {item_id} in {course_id} for this client")
    if request.mimetype != MediaType.SCORE.value:
        return json_error(415, "unsupported_media_type", f"Content-Type must be {MediaType.SCORE.value}")
    body = request.get_json(silent=True)
    # -- platform profile rules (profiles.py): refusal, kept score, timestamp, gradebook state --
    profile = platform.profile
    refusal = profile.refuse_score(platform, item, body, _score_error)
    if refusal is not None:
        return refusal
    record = ScoreRecord(
        item_id=item.item_id,
        user_id=body["userId"],
        timestamp=_parse_time(body["timestamp"]) or datetime.now(timezone.utc),
        score_given=profile.kept_score(body),
        score_maximum=float(body.get("scoreMaximum", 1)),
        received=body,
        received_at=datetime.now(timezone.utc),
    )
    if not platform.accept_score(record, item):
        previous = platform.previous_score(item.item_id, record.user_id)
        return profile.conflict(previous.timestamp if previous else record.timestamp, record.timestamp)
    return profile.score_accepted(platform, item, record)


@bp.get("/<course_id>/lineitems/<item_id>/results")
def results(course_id: str, item_id: str) -> Response:
    """List the latest result of each learner for a line item (filter ``user_id``)."""
    platform = current_platform()
    token = bearer_token(Scope.RESULT_READONLY.value)
    if isinstance(token, Response):
        return token
    item = _owned_item(platform, course_id, item_id, token)
    if item is None:
        return json_error(404, "not_found", f"no line item {item_id} in {course_id} for this client")
    args = request.args.to_dict()
    records = [r for r in platform.latest_scores(item_id) if "user_id" not in args or r.user_id == args["user_id"]]
    base = item_url(platform, item)
    page, headers = _paginate(records, base + "/results", args)
    body = []
    for record in page:
        result: dict[str, Any] = {"id": f"{base}/results/{record.user_id}", "scoreOf": base, "userId": record.user_id}
        if record.score_given is not None:
            result["resultScore"] = _plain(record.score_given)
            result["resultMaximum"] = _plain(record.score_maximum)
        if isinstance(record.received.get("comment"), str):
            result["comment"] = record.received["comment"]
        body.append(result)
    response = json_response(body, MediaType.RESULT_CONTAINER.value)
    response.headers.update(headers)
    return response
