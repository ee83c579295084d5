"""Plain in-memory records held by :class:`~lti_tool.devplatform.state.DevPlatform`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple


@dataclass
class Client:
    """A registered tool (an LTI 1.3 client of this platform).

    Attributes:
        client_id: OAuth2 client id issued by the platform.
        deployment_ids: Deployment ids of this client; the first is the default.
        initiate_login_uri: The tool's OIDC third-party login initiation URL.
        redirect_uris: Launch URLs the auth endpoint may post the id_token to.
        jwks_uri: Where the tool publishes its public keys.
        target_link_uri: Default launch URL for resource links.
        deep_link_uri: Launch URL for Deep Linking requests.
        scopes: LTI Advantage scopes the tool may be granted.
        claims: Personal claims (name, email...) the tool asked for.
        canvas_mode: Send Canvas-style login parameters and platform storage target.
        name: Display name.
        static_jwks: A JWKS given at registration instead of fetching ``jwks_uri``.
        jwks_cache: The last JWKS fetched from ``jwks_uri``.
        registration: The Dynamic Registration request body, when registered that way.
        active: ``False`` while the tool waits for an administrator to activate it (Moodle
            profile after Dynamic Registration); launches are refused until then.
        placements: Canvas profile: placements derived from the registration's ``messages``
            (``{"placement", "message_type", "target_link_uri", ...}``), first message per
            placement wins; empty elsewhere.
        installs: Canvas profile: one :class:`Install` per deployment, in install order.
    """

    client_id: str
    deployment_ids: list[str]
    initiate_login_uri: str
    redirect_uris: list[str]
    jwks_uri: str
    target_link_uri: str
    deep_link_uri: str
    scopes: frozenset[str]
    claims: frozenset[str]
    canvas_mode: bool = False
    name: str = "Tool"
    static_jwks: dict[str, Any] | None = None
    jwks_cache: dict[str, Any] | None = None
    registration: dict[str, Any] | None = None
    active: bool = True
    placements: list[dict[str, Any]] = field(default_factory=list)
    installs: list[Install] = field(default_factory=list)

    def placement(self, name: str) -> dict[str, Any] | None:
        """Return the derived placement called ``name`` (Canvas profile), if any."""
        return next((p for p in self.placements if p["placement"] == name), None)


@dataclass(frozen=True)
class Install:
    """A Canvas install of a tool: one deployment in an account, a sub-account or a course.

    Attributes:
        deployment_id: ``<install number>:<40 hex of the context>``, as Canvas makes them.
        scope: ``account``, ``sub_account`` or ``course``.
        context_id: The account, sub-account or course id installed in.
    """

    deployment_id: str
    scope: str
    context_id: str


@dataclass(frozen=True)
class User:
    """A fictional person known to the platform."""

    user_id: str
    given_name: str
    family_name: str
    email: str

    @property
    def name(self) -> str:
        """Return the full display name."""
        return f"{self.given_name} {self.family_name}"


@dataclass
class Course:
    """A course (LTI context) with its members in enrolment order.

    Attributes:
        course_id: Context id.
        label: Short code shown in the LMS.
        title: Full course name.
        members: ``(user_id, role URI)`` pairs.
        account_id: The (sub-)account the course belongs to (Canvas installs use it).
    """

    course_id: str
    label: str
    title: str
    members: list[tuple[str, str]] = field(default_factory=list)
    account_id: str = "root"


@dataclass
class ResourceLink:
    """A placement of a tool in a course: the seeded default link or a deep-linked item.

    Attributes:
        link_id: Resource link id sent in launches.
        course_id: Owning course.
        title: Title shown to users.
        client_id: The tool it belongs to, or ``None`` for the default link any tool may use.
        url: Launch URL from the content item (defaults to the client's target_link_uri).
        text: Description from the content item.
        custom: Custom parameters sent in the ``custom`` claim.
        presentation: ``iframe``/``window`` hints from the content item.
        deep_linked: Whether it was created through a Deep Linking response.
        content_item: The content item exactly as received.
    """

    link_id: str
    course_id: str
    title: str
    client_id: str | None = None
    url: str | None = None
    text: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    presentation: dict[str, Any] = field(default_factory=dict)
    deep_linked: bool = False
    content_item: dict[str, Any] | None = None


@dataclass
class LineItem:
    """An AGS line item (a gradebook column) owned by one client in one course."""

    item_id: str
    course_id: str
    client_id: str
    label: str
    score_maximum: float
    resource_link_id: str | None = None
    resource_id: str | None = None
    tag: str | None = None
    start_date_time: str | None = None
    end_date_time: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Canvas: scores for an unpublished assignment get 422 (deep-linked ones start unpublished).
    published: bool = True
    #: Moodle: the activity's completion rule; ``"grade"`` means "receive a grade".
    completion_rule: str | None = None


@dataclass
class GradeState:
    """What the platform's gradebook holds for one learner and line item, by the profile's rules.

    Attributes:
        grade: The stored grade, in the line item's scale (Moodle rescales to the grade item's
            maximum; ``None`` is an empty or null grade).
        completed: Moodle: activity completion fired ("receive a grade"); ``None`` where the
            profile has no completion model.
        needs_grading: Canvas: the submission waits in SpeedGrader ("needs grading").
        submissions: Canvas: submission attempts created by score POSTs.
        timestamp: The accepted score's timestamp.
    """

    grade: float | None = None
    completed: bool | None = None
    needs_grading: bool = False
    submissions: int = 0
    timestamp: datetime | None = None


@dataclass(frozen=True)
class ScoreRecord:
    """One accepted score POST.

    Attributes:
        item_id: Line item id.
        user_id: The learner.
        timestamp: Parsed ``timestamp`` of the score (timezone-aware).
        score_given: ``scoreGiven`` if the score is FullyGraded, else ``None`` (Moodle rule).
        score_maximum: ``scoreMaximum`` as received (1 when absent).
        received: The full JSON body as received.
        received_at: When the platform accepted it.
    """

    item_id: str
    user_id: str
    timestamp: datetime
    score_given: float | None
    score_maximum: float
    received: dict[str, Any]
    received_at: datetime


@dataclass(frozen=True)
class AccessToken:
    """An OAuth2 bearer token issued by the token endpoint."""

    token: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float


@dataclass(frozen=True)
class DeepLinkRequest:
    """What a Deep Linking request was about, keyed by the opaque ``data`` value sent."""

    data: str
    client_id: str
    deployment_id: str
    course_id: str
    user_id: str


class LogEntry(NamedTuple):
    """One handled HTTP request."""

    method: str
    path: str
    status: int
