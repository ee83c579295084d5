"""Moodle 4.5.6 as observed on a real site (``../shared/LTI-NOTES.md`` sections 6, 10 and 11)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..constants import Claim, InstitutionRole, Role
from ..models import Client, GradeState, LineItem, ScoreRecord
from .base import Profile

if TYPE_CHECKING:  # pragma: no cover
    from ..claims import LaunchRequest
    from ..state import DevPlatform


class MoodleProfile(Profile):
    """Moodle 4.5.6, as observed on a real site."""

    name = "moodle"
    title = "Moodle (development profile)"
    product_family_code = "moodle"
    version = "2024100706"
    login_initiation = "post"
    id_token_lifetime = 60
    #: Moodle returns every member when ``limit`` is absent or ≤ 0.
    nrps_page_size = 0

    def _course_role(self, role: str | None) -> str | None:
        """Moodle has two launch roles: Instructor (teachers) and Learner."""
        if role is None:
            return None
        return Role.LEARNER.value if role == Role.LEARNER.value else Role.INSTRUCTOR.value

    def launch_roles(self, platform: DevPlatform, course_id: str, user_id: str) -> list[str]:
        """Site admins: Instructor, system Administrator, institution Administrator (Moodle's order)."""
        if user_id in platform.admins:
            return [
                Role.INSTRUCTOR.value,
                InstitutionRole.SYSTEM_ADMINISTRATOR.value,
                InstitutionRole.ADMINISTRATOR.value,
            ]
        role = self._course_role(platform.role_of(course_id, user_id))
        return [role] if role else []

    def extra_claims(self, platform: DevPlatform, launch: LaunchRequest) -> dict[str, Any]:
        """Moodle also sends ``ext.user_username`` and an empty ``lis`` claim."""
        return {
            Claim.EXT.value: {"user_username": launch.user.email.split("@", 1)[0], "lms": "moodle-2"},
            Claim.LIS.value: {"person_sourcedid": "", "course_section_sourcedid": ""},
        }

    def registered(self, platform: DevPlatform, client: Client, config: dict[str, Any]) -> dict[str, Any]:
        """The tool lands as *Pending*; the answer carries ``deployment_id`` (the tool type id)."""
        with platform.lock:
            client.active = False
        return {**config, "deployment_id": client.deployment_ids[0]}

    def client_refusal(self, client: Client) -> str | None:
        """A pending tool cannot be launched; Moodle says so itself."""
        if not client.active:
            return (
                f"Moodle: the tool {client.name!r} is pending. A site administrator must activate it in "
                "Site administration > Plugins > Activity modules > External tool > Manage tools."
            )
        return None

    def line_item_created(self, platform: DevPlatform, item: LineItem, deep_linked: bool) -> None:
        """Every activity completes on "receive a grade" unless a test changes it."""
        item.completion_rule = "grade"

    def timestamp_refused(self, previous: datetime, new: datetime) -> bool:
        """Moodle compares whole seconds: ``timemodified >= strtotime(timestamp)``."""
        return math.floor(new.timestamp()) <= math.floor(previous.timestamp())

    def grade_state(self, platform: DevPlatform, item: LineItem, record: ScoreRecord, state: GradeState) -> None:
        """Store a null grade unless FullyGraded; rescale to the grade item; fire "receive a grade"."""
        if record.score_given is None:
            state.grade = None
        else:
            state.grade = record.score_given / record.score_maximum * item.score_maximum
        state.timestamp = record.timestamp
        if item.completion_rule == "grade":
            state.completed = state.grade is not None
        else:
            state.completed = False if state.completed is None else state.completed

    def nrps_roles(self, platform: DevPlatform, course_id: str, user_id: str, role: str) -> list[str]:
        """Moodle's NRPS says ``Learner`` or ``Instructor``, not the full URIs of launches."""
        return ["Learner" if role == Role.LEARNER.value else "Instructor"]
