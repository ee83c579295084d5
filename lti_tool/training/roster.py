"""The course roster from Names and Role Provisioning Services, every page, stored per course.

Pages are followed through ``Link: <...>; rel="next"`` exactly as the platform wrote the URL (page tokens
can be case-sensitive). Canvas gives at most 50 members a page; Moodle gives all at once.

Reading a 50,000-member course takes a thousand requests, so the list is read once and stored
(:class:`~lti_tool.training.models.RosterSnapshot`); a view of a list older than ``CACHE_SECONDS`` shows the
stored list and reads it again in the background (one worker process at a time). The trainer's "read the
course list again" reads it at once. Each process keeps the decoded list of the courses it served.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Iterator, Sequence

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l
from requests.utils import parse_header_links
from sqlalchemy import or_, select, update

from ..lti.constants import SCOPE_NRPS
from ..services.outbound import GuardedSession, OutboundPolicy
from ..services.tokens import TokenError

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
#: Pages read at most (500,000 members at Canvas's 50 a page); a longer list is cut and the trainer is told.
MAX_PAGES = 10_000
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


@functools.lru_cache(maxsize=4096)
def _kind_of(roles: tuple[str, ...]) -> str:
    return kind_of_roles(roles)


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
        return _kind_of(self.roles)  # a course has a handful of distinct role lists

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

    def pages(self, platform: Any, url: str, state: dict[str, Any] | None = None) -> Iterator[list[Member]]:
        """Yield the members of each page; ``state["cut"]`` becomes True when more than ``MAX_PAGES`` were offered.

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
        if state is not None:
            state["cut"] = bool(next_url and next_url not in seen)

    def fetch(self, platform: Any, url: str, state: dict[str, Any] | None = None) -> tuple[list[Member], int]:
        """Return every member (deduplicated, in platform order) and the number of pages read
        (``state["cut"]``: see :meth:`pages`)."""
        members: dict[str, Member] = {}
        pages = 0
        for page in self.pages(platform, url, state):
            pages += 1
            for member in page:
                members.setdefault(member.user_id, member)
        return list(members.values()), pages


@dataclass(frozen=True)
class Roster:
    """A fetched roster. ``complete`` is False when the platform offered more than ``MAX_PAGES`` pages;
    ``refreshing`` tells that a newer read is under way in the background."""

    members: Sequence[Member]
    pages: int
    fetched_at: float
    complete: bool = True
    refreshing: bool = False


class RosterCache:
    """This process's decoded rosters by context; fresh for ``CACHE_SECONDS``. The database keeps the list
    for every process (:func:`roster_for`), so nothing is shared here."""

    def __init__(self, seconds: int = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._data: dict[int, Roster] = {}
        self._lock = threading.Lock()

    def get(self, context_id: int, *, any_age: bool = False) -> Roster | None:
        """Return a fresh cached roster (``any_age``: whatever this process holds)."""
        found = self._data.get(context_id)
        return found if found and (any_age or time.time() - found.fetched_at < self.seconds) else None

    def put(self, context_id: int, roster: Roster) -> None:
        """Keep a roster."""
        with self._lock:
            if len(self._data) > 500:
                self._data.clear()
            self._data[context_id] = roster

    def forget_all(self) -> None:
        """Forget every roster this process holds (a fresh process; benchmarks)."""
        self._data.clear()

    def drop(self, context_id: int) -> None:
        """Forget a context's roster (the trainer asked for a fresh one)."""
        self._data.pop(context_id, None)


def roster_for(platform_id: int, context_id: int, memberships_url: str | None, *, refresh: bool = False) -> Roster:
    """Return the course roster: this process's copy, else the stored one, else read now; ``refresh`` reads now.

    A stored list older than ``CACHE_SECONDS`` is returned as it is (``refreshing``) while one worker reads it
    again in the background.

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
        stored = _stored(cache, context_id)
        if stored is not None:
            if time.time() - stored.fetched_at >= cache.seconds and _claim_refresh(context_id, cache.seconds):
                _refresh_in_background(current_app._get_current_object(),  # type: ignore[attr-defined]
                                       platform_id, context_id, memberships_url)
                stored = replace(stored, refreshing=True)
            return stored
    return _read(ext, platform_id, context_id, memberships_url)


def _read(ext: dict[str, Any], platform_id: int, context_id: int, memberships_url: str) -> Roster:
    """Read every page now, store the list and keep it in this process."""
    info = ext["platforms"].by_id(platform_id)
    if info is None:
        raise RosterError(_l("The platform is no longer registered."))
    state: dict[str, Any] = {}
    members, pages = ext["roster_client"].fetch(info, memberships_url, state)
    roster = Roster(tuple(members), pages, time.time(), complete=not state.get("cut"))
    _store(context_id, roster)
    ext["roster_cache"].put(context_id, roster)
    log.info("roster of context %s: %d members over %d page(s)%s", context_id, len(members), pages,
             "" if roster.complete else " (cut)")
    return roster


#: Separates the header and the columns of a stored list (never inside a value: such values are escaped).
_SEP = "\x1e"


def _plain(value: str) -> bool:
    return "\n" not in value and _SEP not in value and not value.startswith('"')


class StoredMembers(Sequence[Member]):
    """A stored course list as parallel columns, split from the stored text at C speed; a :class:`Member` is
    built only when asked for (the dashboard reads :meth:`people` and builds none)."""

    def __init__(self, subs: list[str], names: list[str], roles: list[tuple[str, ...]], role_index: list[str],
                 statuses: list[str]) -> None:
        """``names``: "" when the platform sent none; ``role_index``: the index of each role list, as text."""
        self._subs, self._names, self._index, self._statuses = subs, names, role_index, statuses
        self._roles = {str(i): r for i, r in enumerate(roles)}

    def __len__(self) -> int:
        return len(self._subs)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - Sequence protocol
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return Member(self._subs[i], self._names[i] or None, self._roles[self._index[i]], self._statuses[i])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and all(a == b for a, b in zip(self, other))

    def people(self) -> Iterator[tuple[str, str | None, str, str]]:
        """Yield (platform user id, name or "", kind, status) of every member, in the platform's order."""
        kinds = {i: kind_of_roles(r) for i, r in self._roles.items()}
        return zip(self._subs, self._names, map(kinds.__getitem__, self._index), self._statuses)


def people_of(members: Sequence[Member]) -> Iterator[tuple[str, str | None, str, str]]:
    """Yield (platform user id, name or "" or None, kind, status) of a roster's members, without building them
    when stored."""
    if isinstance(members, StoredMembers):
        return members.people()
    return ((m.user_id, m.name, m.kind, m.status) for m in members)


def _encode(roster: Roster) -> str:
    """Return the stored text: a JSON header (role lists, flags), then four columns of one value a line
    (platform user id, name, role list index, status), separated by ``_SEP``; a value holding a line break or
    the separator, or starting with a quote, is written as a JSON string and the column is flagged."""
    roles: dict[tuple[str, ...], int] = {}
    subs, names, index, statuses = [], [], [], []
    for m in roster.members:
        subs.append(m.user_id)
        names.append(m.name or "")
        index.append(str(roles.setdefault(m.roles, len(roles))))
        statuses.append(m.status)
    columns, escaped = [], []
    for column in (subs, names, index, statuses):
        plain = all(map(_plain, column))
        escaped.append(not plain)
        columns.append("\n".join(column if plain else (v if _plain(v) else json.dumps(v) for v in column)))
    header = json.dumps({"v": 2, "n": len(subs), "roles": [list(r) for r in roles], "escaped": escaped},
                        separators=(",", ":"))
    return _SEP.join([header] + columns)


def _decode(text: str) -> StoredMembers:
    """Return the members of a stored text (this format, or the JSON of earlier versions)."""
    if _SEP in text:
        parts = text.split(_SEP)
        head = json.loads(parts[0])
        roles = [tuple(r) for r in head["roles"]]
        if not head["n"]:
            return StoredMembers([], [], roles, [], [])
        columns = []
        for part, escaped in zip(parts[1:], head["escaped"]):
            values = part.split("\n")
            columns.append([json.loads(v) if v.startswith('"') else v for v in values] if escaped else values)
        subs, names, index, statuses = columns
        return StoredMembers(subs, names, roles, index, statuses)
    data = json.loads(text)  # stored before the column format
    roles = [tuple(r) for r in data["roles"]]
    rows = data["members"]
    return StoredMembers([r[0] for r in rows], [r[1] or "" for r in rows], roles, [str(r[2]) for r in rows],
                         [r[3] for r in rows])


def _stored(cache: RosterCache, context_id: int) -> Roster | None:
    """Return the stored list; decoded once per process and stored version (one small query otherwise)."""
    from ..extensions import db
    from .models import RosterSnapshot as R

    head = db.session.execute(select(R.fetched_at, R.pages, R.complete).where(R.context_id == context_id)).first()
    if head is None:
        return None
    fetched_at = head.fetched_at.timestamp()
    held = cache.get(context_id, any_age=True)
    if held is not None and held.fetched_at == fetched_at:
        return held
    text = db.session.execute(select(R.members).where(R.context_id == context_id)).scalar_one()
    roster = Roster(_decode(text), head.pages, fetched_at, complete=head.complete)
    cache.put(context_id, roster)
    return roster


def _store(context_id: int, roster: Roster) -> None:
    """Insert or replace the stored list (commits)."""
    from ..extensions import db
    from .models import RosterSnapshot as R

    values = {"members": _encode(roster), "pages": roster.pages, "complete": roster.complete,
              "fetched_at": dt.datetime.fromtimestamp(roster.fetched_at, dt.timezone.utc), "refresh_started_at": None}
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(R).values(context_id=context_id, **values)
    db.session.execute(stmt.on_conflict_do_update(index_elements=[R.context_id], set_=values))
    db.session.commit()


def _claim_refresh(context_id: int, seconds: int) -> bool:
    """Mark the stored list as being read again unless another process does already; commits."""
    from ..db import utcnow
    from ..extensions import db
    from .models import RosterSnapshot as R

    now = utcnow()
    done = db.session.execute(update(R).where(
        R.context_id == context_id,
        or_(R.refresh_started_at.is_(None), R.refresh_started_at < now - dt.timedelta(seconds=seconds)))
        .values(refresh_started_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return bool(done.rowcount)


def _refresh_in_background(app: Any, platform_id: int, context_id: int, memberships_url: str) -> None:
    def run() -> None:
        with app.app_context():
            try:
                _read(app.extensions["r2com"], platform_id, context_id, memberships_url)
            except RosterError as exc:  # the stored list stays; the next stale view tries again
                log.warning("roster of context %s could not be read again: %s", context_id, exc)
            except Exception:  # pragma: no cover - never let a background read take the worker down
                log.exception("roster of context %s: background read failed", context_id)

    threading.Thread(target=run, name=f"roster-{context_id}", daemon=True).start()
