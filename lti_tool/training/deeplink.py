"""The Deep Linking response: content items for the picked items, signed as a JWT for the platform.

Every item carries custom parameters (never an empty object: Moodle 4.5 crashes on ``"custom": {}``).
Graded items carry a ``lineItem``; casework never does (DP-6) and has a generic title.
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlencode

import jwt
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..errors import Forbidden
from ..lti import constants as c
from ..lti.session import ToolSession
from .constants import MODULE_SCORE_MAXIMUM, Item, ItemKind, Presentation
from .grading import resource_id, tag

JWT_LIFETIME = 300
IFRAME_SIZE = {"width": 1000, "height": 800}
#: Casework is real-client work: no line item, no score, a title without any client data.
UNGRADED_KINDS = (ItemKind.CASEWORK, ItemKind.DASHBOARD)


def settings_of(session: ToolSession) -> dict[str, Any]:
    """Return the request's deep_linking_settings.

    Raises:
        Forbidden: The session did not come from a Deep Linking request.
    """
    settings = session.data.get("deep_linking_settings")
    if session.message_type != c.MessageType.DEEP_LINKING or not isinstance(settings, dict):
        raise Forbidden(_l("This page only works when you add an activity from your course."), code="not_deep_linking")
    return settings


def accepts_links(settings: dict[str, Any]) -> bool:
    """Tell whether the platform accepts LTI resource links."""
    return "ltiResourceLink" in (settings.get("accept_types") or [])


def presentations(settings: dict[str, Any]) -> list[Presentation]:
    """Return the presentations the platform accepts (iframe first)."""
    targets = settings.get("accept_presentation_document_targets") or []
    found = [p for p in (Presentation.IFRAME, Presentation.WINDOW) if str(p) in targets]
    return found or [Presentation.IFRAME]


def content_item(item: Item, title: str, text: str, presentation: Presentation, *, base_url: str,
                 line_item_label: str | None = None) -> dict[str, Any]:
    """Return one ``ltiResourceLink`` content item."""
    custom = item.custom()
    body: dict[str, Any] = {
        "type": "ltiResourceLink",
        "title": title[:255],
        "text": text[:1000],
        "url": base_url + "/lti/launch?" + urlencode(custom),
        "custom": custom,
    }
    if presentation == Presentation.WINDOW:
        body["window"] = {"targetName": "_blank"}
    else:
        body["iframe"] = dict(IFRAME_SIZE)
    if item.graded and item.kind not in UNGRADED_KINDS:
        maximum = MODULE_SCORE_MAXIMUM if item.kind in (ItemKind.MODULE, ItemKind.CASE_EXERCISE) else 1
        body["lineItem"] = {"scoreMaximum": maximum, "label": (line_item_label or title)[:255],
                            "resourceId": resource_id(item), "tag": tag(item)}
    assert body["custom"], "custom must never be empty"
    return body


def response_jwt(session: ToolSession, items: list[dict[str, Any]], *, msg: str | None = None,
                 errormsg: str | None = None) -> tuple[str, str]:
    """Sign the LtiDeepLinkingResponse; return (JWT, the deep_link_return_url to post it to)."""
    settings = settings_of(session)
    ext = current_app.extensions["r2com"]
    info = ext["platforms"].by_id(session.platform_id)
    if info is None:
        raise Forbidden(_l("The platform of this session is no longer registered."), code="unknown_platform")
    key = ext["keyring"].signing_key()
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": info.client_id,
        "aud": info.issuer,
        "azp": info.client_id,
        "iat": now,
        "exp": now + JWT_LIFETIME,
        "nonce": secrets.token_urlsafe(24),
        c.CLAIM_DEPLOYMENT_ID: session.data.get("deployment_id"),
        c.CLAIM_MESSAGE_TYPE: str(c.MessageType.DEEP_LINKING_RESPONSE),
        c.CLAIM_VERSION: c.LTI_VERSION,
        c.CLAIM_DL_CONTENT_ITEMS: items,
    }
    if settings.get("data") is not None:
        claims[c.CLAIM_DL_DATA] = settings["data"]
    if msg:
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/msg"] = msg
    if errormsg:
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/errormsg"] = errormsg
    token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    return token, str(settings["deep_link_return_url"])
