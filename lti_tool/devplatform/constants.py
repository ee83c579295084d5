"""Claim URIs, scopes, roles and media types the development platform speaks."""

from __future__ import annotations

from enum import Enum

LTI_VERSION = "1.3.0"
PRODUCT_FAMILY_CODE = "r2com-devplatform"
PLATFORM_VERSION = "1.0"


class Claim(str, Enum):
    """LTI 1.3 / LTI Advantage claim names used in id_tokens and Deep Linking responses."""

    MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
    VERSION = "https://purl.imsglobal.org/spec/lti/claim/version"
    DEPLOYMENT_ID = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
    TARGET_LINK_URI = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
    ROLES = "https://purl.imsglobal.org/spec/lti/claim/roles"
    CONTEXT = "https://purl.imsglobal.org/spec/lti/claim/context"
    RESOURCE_LINK = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
    LAUNCH_PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
    CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"
    TOOL_PLATFORM = "https://purl.imsglobal.org/spec/lti/claim/tool_platform"
    AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
    DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
    DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
    DL_MSG = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
    DL_LOG = "https://purl.imsglobal.org/spec/lti-dl/claim/log"
    DL_ERRORMSG = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg"
    DL_ERRORLOG = "https://purl.imsglobal.org/spec/lti-dl/claim/errorlog"
    ROLE_SCOPE_MENTOR = "https://purl.imsglobal.org/spec/lti/claim/role_scope_mentor"
    LIS = "https://purl.imsglobal.org/spec/lti/claim/lis"
    EXT = "https://purl.imsglobal.org/spec/lti/claim/ext"
    CANVAS_PLACEMENT = "https://www.instructure.com/placement"


class MessageType(str, Enum):
    """LTI message types the platform sends or receives."""

    RESOURCE_LINK = "LtiResourceLinkRequest"
    DEEP_LINKING = "LtiDeepLinkingRequest"
    DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"


class Role(str, Enum):
    """Context (membership) roles as full LIS v2 URIs."""

    INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
    TEACHING_ASSISTANT = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
    LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
    MENTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"


class InstitutionRole(str, Enum):
    """Institution and system roles (full LIS v2 URIs) that real platforms add to the course role."""

    ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
    INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"
    STUDENT = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
    SYSTEM_ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"
    SYSTEM_USER = "http://purl.imsglobal.org/vocab/lis/v2/system/person#User"


class Scope(str, Enum):
    """OAuth2 scopes of LTI Advantage services."""

    LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
    LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
    RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
    SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


AGS_SCOPES: tuple[str, ...] = (
    Scope.LINEITEM.value,
    Scope.LINEITEM_READONLY.value,
    Scope.RESULT_READONLY.value,
    Scope.SCORE.value,
)
ALL_SCOPES: tuple[str, ...] = (*AGS_SCOPES, Scope.NRPS.value)

#: Personal claims a tool may ask for; Moodle sends them only when asked.
PERSONAL_CLAIMS: tuple[str, ...] = ("name", "given_name", "family_name", "email")

#: Role aliases accepted wherever a user is named (``user=learner`` picks the first learner).
ROLE_ALIASES: dict[str, str] = {
    "learner": Role.LEARNER.value,
    "student": Role.LEARNER.value,
    "instructor": Role.INSTRUCTOR.value,
    "teacher": Role.INSTRUCTOR.value,
    "ta": Role.TEACHING_ASSISTANT.value,
    "observer": Role.MENTOR.value,
    "mentor": Role.MENTOR.value,
}

#: Aliases that name the platform's site administrator (who need not be enrolled in the course).
ADMIN_ALIASES = frozenset({"admin", "administrator"})

ACTIVITY_PROGRESS = frozenset({"Initialized", "Started", "InProgress", "Submitted", "Completed"})
GRADING_PROGRESS = frozenset({"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"})

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"


class MediaType(str, Enum):
    """Content types of the AGS and NRPS services."""

    SCORE = "application/vnd.ims.lis.v1.score+json"
    LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
    LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
    RESULT_CONTAINER = "application/vnd.ims.lis.v2.resultcontainer+json"
    MEMBERSHIP_CONTAINER = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
