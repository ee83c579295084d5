"""Claim URIs, message types, roles and scopes used across the tool."""

from __future__ import annotations

from enum import StrEnum

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CLAIM_MESSAGE_TYPE = LTI + "message_type"
CLAIM_VERSION = LTI + "version"
CLAIM_DEPLOYMENT_ID = LTI + "deployment_id"
CLAIM_TARGET_LINK_URI = LTI + "target_link_uri"
CLAIM_RESOURCE_LINK = LTI + "resource_link"
CLAIM_ROLES = LTI + "roles"
CLAIM_CONTEXT = LTI + "context"
CLAIM_CUSTOM = LTI + "custom"
CLAIM_LAUNCH_PRESENTATION = LTI + "launch_presentation"
CLAIM_TOOL_PLATFORM = LTI + "tool_platform"
CLAIM_FOR_USER = LTI + "for_user"
CLAIM_DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
CLAIM_DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
CLAIM_DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
CLAIM_AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CLAIM_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE, SCOPE_NRPS)

LTI_VERSION = "1.3.0"


class MessageType(StrEnum):
    RESOURCE_LINK = "LtiResourceLinkRequest"
    DEEP_LINKING = "LtiDeepLinkingRequest"
    DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"


class Role(StrEnum):
    """Our training roles. LMS roles only ever map to these (DP-5); casework roles are granted in the tool."""

    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMINISTRATOR = "administrator"
    #: A parent or mentor who follows a learner (Canvas observers): sees what learners see, is never graded.
    OBSERVER = "observer"


_CONTEXT_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
_INSTITUTION_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
_SYSTEM_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"

_INSTRUCTOR_NAMES = {"Instructor", "TeachingAssistant", "ContentDeveloper", "Mentor#Advisor"}
_ADMIN_NAMES = {"Administrator", "SysAdmin"}
#: Canvas observers and other followers of a learner: they may look, they are never graded.
_OBSERVER_NAMES = {"Mentor", "Mentor#Mentor", "Mentor#Auditor", "Mentor#Reviewer", "Auditor", "Reviewer"}


def _split(role: str) -> tuple[str, str]:
    """Return (kind, name) of a role URI or short name; kind is context, institution, system or short."""
    for prefix, kind in ((_CONTEXT_PREFIX, "context"), (_INSTITUTION_PREFIX, "institution"),
                         (_SYSTEM_PREFIX, "system")):
        if role.startswith(prefix):
            return kind, role[len(prefix):]
    if "/membership/" in role:  # sub-roles: .../membership/Instructor#TeachingAssistant
        name = role.rsplit("#", 1)[-1]
        return "context", name
    return "short", role


def map_roles(roles: list[str]) -> Role:
    """Map LTI roles to our course role; context roles win over institution roles (Canvas sends both).

    Whether the person also administers the whole platform is a separate question: see
    :func:`is_platform_admin`.
    """
    context_names = set()
    other_names = set()
    for role in roles:
        kind, name = _split(role)
        (context_names if kind in ("context", "short") else other_names).add(name)
    if context_names & _ADMIN_NAMES:
        return Role.ADMINISTRATOR
    if context_names & _INSTRUCTOR_NAMES:
        return Role.INSTRUCTOR
    if "Learner" not in context_names and context_names & _OBSERVER_NAMES:
        return Role.OBSERVER
    if context_names:
        return Role.LEARNER
    if other_names & _ADMIN_NAMES:
        return Role.ADMINISTRATOR
    if other_names & {"Instructor", "Faculty"}:
        return Role.INSTRUCTOR
    return Role.LEARNER


def is_platform_admin(roles: list[str]) -> bool:
    """Tell whether the roles name an administrator of the whole platform (institution or system level).

    Moodle sends its site administrators ``membership#Instructor`` plus institution and system
    ``Administrator``; Canvas sends account administrators institution ``Administrator``. The course role
    still decides what such a person sees in a course; this flag only opens the organisation's settings.
    """
    for role in roles:
        if not isinstance(role, str):
            continue
        kind, name = _split(role)
        if kind in ("institution", "system") and name in _ADMIN_NAMES:
            return True
    return False
