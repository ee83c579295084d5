"""Deep Linking 2.0 return endpoint: verify the tool's response and store the items it sends."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from .constants import LTI_VERSION, Claim, MessageType
from .models import DeepLinkRequest, ResourceLink
from .state import DevPlatform
from .verify import ToolJwtError, verify_tool_jwt
from .web import current_platform, text_error

bp = Blueprint("deeplink", __name__)

EMPTY_CUSTOM_MESSAGE = (
    'content item {index} has an empty "custom": {{}} object; Moodle 4.5 crashes on it '
    "(params_to_string(): Argument #1 must be of type object, array given). "
    "Send at least one custom parameter or omit the key."
)


def _check_response(platform: DevPlatform, claims: dict[str, Any], client_id: str) -> DeepLinkRequest | str:
    """Check the LTI claims of a Deep Linking response; return the matching request or an error."""
    if claims.get(Claim.MESSAGE_TYPE.value) != MessageType.DEEP_LINKING_RESPONSE.value:
        return f"message_type must be {MessageType.DEEP_LINKING_RESPONSE.value}"
    if claims.get(Claim.VERSION.value) != LTI_VERSION:
        return f"version must be {LTI_VERSION}"
    if not claims.get("nonce"):
        return "nonce is required"
    deployment_id = claims.get(Claim.DEPLOYMENT_ID.value)
    if deployment_id not in platform.clients[client_id].deployment_ids:
        return f"deployment_id {deployment_id!r} is not a deployment of client {client_id}"
    data = claims.get(Claim.DL_DATA.value)
    if not isinstance(data, str) or not data:
        return "the data claim must echo the data value of the Deep Linking request"
    dl_request = platform.dl_requests.get(data)
    if dl_request is None:
        return "the data claim does not match any open Deep Linking request (unknown or already used)"
    if dl_request.client_id != client_id or dl_request.deployment_id != deployment_id:
        return "the data claim belongs to a request for another client or deployment"
    return dl_request


def _check_item(index: int, item: Any) -> str | None:
    """Return why a content item cannot be accepted, or ``None``."""
    if not isinstance(item, dict):
        return f"content item {index} must be a JSON object"
    if item.get("type") != "ltiResourceLink":
        return f"content item {index} has type {item.get('type')!r}; only ltiResourceLink is accepted"
    if "custom" in item:
        custom = item["custom"]
        if not isinstance(custom, dict):
            return f"content item {index}: custom must be an object"
        if not custom:
            return EMPTY_CUSTOM_MESSAGE.format(index=index)
        if not all(isinstance(v, str) for v in custom.values()):
            return f"content item {index}: custom parameter values must be strings"
    line_item = item.get("lineItem")
    if line_item is not None:
        maximum = line_item.get("scoreMaximum") if isinstance(line_item, dict) else None
        if not isinstance(maximum, (int, float)) or isinstance(maximum, bool) or maximum <= 0:
            return f"content item {index}: lineItem.scoreMaximum must be a number > 0"
    for key in ("title", "text", "url"):
        if key in item and not isinstance(item[key], str):
            return f"content item {index}: {key} must be a string"
    return None


def _store_item(platform: DevPlatform, dl_request: DeepLinkRequest, item: dict[str, Any]) -> ResourceLink:
    """Create a resource link (and its line item) from an accepted content item."""
    link = ResourceLink(
        link_id=platform.new_id("dl-link-"),
        course_id=dl_request.course_id,
        title=item.get("title") or "Untitled item",
        client_id=dl_request.client_id,
        url=item.get("url"),
        text=item.get("text"),
        custom=dict(item.get("custom") or {}),
        presentation={k: item[k] for k in ("iframe", "window") if k in item},
        deep_linked=True,
        content_item=item,
    )
    platform.add_resource_link(link)
    line_item = item.get("lineItem")
    if isinstance(line_item, dict):
        platform.create_line_item(
            link.course_id,
            dl_request.client_id,
            str(line_item.get("label") or link.title),
            float(line_item["scoreMaximum"]),
            resource_link_id=link.link_id,
            resource_id=line_item.get("resourceId"),
            tag=line_item.get("tag"),
            deep_linked=True,
        )
    return link


@bp.post("/deep-link-return")
def deep_link_return() -> Response:
    """Receive a Deep Linking response (form field ``JWT``) and add its items to the course."""
    platform = current_platform()
    token = request.form.get("JWT", "")
    if not token:
        return text_error(400, "the form field JWT is required")
    try:
        client, claims = verify_tool_jwt(platform, token, audience=[platform.issuer])
    except ToolJwtError as exc:
        return text_error(400, f"Deep Linking response rejected: {exc}")
    checked = _check_response(platform, claims, client.client_id)
    if isinstance(checked, str):
        return text_error(400, f"Deep Linking response rejected: {checked}")
    items = claims.get(Claim.DL_CONTENT_ITEMS.value) or []
    if not isinstance(items, list):
        return text_error(400, "Deep Linking response rejected: content_items must be a list")
    for index, item in enumerate(items):
        problem = _check_item(index, item)
        if problem:
            return text_error(400, f"Deep Linking response rejected: {problem}")
    if platform.take_dl_request(checked.data) is None:
        return text_error(400, "Deep Linking response rejected: this request was already answered")
    added = [_store_item(platform, checked, item) for item in items]
    with platform.lock:
        platform.last_deep_link_payload = claims
    return Response(
        render_template(
            "devplatform/deep_link_result.html",
            added=added,
            course=platform.courses[checked.course_id],
            client=client,
            msg=claims.get(Claim.DL_MSG.value),
            errormsg=claims.get(Claim.DL_ERRORMSG.value),
        )
    )
