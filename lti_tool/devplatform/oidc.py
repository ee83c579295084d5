"""Third-party initiated login (``/launch``) and the OIDC authorization endpoint (``/auth``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, redirect, render_template, request

from .claims import LaunchRequest, build_id_token_claims, target_link_uri
from .state import DevPlatform
from .web import current_platform, text_error

bp = Blueprint("oidc", __name__)

HINT_SALT = "lti_message_hint"
HINT_MAX_AGE_SECONDS = 600
MESSAGES = ("resource", "deeplink")


def add_query(url: str, params: dict[str, str]) -> str:
    """Append query parameters to a URL that may already have a query string."""
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def resolve_launch(platform: DevPlatform, values: dict[str, Any]) -> LaunchRequest | str:
    """Turn launch parameters into a :class:`LaunchRequest`, or return an error text."""
    client = platform.clients.get(values.get("client_id") or "")
    if client is None:
        return f"unknown client_id {values.get('client_id')!r}"
    refusal = platform.profile.client_refusal(client)
    if refusal:
        return refusal
    course_id = values.get("course") or "course-101"
    if course_id not in platform.courses:
        return f"unknown course {course_id!r}"
    deployment_id = values.get("deployment_id") or platform.profile.default_deployment(platform, client, course_id)
    if not deployment_id:
        return f"the tool {client.name!r} is not installed for {course_id}: install it first (no deployment)"
    refusal = platform.profile.deployment_refusal(platform, client, course_id, deployment_id)
    if refusal:
        return refusal
    user = platform.resolve_user(course_id, values.get("user") or "learner")
    if user is None:
        return f"user {values.get('user')!r} is not a member of {course_id}"
    message = values.get("message") or "resource"
    if message not in MESSAGES:
        return f"message must be one of {', '.join(MESSAGES)}"
    placement = values.get("placement") or None
    if placement:
        if not client.placements:
            return f"placement {placement!r}: the tool has no derived placements (it was not registered dynamically)"
        found = client.placement(placement)
        if found is None:
            names = ", ".join(p["placement"] for p in client.placements)
            return f"the tool has no {placement} placement (it has: {names})"
        if message == "deeplink" and found.get("message_type") != "LtiDeepLinkingRequest":
            return (f"the tool's {placement} placement is a plain {found.get('message_type')}: the platform adds "
                    "a bare link and never opens the tool's picker (no Deep Linking request)")
        if message == "resource" and found.get("message_type") == "LtiDeepLinkingRequest":
            return f"the tool's {placement} placement is a Deep Linking placement: use message=deeplink"
    link = None
    if values.get("link"):
        links = platform.links_for(course_id, client.client_id)
        link = next((lnk for lnk in links if lnk.link_id == values["link"]), None)
        if link is None:
            return f"link {values['link']!r} is not a link of {course_id} for this tool"
    locale = values.get("locale") or None
    if locale and (len(locale) > 35 or not all(ch.isalnum() or ch in "-_" for ch in locale)):
        return f"locale {locale!r} is not a language tag"
    return LaunchRequest(client, deployment_id, course_id, user, link, message, placement, locale)


@bp.get("/launch")
def launch() -> Response:
    """Start a launch: send the browser to the tool's OIDC login initiation URL."""
    platform = current_platform()
    resolved = resolve_launch(platform, request.args.to_dict())
    if isinstance(resolved, str):
        return text_error(400, resolved)
    hint = platform.sign_value(
        {
            "client_id": resolved.client.client_id,
            "deployment_id": resolved.deployment_id,
            "course": resolved.course_id,
            "user": resolved.user.user_id,
            "link": resolved.link.link_id if resolved.link else None,
            "message": resolved.message,
            "placement": resolved.placement,
            "locale": resolved.locale,
        },
        salt=HINT_SALT,
    )
    params = {
        "iss": platform.issuer,
        "login_hint": resolved.user.user_id,
        "target_link_uri": target_link_uri(resolved),
        "lti_message_hint": hint,
        "client_id": resolved.client.client_id,
    }
    params.update(platform.profile.login_params(platform, resolved.client, resolved.deployment_id))
    if platform.login_initiation == "post":
        fields = list(params.items())
        html = render_template("devplatform/autosubmit.html", action=resolved.client.initiate_login_uri, fields=fields)
        return Response(html)
    return redirect(add_query(resolved.client.initiate_login_uri, params), code=302)


def _check_auth_request(platform: DevPlatform, values: dict[str, str]) -> LaunchRequest | str:
    """Validate an OIDC authentication request like Moodle does; return the launch or an error."""
    if "openid" not in values.get("scope", "").split():
        return "scope must be openid"
    expected = {"response_type": "id_token", "response_mode": "form_post", "prompt": "none"}
    for name, value in expected.items():
        if values.get(name) != value:
            return f"{name} must be {value!r}, got {values.get(name)!r}"
    client = platform.clients.get(values.get("client_id", ""))
    if client is None:
        return f"unknown client_id {values.get('client_id')!r}"
    if values.get("redirect_uri") not in client.redirect_uris:
        return f"redirect_uri {values.get('redirect_uri')!r} is not registered for client {client.client_id}"
    for name in ("login_hint", "lti_message_hint", "nonce", "state"):
        if not values.get(name):
            return f"{name} is required"
    hint = platform.load_value(values["lti_message_hint"], HINT_SALT, HINT_MAX_AGE_SECONDS)
    if not isinstance(hint, dict):
        return "lti_message_hint is invalid or expired"
    if hint["client_id"] != client.client_id:
        return "lti_message_hint was issued for another client_id"
    if values["login_hint"] != hint["user"]:
        return "login_hint does not match lti_message_hint"
    resolved = resolve_launch(
        platform,
        {
            "client_id": hint["client_id"],
            "deployment_id": hint["deployment_id"],
            "course": hint["course"],
            "user": hint["user"],
            "link": hint["link"],
            "message": hint["message"],
            "placement": hint.get("placement"),
            "locale": hint.get("locale"),
        },
    )
    return resolved


@bp.route("/auth", methods=["GET", "POST"])
def auth() -> Response:
    """OIDC authorization endpoint: answer with an auto-submitting form carrying the id_token."""
    platform = current_platform()
    values = {key: request.values.get(key, "") for key in request.values}
    resolved = _check_auth_request(platform, values)
    if isinstance(resolved, str):
        return text_error(400, resolved)
    claims = build_id_token_claims(platform, resolved, values["nonce"])
    headers: dict[str, Any] = {"kid": platform.kid}
    hook = platform.take_id_token_hook()
    outcome = hook(claims, headers) if hook else (claims, headers)
    id_token = outcome if isinstance(outcome, str) else platform.sign_jwt(outcome[0], headers=outcome[1])
    fields = [("id_token", id_token), ("state", values["state"])]
    fields.extend(platform.profile.auth_form_fields(platform, resolved.client))
    html = render_template("devplatform/autosubmit.html", action=values["redirect_uri"], fields=fields)
    response = Response(html)
    response.headers["Cache-Control"] = "no-store"
    return response
