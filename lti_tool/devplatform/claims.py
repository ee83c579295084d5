"""Build the id_token claims of resource-link and Deep Linking launches (Moodle style; profiles add theirs)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .constants import (
    AGS_SCOPES,
    LTI_VERSION,
    Claim,
    MessageType,
    Scope,
)
from .models import Client, ResourceLink, User
from .state import DevPlatform

#: id_token lifetime of the generic and Moodle profiles (Canvas: an hour); see ``Profile.id_token_lifetime``.
ID_TOKEN_LIFETIME_SECONDS = 60


@dataclass(frozen=True)
class LaunchRequest:
    """Who launches what: decoded from the signed ``lti_message_hint``."""

    client: Client
    deployment_id: str
    course_id: str
    user: User
    link: ResourceLink | None
    message: str
    #: Canvas profile: the placement launched from (``link_selection``, ``course_navigation``...).
    placement: str | None = None
    #: The user's language as the platform sends it in ``launch_presentation.locale`` (default ``en``).
    locale: str | None = None

    @property
    def is_deep_link(self) -> bool:
        """Tell whether this is a Deep Linking request."""
        return self.message == "deeplink"


def target_link_uri(launch: LaunchRequest) -> str:
    """Return where the launch should land in the tool."""
    if launch.placement:
        placement = launch.client.placement(launch.placement)
        if placement and placement.get("target_link_uri") and not launch.link:
            return str(placement["target_link_uri"])
    if launch.is_deep_link:
        return launch.client.deep_link_uri
    return (launch.link.url if launch.link and launch.link.url else None) or launch.client.target_link_uri


def build_id_token_claims(platform: DevPlatform, launch: LaunchRequest, nonce: str) -> dict[str, Any]:
    """Return the full claim set of an id_token for ``launch``."""
    client, course = launch.client, platform.courses[launch.course_id]
    now = int(time.time())
    profile = platform.profile
    claims: dict[str, Any] = {
        "iss": platform.issuer,
        "aud": client.client_id,
        "azp": client.client_id,
        "sub": launch.user.user_id,
        "iat": now,
        "exp": now + profile.id_token_lifetime,
        "nonce": nonce,
        Claim.VERSION.value: LTI_VERSION,
        Claim.DEPLOYMENT_ID.value: launch.deployment_id,
        Claim.TARGET_LINK_URI.value: target_link_uri(launch),
        Claim.ROLES.value: profile.launch_roles(platform, course.course_id, launch.user.user_id),
        Claim.CONTEXT.value: {
            "id": course.course_id,
            "label": course.label,
            "title": course.title,
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        },
        Claim.LAUNCH_PRESENTATION.value: {
            "document_target": "iframe",
            "return_url": platform.url(f"/return?course={course.course_id}"),
            "locale": launch.locale or "en",
        },
        Claim.TOOL_PLATFORM.value: {
            "guid": platform.issuer,
            "name": platform.title,
            "product_family_code": profile.product_family_code,
            "version": profile.version,
        },
    }
    claims.update(_personal_claims(client, launch.user))
    claims.update(profile.extra_claims(platform, launch))
    if launch.is_deep_link:
        claims[Claim.MESSAGE_TYPE.value] = MessageType.DEEP_LINKING.value
        claims[Claim.DL_SETTINGS.value] = _deep_linking_settings(platform, launch)
    else:
        claims[Claim.MESSAGE_TYPE.value] = MessageType.RESOURCE_LINK.value
        link = launch.link or platform.default_link(course.course_id)
        claims[Claim.RESOURCE_LINK.value] = {"id": link.link_id, "title": link.title}
        if link.text:
            claims[Claim.RESOURCE_LINK.value]["description"] = link.text
        custom = dict(link.custom or {})
        if launch.placement and not launch.link:
            custom.update((launch.client.placement(launch.placement) or {}).get("custom_fields") or {})
        if custom:
            claims[Claim.CUSTOM.value] = custom
        ags = _ags_claim(platform, client, course.course_id, link.link_id)
        if ags:
            claims[Claim.AGS_ENDPOINT.value] = ags
    if Scope.NRPS.value in client.scopes:
        claims[Claim.NRPS.value] = {
            "context_memberships_url": platform.url(f"/api/nrps/{course.course_id}/memberships"),
            "service_versions": ["2.0"],
        }
    return claims


def _personal_claims(client: Client, user: User) -> dict[str, str]:
    """Return the name and email claims the client asked for."""
    values = {
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
    }
    return {key: value for key, value in values.items() if key in client.claims}


def _ags_claim(platform: DevPlatform, client: Client, course_id: str, link_id: str) -> dict[str, Any] | None:
    """Return the AGS endpoint claim, with ``lineitem`` only when the link has exactly one."""
    scopes = [scope for scope in AGS_SCOPES if scope in client.scopes]
    if not scopes:
        return None
    claim: dict[str, Any] = {
        "scope": scopes,
        "lineitems": platform.url(f"/api/ags/{course_id}/lineitems"),
    }
    items = platform.line_items_for(course_id, client.client_id, link_id)
    if len(items) == 1:
        claim["lineitem"] = platform.url(f"/api/ags/{course_id}/lineitems/{items[0].item_id}")
    return claim


def _deep_linking_settings(platform: DevPlatform, launch: LaunchRequest) -> dict[str, Any]:
    """Return the Deep Linking settings claim with a fresh opaque ``data`` value."""
    data = platform.new_dl_request(
        launch.client.client_id, launch.deployment_id, launch.course_id, launch.user.user_id
    )
    return {
        "deep_link_return_url": platform.url("/deep-link-return"),
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": True,
        "auto_create": True,
        "title": "Add content",
        "data": data,
    }
