"""The course roster from Names and Role Provisioning Services, every page, cached briefly.

Pages are followed through ``Link: <...>; rel="next"`` exactly as the platform wrote the URL (page tokens
can be case-sensitive). Canvas gives at most 50 members a page; Moodle gives all at once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, Iterator

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l
from requests.utils import parse_header_links

from ..lti.constants import SCOPE_NRPS
from ..services.outbound import GuardedSession, OutboundPolicy
from ..services.tokens import TokenError

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 1000
#: Largest roster page read (a 10,000-member Moodle course is about 3 MB).
MAX_PAGE_BYTES = 32 * 1024 * 1024
CACHE_SECONDS = 120


class RosterError(Exception):
    """The roster could not be read; the message is shown to the trainer."""


_CONTEXT_URI = "http://purl.imsglobal.org/vocab/lis/v2/membership"
_LTI11_CONTEXT = "urn:lti:role:ims/lis/"
_STAFF = {"Instructor", "TeachingAssistant", "ContentDeveloper", "Manager"}
_ADMINS = {"Administrator", "SysAdmin"}
#: Kinds of course member on the dashboard: only "learner" is counted and listed as a learner.
LEARNER, INSTRUCTOR, ADMINISTRATOR, OTHER = "learner", "instructor", "administrator", "other"


def _context_role(role: str) -> str | None:
    """Return the principal name of a course (context) role, or None for institution and system roles.

    Handles full LIS URIs (``membership#Learner``), sub-roles (``membership/Instructor#TeachingAssistant``
    counts as Instructor), LTI 1.1 URNs and Moodle's short NRPS names (``Learner``, ``Instructor``).
    """
    if role.startswith(_CONTEXT_URI + "#"):
        return role.split("#", 1)[1]
    if role.startswith(_CONTEXT_URI + "/"):
        return role[len(_CONTEXT_URI) + 1:].split("#", 1)[0]
    if role.startswith(_LTI11_CONTEXT):
        return role[len(_LTI11_CONTEXT):].split("/", 1)[0]
    if role and ":" not in role and "/" not in role:
        return role
    return None


def kind_of_roles(roles: tuple[str, ...] | list[str]) -> str:
    """Return what a member is in the course: learner, instructor (any teaching staff), administrator or other.

    Course roles decide: staff and administrators are never learners, even with a Learner role as well.
    Observers (``Mentor``) and other course roles are "other". Without any course role, an institution or
    system administrator is "administrator" and everyone else "other" (never a learner).
    """
    names = {n for n in map(_context_role, roles) if n}
    if names & _ADMINS:
        return ADMINISTRATOR
    if names & _STAFF:
        return INSTRUCTOR
    if "Learner" in names:
        return LEARNER
    if names:
        return OTHER
    if {r.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for r in roles} & _ADMINS:
        return ADMINISTRATOR
    return OTHER


@dataclass(frozen=True)
class Member:
    """One member as the platform lists it (no email is kept)."""

    user_id: str
    name: str | None
    roles: tuple[str, ...]
    status: str = "Active"

    @property
    def kind(self) -> str:
        """Return learner, instructor, administrator or other (see :func:`kind_of_roles`)."""
        return kind_of_roles(self.roles)

    @property
    def is_learner(self) -> bool:
        """Tell whether the member is a learner and nothing more (full URI or Moodle's short name)."""
        return self.kind == LEARNER

    @property
    def is_instructor(self) -> bool:
        """Tell whether the member teaches or administers (instructor, TA, content developer, admin)."""
        return self.kind in (INSTRUCTOR, ADMINISTRATOR)


def next_link(header: str | None) -> str | None:
    """Return the ``rel="next"`` URL of a Link header, unchanged (never lowercased or re-encoded)."""
    if not header:
        return None
    for link in parse_header_links(header):
        if "next" in link.get("rel", "").lower().split():
            return link["url"]
    return None


def _member(raw: Any) -> Member | None:
    if not isinstance(raw, dict) or not raw.get("user_id"):
        return None
    name = raw.get("name") or " ".join(p for p in (raw.get("given_name"), raw.get("family_name")) if p) or None
    roles = tuple(str(r) for r in raw.get("roles") or [] if isinstance(r, str))
    return Member(str(raw["user_id"]), str(name)[:200] if name else None, roles, str(raw.get("status") or "Active"))


class RosterClient:
    """Reads rosters over one ``requests.Session`` with an NRPS access token from the token provider."""

    def __init__(self, tokens: Any, *, timeout: tuple[float, float] = (3.05, 15.0)) -> None:
        self.tokens = tokens
        self.timeout = timeout
        # The guarded client under the token provider's policy; Moodle sends a whole roster in one page.
        policy = getattr(getattr(tokens, "http", None), "policy", None) or OutboundPolicy()
        self.http = GuardedSession(dataclasses.replace(policy, max_bytes=MAX_PAGE_BYTES), pool_size=4)

    def pages(self, platform: Any, url: str) -> Iterator[list[Member]]:
        """Yield the members of each page.

        Raises:
            RosterError: The platform refused, failed or answered something that is not a roster.
        """
        try:
            token = self.tokens.get(platform, [SCOPE_NRPS], self.http)
        except TokenError as exc:
            raise RosterError(str(exc)) from exc
        seen: set[str] = set()
        retried = False
        next_url: str | None = url
        while next_url and next_url not in seen and len(seen) < MAX_PAGES:
            try:
                response = self.http.get(next_url, timeout=self.timeout, headers={
                    "Authorization": f"Bearer {token}", "Accept": MEDIA_TYPE})
            except requests.RequestException as exc:
                raise RosterError(_l("The platform could not be reached for the roster (%(error)s).",
                                      error=exc.__class__.__name__)) \
                    from exc
            if response.status_code == 401 and not retried:
                retried = True
                self.tokens.invalidate(platform, [SCOPE_NRPS], token)
                token = self.tokens.get(platform, [SCOPE_NRPS], self.http)
                continue
            if response.status_code != 200:
                raise RosterError(_l("The platform answered HTTP %(status)s when asked for the roster.",
                                      status=response.status_code))
            seen.add(next_url)
            try:
                body = response.json()
            except ValueError as exc:
                raise RosterError(_l("The platform's roster was not JSON.")) from exc
            raw = body.get("members") if isinstance(body, dict) else None
            if not isinstance(raw, list):
                raise RosterError(_l("The platform's answer had no member list."))
            yield [m for m in map(_member, raw) if m is not None]
            next_url = next_link(response.headers.get("Link"))

    def fetch(self, platform: Any, url: str) -> tuple[list[Member], int]:
        """Return every member (deduplicated, in platform order) and the number of pages read."""
        members: dict[str, Member] = {}
        pages = 0
        for page in self.pages(platform, url):
            pages += 1
            for member in page:
                members.setdefault(member.user_id, member)
        return list(members.values()), pages


@dataclass(frozen=True)
class Roster:
    """A fetched roster."""

    members: tuple[Member, ...]
    pages: int
    fetched_at: float


class RosterCache:
    """Rosters by context for ``CACHE_SECONDS``: in Redis when configured (shared by workers), else per process."""

    def __init__(self, redis_client: Any = None, seconds: int = CACHE_SECONDS) -> None:
        self.redis = redis_client
        self.seconds = seconds
        self._data: dict[int, Roster] = {}
        self._lock = threading.Lock()

    def get(self, context_id: int) -> Roster | None:
        """Return a fresh cached roster."""
        if self.redis is not None:
            try:
                raw = self.redis.get(f"r2com:roster:{context_id}")
            except Exception:  # redis down: behave as a miss
                raw = None
            if raw:
                data = json.loads(raw)
                return Roster(tuple(Member(m["user_id"], m["name"], tuple(m["roles"]), m["status"])
                                    for m in data["members"]), data["pages"], data["fetched_at"])
            return None
        found = self._data.get(context_id)
        return found if found and time.time() - found.fetched_at < self.seconds else None

    def put(self, context_id: int, roster: Roster) -> None:
        """Store a roster."""
        if self.redis is not None:
            body = json.dumps({"members": [asdict(m) for m in roster.members], "pages": roster.pages,
                               "fetched_at": roster.fetched_at})
            try:
                self.redis.set(f"r2com:roster:{context_id}", body, ex=self.seconds)
            except Exception:
                log.warning("roster cache: redis unavailable")
            return
        with self._lock:
            if len(self._data) > 500:
                self._data.clear()
            self._data[context_id] = roster

    def drop(self, context_id: int) -> None:
        """Forget a context's roster (the trainer asked for a fresh one)."""
        self._data.pop(context_id, None)
        if self.redis is not None:
            try:
                self.redis.delete(f"r2com:roster:{context_id}")
            except Exception:
                pass


def roster_for(platform_id: int, context_id: int, memberships_url: str | None, *, refresh: bool = False) -> Roster:
    """Return the course roster (from the cache unless ``refresh``).

    Raises:
        RosterError: The platform shares no roster for this course, or reading it failed.
    """
    if not memberships_url:
        raise RosterError(_l("The platform did not share the course roster with the tool (no Names and Role "
                             "Provisioning Services in the launch)."))
    ext = current_app.extensions["r2com"]
    cache: RosterCache = ext["roster_cache"]
    if refresh:
        cache.drop(context_id)
    else:
        cached = cache.get(context_id)
        if cached is not None:
            return cached
    info = ext["platforms"].by_id(platform_id)
    if info is None:
        raise RosterError(_l("The platform is no longer registered."))
    members, pages = ext["roster_client"].fetch(info, memberships_url)
    roster = Roster(tuple(members), pages, time.time())
    cache.put(context_id, roster)
    log.info("roster of context %s: %d members over %d page(s)", context_id, len(members), pages)
    return roster
