"""Platform profiles: what real Moodle and Canvas do differently from our own assumptions.

A :class:`~lti_tool.devplatform.state.DevPlatform` is created with one profile (``generic`` by default):

- ``generic``: the platform as it always behaved (Moodle-flavoured score rules, every tool active at once,
  one deployment per registration). Existing tests rely on it; do not change it.
- ``moodle``: Moodle 4.5 as observed (``../shared/LTI-NOTES.md`` sections 6, 10, 11). Site administrators
  launch with ``membership#Instructor`` *and* system and institution ``Administrator``; a tool registered
  dynamically is *pending* until an administrator activates it; scores for non-gradable users get 400
  ``[]``; a second score within the same second gets 409; ``scoreGiven`` is kept only with
  ``FullyGraded`` and a kept grade fires "receive a grade" completion; NRPS names roles ``Learner`` /
  ``Instructor`` and returns everyone when ``limit`` is absent or ≤ 0.
- ``canvas``: Canvas as read from its source (sections 7 and 11). Dynamic registration answers a
  ``client_id`` and no deployment; each install (account, sub-account, course) creates a deployment
  ``<n>:<40 hex>``; registration ``messages`` become placements (a message without placements becomes
  ``link_selection``, first message per placement wins); login initiation sends ``deployment_id``,
  ``canvas_region``, ``canvas_environment`` and ``lti_storage_target``; roles carry institution roles
  (and observers are ``membership#Mentor``); scores get 422 for unpublished assignments and non-students,
  400 for a timestamp older than the last one; ``NotReady``/``Pending``/``Failed`` clear the score and
  leave a "needs grading" submission; NRPS pages hold at most 50 members. With platform storage on (the
  default), the home page frames launches beside a ``post_message_forwarding`` frame that answers
  ``lti.put_data`` / ``lti.get_data`` (``admin.py``), as Canvas does.

Not modelled: Canvas's shared issuer ``https://canvas.instructure.com`` with endpoints on another host (the
issuer stays the loopback base URL), Moodle's ``?type_id=`` query on line item URLs, anonymous Canvas
launches without ``sub``, and Canvas's sub-second result timestamps beyond "older is refused".

Each profile is one object with hooks that the blueprints call (``base.py``); the generic hooks reproduce
the old code.
"""

from __future__ import annotations

from .base import Profile
from .canvas import CanvasProfile, derive_placements, privacy_level
from .moodle import MoodleProfile

PROFILE_NAMES: tuple[str, ...] = ("generic", "moodle", "canvas")

PROFILES: dict[str, type[Profile]] = {"generic": Profile, "moodle": MoodleProfile, "canvas": CanvasProfile}


def get_profile(name: str) -> Profile:
    """Return a new profile object by name.

    Raises:
        ValueError: For a name other than ``generic``, ``moodle`` or ``canvas``.
    """
    try:
        return PROFILES[name]()
    except KeyError:
        raise ValueError(f"unknown platform profile {name!r}; choose one of {', '.join(PROFILE_NAMES)}") from None


__all__ = ["PROFILES", "PROFILE_NAMES", "CanvasProfile", "MoodleProfile", "Profile", "derive_placements",
           "get_profile", "privacy_level"]
