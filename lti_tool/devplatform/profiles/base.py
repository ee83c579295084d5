"""The generic profile: the hooks every profile has, with the platform's original behaviour."""

from __future__ import annotations

import math
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from flask import Response, jsonify

from ..constants import PLATFORM_VERSION, PRODUCT_FAMILY_CODE, InstitutionRole
from ..models import Client, GradeState, LineItem, ScoreRecord

if TYPE_CHECKING:  # pragma: no cover
    from ..claims import LaunchRequest
    from ..state import DevPlatform

Validator = Callable[[Any], "str | None"]


def json_error(status: int, error: str, description: str) -> Response:
    """Build an OAuth2-style JSON error (as ``web.json_error``, which cannot be imported here: cycle)."""
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


def _number(value: Any) -> bool:
    """Tell whether ``value`` is a finite JSON number (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class Profile:
    """The generic profile; subclasses override the hooks where a real platform differs."""

    name = "generic"
    title = "R2COM development platform"
    product_family_code = PRODUCT_FAMILY_CODE
    version = PLATFORM_VERSION
    login_initiation = "redirect"
    id_token_lifetime = 60
    nrps_page_size = 10
    #: Canvas: send ``lti_storage_target`` (LTI platform storage); generic ``canvas_mode`` tools always do.
    platform_storage = False
    #: Status for a token without the needed scope (Canvas answers 401).
    insufficient_scope_status = 403

    # -- people ----------------------------------------------------------------------------------

    def seed(self, platform: DevPlatform) -> None:
        """Add the profile's extra people and courses to a freshly seeded platform."""

    def launch_roles(self, platform: DevPlatform, course_id: str, user_id: str) -> list[str]:
        """Return the ``roles`` claim: the course role, plus institution Administrator for admins."""
        role = platform.role_of(course_id, user_id)
        roles = [role] if role else []
        if user_id in platform.admins:
            roles.append(InstitutionRole.ADMINISTRATOR.value)
        return roles

    def extra_claims(self, platform: DevPlatform, launch: LaunchRequest) -> dict[str, Any]:
        """Return claims this platform adds to every launch."""
        return {}

    def gradable(self, platform: DevPlatform, course_id: str, user_id: str) -> bool:
        """Tell whether scores for this user are accepted (learners only)."""
        return platform.is_learner(course_id, user_id)

    # -- tools, deployments, login -------------------------------------------------------------

    def new_deployment_id(self, platform: DevPlatform, canvas_mode: bool) -> str:
        """Return a deployment id shaped like Moodle's (a number) or Canvas's (``n:hex``)."""
        number = platform.new_id()
        return f"{number}:{secrets.token_hex(20)}" if canvas_mode else number

    def default_deployment(self, platform: DevPlatform, client: Client, course_id: str) -> str | None:
        """Return the deployment a launch in ``course_id`` uses when none is named."""
        return client.deployment_ids[0] if client.deployment_ids else None

    def deployment_refusal(
        self, platform: DevPlatform, client: Client, course_id: str, deployment_id: str
    ) -> str | None:
        """Return why ``deployment_id`` cannot launch in ``course_id``, or ``None``."""
        if deployment_id not in client.deployment_ids:
            return f"deployment_id {deployment_id!r} does not belong to client {client.client_id}"
        return None

    def client_refusal(self, client: Client) -> str | None:
        """Return the platform's own error for a tool that cannot be launched yet, or ``None``."""
        if not client.active:
            return f"the tool {client.name!r} is pending: an administrator must activate it first"
        return None

    def login_params(self, platform: DevPlatform, client: Client, deployment_id: str) -> dict[str, str]:
        """Return the deployment and platform-specific parameters of the login initiation."""
        params = {"lti_deployment_id": deployment_id}
        if client.canvas_mode:
            params.update(
                {
                    "deployment_id": deployment_id,
                    "canvas_region": "us-east-1",
                    "canvas_environment": "prod",
                    "lti_storage_target": "post_message_forwarding",
                }
            )
        return params

    def auth_form_fields(self, platform: DevPlatform, client: Client) -> list[tuple[str, str]]:
        """Return extra fields posted with the id_token (platform storage target)."""
        return [("lti_storage_target", "post_message_forwarding")] if client.canvas_mode else []

    # -- dynamic registration ------------------------------------------------------------------

    def configuration(self, platform: DevPlatform, config: dict[str, Any]) -> dict[str, Any]:
        """Adjust the OpenID configuration the platform publishes."""
        return config

    def new_client_id(self, platform: DevPlatform, random_id: str) -> str:
        """Return the client id a registration token will create."""
        return random_id

    def registration_problem(self, body: Any) -> str | None:
        """Return why a registration request is refused (Moodle's rules), or ``None``."""
        from ..registration import moodle_registration_problem

        return moodle_registration_problem(body)

    def registered(self, platform: DevPlatform, client: Client, config: dict[str, Any]) -> dict[str, Any]:
        """Finish a dynamic registration; return the tool configuration to answer with."""
        return {**config, "deployment_id": client.deployment_ids[0]}

    def registration_claims(self, config: dict[str, Any], asked: list[str]) -> list[str]:
        """Return the personal claims the platform will send, from the registration."""
        return asked

    def registration_deploys(self) -> bool:
        """Tell whether dynamic registration creates the first deployment."""
        return True

    # -- AGS -------------------------------------------------------------------------------------

    def line_item_created(self, platform: DevPlatform, item: LineItem, deep_linked: bool) -> None:
        """Set profile defaults on a new line item."""

    def refuse_score(
        self, platform: DevPlatform, item: LineItem, body: Any, validate: Validator
    ) -> Response | None:
        """Return the refusal of a score POST (400 rules, then 400 ``[]`` for non-learners), or ``None``."""
        error = validate(body)
        if error:
            return json_error(400, "invalid_request", error)
        if not self.gradable(platform, item.course_id, body["userId"]):
            return Response("[]", status=400, mimetype="application/json")
        return None

    def kept_score(self, body: dict[str, Any]) -> float | None:
        """Return the ``scoreGiven`` the platform keeps (only with ``FullyGraded``)."""
        if body["gradingProgress"] == "FullyGraded" and "scoreGiven" in body:
            return float(body["scoreGiven"])
        return None

    def timestamp_refused(self, previous: datetime, new: datetime) -> bool:
        """Tell whether a score is refused because one at least as new is stored."""
        return new <= previous

    def conflict(self, previous: datetime, new: datetime) -> Response:
        """Return the answer to a refused timestamp."""
        return json_error(409, "conflict", "Refusing score with an earlier timestamp")

    def grade_state(self, platform: DevPlatform, item: LineItem, record: ScoreRecord, state: GradeState) -> None:
        """Update the gradebook state for an accepted score."""
        state.grade = record.score_given
        state.timestamp = record.timestamp

    def score_accepted(self, platform: DevPlatform, item: LineItem, record: ScoreRecord) -> Response:
        """Return the answer to an accepted score."""
        return Response(status=200)

    # -- NRPS ------------------------------------------------------------------------------------

    def nrps_roles(self, platform: DevPlatform, course_id: str, user_id: str, role: str) -> list[str]:
        """Return a member's ``roles`` in NRPS."""
        return [role]
