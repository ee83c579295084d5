"""In-memory state of one development LTI 1.3 platform (one issuer)."""

from __future__ import annotations

import itertools
import os
import secrets
import string
import threading
from typing import Any, Callable, Iterable, Union

from itsdangerous import BadData, URLSafeTimedSerializer

from .constants import ADMIN_ALIASES, AGS_SCOPES, ALL_SCOPES, PERSONAL_CLAIMS, ROLE_ALIASES, Role
from .keys import SigningKey, encode_jwt
from .models import (
    AccessToken,
    Client,
    Course,
    DeepLinkRequest,
    GradeState,
    Install,
    LineItem,
    LogEntry,
    ResourceLink,
    ScoreRecord,
    User,
)
from .profiles import CanvasProfile, Profile, get_profile
from .seed import ADMIN_USER_ID, seed
from .tokens import TokenStore

#: ``hook(claims, headers)`` returns new ``(claims, headers)`` or a raw token string.
IdTokenHook = Callable[[dict[str, Any], dict[str, Any]], Union[tuple[dict[str, Any], dict[str, Any]], str]]
JwksFetcher = Callable[[str], dict[str, Any]]

_ALNUM = string.ascii_letters + string.digits


class DevPlatform:
    """Everything one development platform knows, guarded by ``lock``.

    The issuer equals ``base_url``; set it once the server has bound its port.

    Attributes:
        clients: Registered tools by client_id.
        courses: Seeded courses (``course-101``: 26 members, ``course-102``: 4).
        users: Fictional people by user id (the ``sub``).
        links: Resource links (one default per course plus deep-linked items).
        line_items: AGS line items by id.
        scores: Every accepted score, oldest first.
        request_log: ``(method, path, status)`` of every handled request (path below the mount point).
        token_requests: Number of POSTs to ``/token``.
        score_posts: Number of POSTs to any AGS ``.../scores`` URL (faulted ones included).
        ags_fault: ``None`` or ``{"mode": "500"|"429"|"hang", "count": N|None, "retry_after": s,
            "hang_seconds": s}`` applied to score POSTs; ``count=None`` lasts until cleared.
        next_id_token_hook: One-shot ``hook(claims, headers)`` for the next id_token; return new
            ``(claims, headers)`` to have them signed, or a string to send verbatim.
        last_deep_link_payload: Claims of the last accepted Deep Linking response.
        return_messages: Query values received on the launch_presentation return URL.
        login_initiation: ``"redirect"`` (302) or ``"post"`` (auto-submitted form, as Moodle and
            Canvas do); the profile sets the default.
        platform_storage: Canvas profile: send ``lti_storage_target`` (default on).
        profile: The :class:`~lti_tool.devplatform.profiles.Profile` (``profile.name`` is ``generic``,
            ``moodle`` or ``canvas``).
        admins: User ids of site/account administrators (enrolled nowhere; may launch anywhere).
        observees: ``(course_id, observer id) -> [observed user ids]`` (Canvas observers).
        sub_accounts: Canvas sub-account id -> name (courses name theirs in ``account_id``).
        grades: ``(item_id, user_id) -> GradeState``: what the gradebook holds by the profile's rules
            (see :meth:`grade_state`).
    """

    def __init__(
        self,
        base_url: str = "",
        *,
        key_path: str | os.PathLike[str] | None = None,
        key: SigningKey | None = None,
        token_lifetime: int = 3600,
        nrps_page_size: int | None = None,
        allow_control: bool = False,
        title: str | None = None,
        jwks_fetcher: JwksFetcher | None = None,
        profile: str = "generic",
    ) -> None:
        """Create a platform with seeded courses and an RSA key.

        Args:
            base_url: Public root URL (the issuer); empty means "take it from the first request".
            key_path: PEM file to load the key from, or to save a generated key to (mode 0600).
            key: Use this key as is (fast start-up for tests that start many platforms).
            token_lifetime: ``expires_in`` of access tokens, in seconds.
            nrps_page_size: Default NRPS page size (``None``: the profile's, 10 generic, 50 Canvas,
                0 = everyone for Moodle).
            allow_control: Enable ``POST /control/...`` endpoints (tests only).
            title: Platform name shown on the home page and in ``tool_platform`` (default: the profile's).
            jwks_fetcher: Replace the HTTP fetch of tool JWKS (e.g. when mounted in-process).
            profile: ``generic`` (default, the behaviour tests were written against), ``moodle`` or
                ``canvas``; see :mod:`lti_tool.devplatform.profiles`.

        Raises:
            ValueError: On an unknown profile name.
        """
        self.profile: Profile = get_profile(profile)
        self.lock = threading.RLock()
        self._base_url = base_url.rstrip("/")
        self.key = key or SigningKey.load_or_generate(key_path)
        self.title = title or self.profile.title
        self.token_lifetime = token_lifetime
        self.nrps_page_size = self.profile.nrps_page_size if nrps_page_size is None else nrps_page_size
        self.allow_control = allow_control
        self.login_initiation = self.profile.login_initiation
        #: Canvas profile: send ``lti_storage_target`` at login and launch (on by default, as Canvas does).
        #: The scripted :class:`~lti_tool.devplatform.driver.Browser` cannot run a tool's platform-storage
        #: JavaScript, so tests that drive the tool with it switch this off.
        self.platform_storage = self.profile.platform_storage
        #: Fetches a tool JWKS by URL; ``None`` means HTTP GET with a 5 s timeout.
        self.jwks_fetcher: JwksFetcher | None = jwks_fetcher
        self.courses: dict[str, Course]
        self.users: dict[str, User]
        self.links: dict[str, ResourceLink]
        self.courses, self.users, self.links = seed()
        self.admins: set[str] = {ADMIN_USER_ID}
        self.observees: dict[tuple[str, str], list[str]] = {}
        self.sub_accounts: dict[str, str] = {}
        self.grades: dict[tuple[str, str], GradeState] = {}
        self.clients: dict[str, Client] = {}
        self.line_items: dict[str, LineItem] = {}
        self.scores: list[ScoreRecord] = []
        #: Access tokens and used client-assertion ``jti`` values.
        self.tokens = TokenStore(lambda: self.token_lifetime)
        self.dl_requests: dict[str, DeepLinkRequest] = {}
        self.request_log: list[LogEntry] = []
        self.return_messages: list[dict[str, str]] = []
        self.token_requests = 0
        self.score_posts = 0
        self.ags_fault: dict[str, Any] | None = None
        self.next_id_token_hook: IdTokenHook | None = None
        self.last_deep_link_payload: dict[str, Any] | None = None
        self._latest_scores: dict[tuple[str, str], ScoreRecord] = {}
        self._serializer = URLSafeTimedSerializer(secrets.token_bytes(32))
        self._ids = itertools.count(1)
        self.profile.seed(self)

    # -- identity and keys -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Return the public root URL of the platform app (no trailing slash)."""
        return self._base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        """Set the public root URL, e.g. after the server bound its port."""
        with self.lock:
            self._base_url = value.rstrip("/")

    @property
    def issuer(self) -> str:
        """Return the ``iss`` of every id_token: the base URL."""
        return self._base_url

    @property
    def access_tokens(self) -> dict[str, AccessToken]:
        """Return the live token table (clear it to make the platform forget every token)."""
        return self.tokens.access_tokens

    @property
    def kid(self) -> str:
        """Return the ``kid`` of the platform key."""
        return self.key.kid

    def url(self, path: str) -> str:
        """Return the absolute URL of ``path`` under the platform root."""
        return self._base_url + "/" + path.lstrip("/")

    def jwks(self) -> dict[str, Any]:
        """Return the platform's public JWKS."""
        return self.key.jwks()

    def sign_jwt(
        self,
        claims: dict[str, Any],
        *,
        headers: dict[str, Any] | None = None,
        key: Any = None,
        alg: str = "RS256",
    ) -> str:
        """Sign ``claims``; by default with the platform key and its ``kid``.

        Args:
            claims: JWT payload.
            headers: JOSE header fields; ``None`` means ``{"kid": platform.kid}``, ``{}`` sends no kid.
            key: Another private key or HMAC secret, to forge tokens in tests.
            alg: JWS algorithm, including ``none`` and ``HS256`` for key-confusion tests.
        """
        use_headers = {"kid": self.kid} if headers is None else dict(headers)
        use_key = self.key.private_key if key is None else getattr(key, "private_key", key)
        return encode_jwt(claims, use_key, use_headers, alg)

    def sign_value(self, value: Any, salt: str) -> str:
        """Return an opaque signed string carrying ``value``."""
        return self._serializer.dumps(value, salt=salt)

    def load_value(self, token: str, salt: str, max_age: int | None = None) -> Any:
        """Return the value of a ``sign_value`` string, or ``None`` if tampered or expired."""
        try:
            return self._serializer.loads(token, salt=salt, max_age=max_age)
        except BadData:
            return None

    def new_id(self, prefix: str = "") -> str:
        """Return a fresh sequential id."""
        return f"{prefix}{next(self._ids)}"

    # -- tools ----------------------------------------------------------------------------------

    def add_tool(
        self,
        *,
        initiate_login_uri: str,
        redirect_uris: Iterable[str],
        jwks_uri: str = "",
        target_link_uri: str | None = None,
        deep_link_uri: str | None = None,
        scopes: Iterable[str] = ALL_SCOPES,
        claims: Iterable[str] = PERSONAL_CLAIMS,
        canvas_mode: bool = False,
        client_id: str | None = None,
        deployment_id: str | None = None,
        name: str = "Tool",
        jwks: dict[str, Any] | None = None,
        line_items: bool = True,
        registration: dict[str, Any] | None = None,
        deploy: bool = True,
        placements: Iterable[dict[str, Any]] = (),
    ) -> tuple[str, str]:
        """Register a tool by hand and return ``(client_id, deployment_id)``.

        Args:
            initiate_login_uri: The tool's OIDC login initiation URL.
            redirect_uris: Launch URLs the id_token may be posted to.
            jwks_uri: The tool's JWKS URL (fetched lazily, cached).
            target_link_uri: Default launch URL; the first redirect URI when omitted.
            deep_link_uri: Deep Linking launch URL; ``target_link_uri`` when omitted.
            scopes: LTI Advantage scopes the tool may be granted.
            claims: Personal claims to send (``name``, ``given_name``, ``family_name``, ``email``).
            canvas_mode: Behave like Canvas at login (extra parameters, platform storage target);
                always on with the ``canvas`` profile.
            client_id: Choose the client id instead of generating one.
            deployment_id: Choose the first deployment id.
            name: Display name on the platform page.
            jwks: A static JWKS to use instead of fetching ``jwks_uri``.
            line_items: Give each course's default link one line item for this tool, as Moodle
                does for a graded activity (so the launch carries the AGS ``lineitem``).
            registration: The Dynamic Registration body this tool came from.
            deploy: Create the first deployment (``False``: Canvas after Dynamic Registration, which
                returns ``""`` as the deployment id until :meth:`install_tool`). With the ``canvas``
                profile the first deployment is an account-level install.
            placements: Canvas placements (``{"placement", "message_type", "target_link_uri"}``) of a
                tool configured by hand; dynamic registration derives them from ``messages``.

        Raises:
            ValueError: On an unknown scope or claim, no redirect URI, or a taken client id.
        """
        redirects = list(redirect_uris)
        scope_set = frozenset(scopes)
        claim_set = frozenset(claims)
        if not redirects:
            raise ValueError("at least one redirect URI is required")
        if not scope_set <= set(ALL_SCOPES):
            raise ValueError(f"unknown scopes: {sorted(scope_set - set(ALL_SCOPES))}")
        if not claim_set <= set(PERSONAL_CLAIMS):
            raise ValueError(f"unknown claims: {sorted(claim_set - set(PERSONAL_CLAIMS))}")
        if not jwks_uri and jwks is None:
            raise ValueError("a jwks_uri or a static jwks is required")
        target = target_link_uri or redirects[0]
        canvas_mode = canvas_mode or isinstance(self.profile, CanvasProfile)
        with self.lock:
            cid = client_id or "".join(secrets.choice(_ALNUM) for _ in range(15))
            if cid in self.clients:
                raise ValueError(f"client_id {cid!r} is already registered")
            first = (deployment_id or self._new_deployment_id(canvas_mode)) if deploy else None
            client = Client(
                client_id=cid,
                deployment_ids=[first] if first else [],
                initiate_login_uri=initiate_login_uri,
                redirect_uris=redirects,
                jwks_uri=jwks_uri,
                target_link_uri=target,
                deep_link_uri=deep_link_uri or target,
                scopes=scope_set,
                claims=claim_set,
                canvas_mode=canvas_mode,
                name=name,
                static_jwks=jwks,
                registration=registration,
                placements=[dict(p) for p in placements],
            )
            if first and isinstance(self.profile, CanvasProfile):
                client.installs.append(Install(first, "account", "root"))
            self.clients[cid] = client
            if line_items and scope_set & set(AGS_SCOPES):
                for link in [lnk for lnk in self.links.values() if lnk.client_id is None]:
                    self.create_line_item(link.course_id, cid, link.title, 100.0, resource_link_id=link.link_id)
            return cid, first or ""

    def _new_deployment_id(self, canvas_mode: bool) -> str:
        """Return a deployment id shaped like Moodle's (a number) or Canvas's (``n:hex``)."""
        return self.profile.new_deployment_id(self, canvas_mode)

    def add_deployment(self, client_id: str, deployment_id: str | None = None) -> str:
        """Add another deployment to a client and return its id (Canvas profile: an account install)."""
        with self.lock:
            client = self.clients[client_id]
            new = deployment_id or self._new_deployment_id(client.canvas_mode)
            client.deployment_ids.append(new)
            if isinstance(self.profile, CanvasProfile):
                client.installs.append(Install(new, "account", "root"))
            return new

    def activate_tool(self, client_id: str) -> None:
        """Activate a pending tool (Moodle: Manage tools > activate), so launches work.

        Raises:
            KeyError: For an unknown client id.
        """
        with self.lock:
            self.clients[client_id].active = True

    def install_tool(self, client_id: str, scope: str = "account", context_id: str | None = None) -> str:
        """Install a tool as a Canvas admin or teacher would; return the new deployment id.

        Each install is a new deployment ``<n>:<40 hex of the context>``, even in the same context.

        Args:
            client_id: The tool (developer key) to install.
            scope: ``account`` (the root account), ``sub_account`` or ``course``.
            context_id: The sub-account id (default: the platform's first sub-account) or the course id
                (default ``course-101``); ignored for ``account``.

        Raises:
            KeyError: For an unknown client id.
            ValueError: With another profile than ``canvas``, or an unknown scope or context.
        """
        profile = self.profile
        if not isinstance(profile, CanvasProfile):
            raise ValueError("installs are how Canvas creates deployments; use the canvas profile")
        with self.lock:
            client = self.clients[client_id]
            if scope == "account":
                context = "root"
            elif scope == "sub_account":
                context = context_id or next(iter(self.sub_accounts), "")
                if context not in self.sub_accounts:
                    raise ValueError(f"unknown sub-account {context!r}")
            elif scope == "course":
                context = context_id or "course-101"
                if context not in self.courses:
                    raise ValueError(f"unknown course {context!r}")
            else:
                raise ValueError("scope must be account, sub_account or course")
            deployment_id = profile.install_id(self, context)
            client.deployment_ids.append(deployment_id)
            client.installs.append(Install(deployment_id, scope, context))
            return deployment_id

    def deployment_for(self, client_id: str, course_id: str) -> str | None:
        """Return the deployment a launch of the tool in ``course_id`` uses, or ``None`` if not installed."""
        with self.lock:
            return self.profile.default_deployment(self, self.clients[client_id], course_id)

    # -- people, courses, links ---------------------------------------------------------------

    def role_of(self, course_id: str, user_id: str) -> str | None:
        """Return the user's role URI in the course, or ``None``."""
        course = self.courses.get(course_id)
        with self.lock:
            return next((role for uid, role in course.members if uid == user_id), None) if course else None

    def enrol(self, course_id: str, user_id: str, role: str) -> None:
        """Enrol an existing user (e.g. the administrator) in a course with a role URI or alias."""
        role_uri = ROLE_ALIASES.get(role.lower(), role)
        with self.lock:
            if user_id not in self.users:
                raise KeyError(user_id)
            course = self.courses[course_id]
            course.members = [(uid, r) for uid, r in course.members if uid != user_id]
            course.members.append((user_id, role_uri))

    def is_learner(self, course_id: str, user_id: str) -> bool:
        """Tell whether the user is a gradable learner of the course."""
        return self.role_of(course_id, user_id) == Role.LEARNER.value

    def members(self, course_id: str) -> list[tuple[User, str]]:
        """Return ``(user, role URI)`` for every member in enrolment order."""
        with self.lock:
            return [(self.users[uid], role) for uid, role in self.courses[course_id].members]

    def resolve_user(self, course_id: str, ref: str) -> User | None:
        """Resolve a user id or an alias (``learner``, ``instructor``, ``ta``, ``observer``, ``admin``).

        Members of the course resolve; so do administrators, who need no enrolment.
        """
        if ref.lower() in ADMIN_ALIASES:
            return next((self.users[uid] for uid in sorted(self.admins) if uid in self.users), None)
        if ref in self.users:
            return self.users[ref] if self.role_of(course_id, ref) or ref in self.admins else None
        role = ROLE_ALIASES.get(ref.lower())
        return next((user for user, r in self.members(course_id) if r == role), None) if role else None

    def default_link(self, course_id: str) -> ResourceLink:
        """Return the course's seeded resource link."""
        with self.lock:
            return next(lnk for lnk in self.links.values() if lnk.course_id == course_id and lnk.client_id is None)

    def links_for(self, course_id: str, client_id: str) -> list[ResourceLink]:
        """Return the links a client may be launched from in a course."""
        with self.lock:
            return [
                lnk
                for lnk in self.links.values()
                if lnk.course_id == course_id and lnk.client_id in (None, client_id)
            ]

    def deep_linked_items(self) -> list[ResourceLink]:
        """Return every resource link created through Deep Linking."""
        with self.lock:
            return [lnk for lnk in self.links.values() if lnk.deep_linked]

    def add_resource_link(self, link: ResourceLink) -> ResourceLink:
        """Store a new resource link."""
        with self.lock:
            self.links[link.link_id] = link
            return link

    # -- line items and scores ------------------------------------------------------------------

    def create_line_item(
        self, course_id: str, client_id: str, label: str, score_maximum: float, **fields: Any
    ) -> LineItem:
        """Create a line item owned by a client in a course."""
        deep_linked = bool(fields.pop("deep_linked", False))
        with self.lock:
            item = LineItem(self.new_id(), course_id, client_id, label, float(score_maximum), **fields)
            self.profile.line_item_created(self, item, deep_linked)
            self.line_items[item.item_id] = item
            return item

    def publish_line_item(self, item_id: str) -> None:
        """Publish the assignment behind a line item (Canvas: scores are refused until then)."""
        with self.lock:
            self.line_items[item_id].published = True

    def set_completion_rule(self, item_id: str, rule: str | None) -> None:
        """Set a line item's activity completion rule (Moodle: ``"grade"`` = "receive a grade", or ``None``)."""
        with self.lock:
            self.line_items[item_id].completion_rule = rule

    def grade_state(self, item_id: str, user_id: str) -> GradeState | None:
        """Return what the gradebook holds for a learner and line item, or ``None`` if no score arrived.

        Moodle profile: ``grade`` is ``None`` unless a FullyGraded score arrived (rescaled to the item's
        maximum) and ``completed`` tells whether "receive a grade" completion fired. Canvas profile:
        ``needs_grading`` and ``submissions`` describe the SpeedGrader submission.
        """
        with self.lock:
            return self.grades.get((item_id, user_id))

    def line_items_for(self, course_id: str, client_id: str, link_id: str | None = None) -> list[LineItem]:
        """Return a client's line items in a course, optionally for one resource link."""
        with self.lock:
            return [
                item
                for item in self.line_items.values()
                if item.course_id == course_id
                and item.client_id == client_id
                and (link_id is None or item.resource_link_id == link_id)
            ]

    def accept_score(self, record: ScoreRecord, item: LineItem | None = None) -> bool:
        """Store a score unless the profile refuses its timestamp (generic: an equal or later one is stored).

        With ``item`` given, the gradebook state (:meth:`grade_state`) is updated too.
        """
        key = (record.item_id, record.user_id)
        with self.lock:
            previous = self._latest_scores.get(key)
            if previous is not None and self.profile.timestamp_refused(previous.timestamp, record.timestamp):
                return False
            self.scores.append(record)
            self._latest_scores[key] = record
            if item is not None:
                self.profile.grade_state(self, item, record, self.grades.setdefault(key, GradeState()))
            return True

    def previous_score(self, item_id: str, user_id: str) -> ScoreRecord | None:
        """Return the latest accepted score of a user for a line item."""
        with self.lock:
            return self._latest_scores.get((item_id, user_id))

    def latest_scores(self, item_id: str) -> list[ScoreRecord]:
        """Return the latest score of each user for a line item."""
        with self.lock:
            return [record for (item, _), record in self._latest_scores.items() if item == item_id]

    def take_ags_fault(self) -> dict[str, Any] | None:
        """Return the fault to inject into this score POST, consuming one from its count."""
        with self.lock:
            fault = self.ags_fault
            if not fault:
                return None
            count = fault.get("count")
            if count is not None and count <= 0:
                self.ags_fault = None
                return None
            if count is not None:
                if count <= 1:
                    self.ags_fault = None
                else:
                    self.ags_fault = {**fault, "count": count - 1}
            return dict(fault)

    # -- one-shot values ------------------------------------------------------------------------

    def take_id_token_hook(self) -> IdTokenHook | None:
        """Return and clear the one-shot id_token hook."""
        with self.lock:
            hook, self.next_id_token_hook = self.next_id_token_hook, None
            return hook

    def new_dl_request(self, client_id: str, deployment_id: str, course_id: str, user_id: str) -> str:
        """Remember a Deep Linking request and return its opaque ``data`` value."""
        with self.lock:
            data = "DL-" + secrets.token_urlsafe(18)
            self.dl_requests[data] = DeepLinkRequest(data, client_id, deployment_id, course_id, user_id)
            return data

    def take_dl_request(self, data: str) -> DeepLinkRequest | None:
        """Return and forget the Deep Linking request with this ``data`` value."""
        with self.lock:
            return self.dl_requests.pop(data, None)

    # -- bookkeeping ----------------------------------------------------------------------------

    def log_request(self, method: str, path: str, status: int) -> None:
        """Append a handled request to the log."""
        with self.lock:
            self.request_log.append(LogEntry(method, path, status))

    def count(self, counter: str) -> None:
        """Increment ``token_requests`` or ``score_posts``."""
        with self.lock:
            setattr(self, counter, getattr(self, counter) + 1)
