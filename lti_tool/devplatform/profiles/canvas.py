"""Canvas as read from its source (``../shared/LTI-NOTES.md`` sections 7 and 11)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Response, jsonify

from ..constants import PLATFORM_CONFIGURATION, TOOL_CONFIGURATION, Claim, InstitutionRole, MessageType, Role
from ..models import Client, Course, GradeState, Install, LineItem, ResourceLink, ScoreRecord
from ..seed import DEFAULT_LINK_TITLE, make_user
from .base import Profile, Validator, _number

if TYPE_CHECKING:  # pragma: no cover
    from ..claims import LaunchRequest
    from ..state import DevPlatform

#: Canvas: the seeded observer of course-101, and whom they observe.
CANVAS_OBSERVER_ID = "3001"
CANVAS_OBSERVER_PERSON = ("Esther", "Mbeki")
CANVAS_OBSERVED_ID = "1003"
#: Canvas: a learner of course-101 who teaches course-201, so Canvas sends them institution Instructor.
CANVAS_CROSS_ENROLLED_ID = "1004"
CANVAS_SUB_ACCOUNT = "sub-community"

#: Canvas placements valid in a registration message (``Lti::ResourcePlacement::PLACEMENTS``).
CANVAS_PLACEMENTS = frozenset(
    """account_navigation assignment_edit assignment_group_menu assignment_index_menu assignment_menu
    assignment_selection assignment_view collaboration conference_selection course_assignments_menu
    course_home_sub_navigation course_navigation course_settings_sub_navigation discussion_topic_index_menu
    discussion_topic_menu editor_button file_index_menu file_menu global_navigation homework_submission
    link_selection migration_selection module_group_menu module_index_menu module_index_menu_modal
    module_menu_modal module_menu post_grades quiz_index_menu quiz_menu resource_selection
    similarity_detection student_context_card submission_type_selection tool_configuration user_navigation
    wiki_index_menu wiki_page_menu""".split()
)
CANVAS_EXTENSION_PREFIX = "https://canvas.instructure.com/lti/"
CANVAS_PRIVACY_LEVEL = "https://canvas.instructure.com/lti/privacy_level"
CANVAS_COURSE_NAV_DEFAULT = "https://canvas.instructure.com/lti/course_navigation/default_enabled"

#: Personal claims Canvas sends per privacy level.
CANVAS_PRIVACY_CLAIMS: dict[str, frozenset[str]] = {
    "public": frozenset({"name", "given_name", "family_name", "email"}),
    "name_only": frozenset({"name", "given_name", "family_name"}),
    "email_only": frozenset({"email"}),
    "anonymous": frozenset(),
}


class CanvasProfile(Profile):
    """Canvas, as read from its source."""

    name = "canvas"
    title = "Canvas (development profile)"
    product_family_code = "canvas"
    version = "cloud"
    login_initiation = "post"
    id_token_lifetime = 3600
    nrps_page_size = 50
    platform_storage = True
    insufficient_scope_status = 401

    def seed(self, platform: DevPlatform) -> None:
        """Add an observer to course-101, a sub-account, and course-201 taught by a course-101 learner."""
        observer = make_user(CANVAS_OBSERVER_ID, *CANVAS_OBSERVER_PERSON)
        platform.users[observer.user_id] = observer
        platform.courses["course-101"].members.append((observer.user_id, Role.MENTOR.value))
        platform.courses["course-101"].account_id = CANVAS_SUB_ACCOUNT
        platform.observees[("course-101", observer.user_id)] = [CANVAS_OBSERVED_ID]
        platform.sub_accounts[CANVAS_SUB_ACCOUNT] = "Community programmes"
        course = Course("course-201", "R2COM-201", "Peer Mentoring Practicum")
        course.members.extend([(CANVAS_CROSS_ENROLLED_ID, Role.INSTRUCTOR.value), ("2002", Role.LEARNER.value)])
        platform.courses[course.course_id] = course
        link_id = "course-201-link-1"
        platform.links[link_id] = ResourceLink(link_id=link_id, course_id=course.course_id, title=DEFAULT_LINK_TITLE)

    def launch_roles(self, platform: DevPlatform, course_id: str, user_id: str) -> list[str]:
        """Course roles plus institution roles from every enrolment and account role, sorted (Canvas)."""
        roles: set[str] = {InstitutionRole.SYSTEM_USER.value}
        role = platform.role_of(course_id, user_id)
        if role == Role.TEACHING_ASSISTANT.value:
            roles.update({Role.TEACHING_ASSISTANT.value, Role.INSTRUCTOR.value})
        elif role:
            roles.add(role)
        everywhere = {r for course in platform.courses.values() for uid, r in course.members if uid == user_id}
        if Role.LEARNER.value in everywhere:
            roles.add(InstitutionRole.STUDENT.value)
        if everywhere & {Role.INSTRUCTOR.value, Role.TEACHING_ASSISTANT.value}:
            roles.add(InstitutionRole.INSTRUCTOR.value)
        if user_id in platform.admins:
            roles.add(InstitutionRole.ADMINISTRATOR.value)
        return sorted(roles)

    def extra_claims(self, platform: DevPlatform, launch: LaunchRequest) -> dict[str, Any]:
        """Observers get ``role_scope_mentor``; a placement launch names its placement."""
        claims: dict[str, Any] = {}
        observed = platform.observees.get((launch.course_id, launch.user.user_id))
        if observed:
            claims[Claim.ROLE_SCOPE_MENTOR.value] = list(observed)
        if launch.placement:
            claims[Claim.CANVAS_PLACEMENT.value] = launch.placement
        return claims

    def gradable(self, platform: DevPlatform, course_id: str, user_id: str) -> bool:
        """Only students: not observers, teachers, TAs or admins."""
        return platform.is_learner(course_id, user_id)

    def new_deployment_id(self, platform: DevPlatform, canvas_mode: bool) -> str:
        """Canvas shape ``<n>:<40 hex>`` always."""
        return super().new_deployment_id(platform, True)

    def install_id(self, platform: DevPlatform, context_id: str) -> str:
        """Return ``<install number>:<sha1 hex of the context>``, like ``7:8865aa05…``."""
        opaque = hashlib.sha1(f"{platform.issuer}|{context_id}".encode()).hexdigest()
        return f"{platform.new_id()}:{opaque}"

    def _install_covers(self, platform: DevPlatform, install: Install, course_id: str) -> int:
        """Return how specifically an install covers a course (0 = not at all)."""
        course = platform.courses.get(course_id)
        if course is None:
            return 0
        if install.scope == "course":
            return 3 if install.context_id == course_id else 0
        if install.scope == "sub_account":
            return 2 if install.context_id == course.account_id else 0
        return 1

    def default_deployment(self, platform: DevPlatform, client: Client, course_id: str) -> str | None:
        """The most specific install covering the course (course, then sub-account, then account)."""
        best = max(client.installs, key=lambda i: self._install_covers(platform, i, course_id), default=None)
        if best is None or not self._install_covers(platform, best, course_id):
            return None
        candidates = [i for i in client.installs if self._install_covers(platform, i, course_id) ==
                      self._install_covers(platform, best, course_id)]
        return candidates[-1].deployment_id

    def deployment_refusal(
        self, platform: DevPlatform, client: Client, course_id: str, deployment_id: str
    ) -> str | None:
        """A deployment only launches in the account, sub-account or course it was installed in."""
        install = next((i for i in client.installs if i.deployment_id == deployment_id), None)
        if install is None:
            return f"deployment_id {deployment_id!r} does not belong to client {client.client_id}"
        if not self._install_covers(platform, install, course_id):
            return (f"deployment_id {deployment_id!r} is installed in {install.scope} {install.context_id}, "
                    f"not for {course_id}")
        return None

    def login_params(self, platform: DevPlatform, client: Client, deployment_id: str) -> dict[str, str]:
        """Canvas's own names: ``deployment_id`` (not ``lti_deployment_id``), region, environment."""
        params = {"deployment_id": deployment_id, "canvas_region": "us-east-1", "canvas_environment": "prod"}
        if platform.platform_storage:
            params["lti_storage_target"] = "post_message_forwarding"
        return params

    def auth_form_fields(self, platform: DevPlatform, client: Client) -> list[tuple[str, str]]:
        """The id_token post carries the storage target too when platform storage is used."""
        return [("lti_storage_target", "post_message_forwarding")] if platform.platform_storage else []

    def configuration(self, platform: DevPlatform, config: dict[str, Any]) -> dict[str, Any]:
        """Canvas advertises its placements and its account name."""
        platform_config = dict(config[PLATFORM_CONFIGURATION])
        platform_config["messages_supported"] = [
            {"type": MessageType.RESOURCE_LINK.value, "placements": ["course_navigation", "link_selection",
                                                                    "assignment_selection"]},
            {"type": MessageType.DEEP_LINKING.value, "placements": ["link_selection", "assignment_selection",
                                                                   "editor_button", "module_index_menu_modal"]},
        ]
        platform_config["https://canvas.instructure.com/lti/account_name"] = "R2COM Canvas (development)"
        config = {**config, PLATFORM_CONFIGURATION: platform_config}
        config["claims_supported"] = [*config["claims_supported"], "picture", "locale"]
        return config

    def new_client_id(self, platform: DevPlatform, random_id: str) -> str:
        """Canvas client ids are developer-key ids: ``10000000000123``."""
        return str(10000000000000 + int(hashlib.sha1(random_id.encode()).hexdigest()[:8], 16) % 10**9)

    def registration_problem(self, body: Any) -> str | None:
        """Canvas's ``Lti::IMS::Registration`` validations and the tool-configuration schema."""
        if not isinstance(body, dict):
            return "the registration request must be a JSON object"
        for key in ("application_type", "grant_types", "response_types", "redirect_uris", "initiate_login_uri",
                    "client_name", "jwks_uri", "token_endpoint_auth_method"):
            if not body.get(key):
                return f"{key} can't be blank"
        if not isinstance(body["grant_types"], list) or {"client_credentials", "implicit"} - set(body["grant_types"]):
            return "grant_types must include client_credentials, implicit"
        if not isinstance(body["response_types"], list) or "id_token" not in body["response_types"]:
            return "response_types must include id_token"
        if body["token_endpoint_auth_method"] != "private_key_jwt":
            return "token_endpoint_auth_method must be 'private_key_jwt'"
        if body["application_type"] != "web":
            return "application_type must be 'web'"
        config = body.get(TOOL_CONFIGURATION)
        if not isinstance(config, dict):
            return "lti_tool_configuration can't be blank"
        for key, kind in (("domain", str), ("messages", list), ("claims", list)):
            if not isinstance(config.get(key), kind):
                return f"lti_tool_configuration: {key} is required"
        for index, message in enumerate(config["messages"]):
            if not isinstance(message, dict) or message.get("type") not in (
                MessageType.RESOURCE_LINK.value, MessageType.DEEP_LINKING.value
            ):
                return f"lti_tool_configuration: messages[{index}].type is not a supported message type"
            for placement in message.get("placements") or []:
                if canvas_placement_name(placement) not in CANVAS_PLACEMENTS:
                    return f"lti_tool_configuration: messages[{index}] has an unknown placement {placement!r}"
        return None

    def registration_claims(self, config: dict[str, Any], asked: list[str]) -> list[str]:
        """Canvas sends names and email by privacy level (explicit, or inferred from ``claims``)."""
        return sorted(CANVAS_PRIVACY_CLAIMS[privacy_level(config)])

    def registration_deploys(self) -> bool:
        """Canvas creates no deployment at registration: only an install does."""
        return False

    def registered(self, platform: DevPlatform, client: Client, config: dict[str, Any]) -> dict[str, Any]:
        """Derive the placements; answer with no ``deployment_id``."""
        with platform.lock:
            client.placements = derive_placements(config)
        answer = dict(config)
        answer.pop("deployment_id", None)
        return answer

    def line_item_created(self, platform: DevPlatform, item: LineItem, deep_linked: bool) -> None:
        """Assignments created by deep linking start unpublished."""
        if deep_linked:
            item.published = False

    def refuse_score(
        self, platform: DevPlatform, item: LineItem, body: Any, validate: Validator
    ) -> Response | None:
        """Canvas's order: unpublished or non-student 422, required fields 400, scoreMaximum 422."""
        if isinstance(body, dict) and isinstance(body.get("userId"), str):
            if not item.published:
                return canvas_error(422, "This assignment is unpublished; scores are refused until it is published")
            if not self.gradable(platform, item.course_id, body["userId"]):
                return canvas_error(422, "User not found in course or is not a student")
        if isinstance(body, dict) and "scoreGiven" in body and body.get("gradingProgress") in (
            "FullyGraded", "PendingManual"
        ):
            if "scoreMaximum" not in body:
                return canvas_error(422, "ScoreMaximum not supplied when ScoreGiven present.")
            if not _number(body["scoreMaximum"]) or body["scoreMaximum"] < 0:
                return canvas_error(422, "ScoreMaximum must be greater than or equal to 0")
        error = validate(body)
        if error:
            return canvas_error(400, error.replace("Incorrect score received: ", ""))
        return None

    def kept_score(self, body: dict[str, Any]) -> float | None:
        """NotReady, Failed and Pending ignore ``scoreGiven``; FullyGraded and PendingManual keep it."""
        if body["gradingProgress"] in ("FullyGraded", "PendingManual") and "scoreGiven" in body:
            return float(body["scoreGiven"])
        return None

    def timestamp_refused(self, previous: datetime, new: datetime) -> bool:
        """Only a timestamp strictly before the result's last update is refused."""
        return new < previous

    def conflict(self, previous: datetime, new: datetime) -> Response:
        """400, with Canvas's message."""
        return canvas_error(
            400, f"Provided timestamp of {new.isoformat()} before last updated timestamp of {previous.isoformat()}"
        )

    def grade_state(self, platform: DevPlatform, item: LineItem, record: ScoreRecord, state: GradeState) -> None:
        """Every score POST submits (one submission per learner and item); non-final ones need grading."""
        progress = record.received["gradingProgress"]
        state.grade = record.score_given
        state.timestamp = record.timestamp
        state.submissions += 1
        state.needs_grading = progress == "PendingManual" or state.grade is None

    def score_accepted(self, platform: DevPlatform, item: LineItem, record: ScoreRecord) -> Response:
        """Canvas answers with the result URL."""
        base = platform.url(f"/api/ags/{item.course_id}/lineitems/{item.item_id}")
        return jsonify({"resultUrl": f"{base}/results/{record.user_id}"})

    def nrps_roles(self, platform: DevPlatform, course_id: str, user_id: str, role: str) -> list[str]:
        """Context roles only; a TA is also an Instructor."""
        if role == Role.TEACHING_ASSISTANT.value:
            return [Role.TEACHING_ASSISTANT.value, Role.INSTRUCTOR.value]
        return [role]


def canvas_error(status: int, message: str) -> Response:
    """Canvas's error envelope ``{"errors": {"type": ..., "message": ...}}``."""
    kind = {400: "bad_request", 422: "unprocessable_entity"}.get(status, "error")
    response = jsonify({"errors": {"type": kind, "message": message}})
    response.status_code = status
    return response


def canvas_placement_name(placement: str) -> str:
    """Map an IMS placement to Canvas's name (``ContentArea`` is ``link_selection``)."""
    if placement == "ContentArea":
        return "link_selection"
    if placement == "RichTextEditor":
        return "editor_button"
    return placement[len(CANVAS_EXTENSION_PREFIX):] if placement.startswith(CANVAS_EXTENSION_PREFIX) else placement


def derive_placements(config: dict[str, Any]) -> list[dict[str, Any]]:
    """Turn registration ``messages`` into Canvas placements, exactly as Canvas does.

    A message without ``placements`` becomes ``link_selection``; each placement is created once, from the
    first message that asks for it; unknown placements are dropped; ``course_navigation`` exists only if
    a message asks for it.
    """
    placements: list[dict[str, Any]] = []
    seen: set[str] = set()
    for message in config.get("messages") or []:
        if not isinstance(message, dict):
            continue
        names = [canvas_placement_name(p) for p in message.get("placements") or []] or ["link_selection"]
        for name in names:
            if name not in CANVAS_PLACEMENTS or name in seen:
                continue
            seen.add(name)
            placement = {
                "placement": name,
                "message_type": message.get("type"),
                "target_link_uri": message.get("target_link_uri") or config.get("target_link_uri"),
                "text": message.get("label"),
            }
            # Canvas keeps a message's custom parameters as the placement's custom fields, sent with its launches.
            if isinstance(message.get("custom_parameters"), dict):
                placement["custom_fields"] = dict(message["custom_parameters"])
            if name == "course_navigation" and message.get(CANVAS_COURSE_NAV_DEFAULT) is False:
                placement["default"] = "disabled"
            placements.append(placement)
    return placements


def privacy_level(config: dict[str, Any]) -> str:
    """Return the Canvas privacy level: the extension if set, else inferred from ``claims``."""
    explicit = config.get(CANVAS_PRIVACY_LEVEL)
    if explicit in CANVAS_PRIVACY_CLAIMS:
        return str(explicit)
    claims = set(config.get("claims") or [])
    has_name = bool(claims & {"name", "given_name", "family_name", "https://purl.imsglobal.org/spec/lti/claim/lis"})
    has_email = "email" in claims
    if "picture" in claims or (has_name and has_email):
        return "public"
    if has_name:
        return "name_only"
    return "email_only" if has_email else "anonymous"
