"""Server-side OIDC login state, single use: in the database, or in Redis when one is configured.

Nothing about a login piles up in the browser's cookies: the browser only holds one short-lived
binding cookie per login. The launch consumes the state atomically — matching the binding, the nonce
and the platform — in the same step that opens the tool session, so a replayed id_token is refused
even from a fresh browser. When that step fails, the slow path (:meth:`peek`, :meth:`was_used`) finds
out why, to give a specific answer.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select

from ..db import utcnow
from ..extensions import db
from .hotpath import HotStore
from .models import LoginState


@dataclass(frozen=True)
class StateRecord:
    """What the login stored for the launch to check."""

    nonce: str
    platform_id: int
    binding: str
    params: dict[str, Any]


class StateStore(Protocol):
    def put(self, state: str, record: StateRecord, ttl: int) -> None: ...
    def consume_and_open(self, state: str, *, binding: str, nonce: str, platform_id: int,
                         session: dict[str, Any]) -> bool: ...
    def peek(self, state: str) -> StateRecord | None: ...
    def was_used(self, state: str) -> bool: ...


class DatabaseStateStore:
    """Login states as rows of ``lti_login_state``; used rows stay until expiry to recognise replays."""

    def __init__(self, hot: HotStore):
        self._hot = hot

    def put(self, state: str, record: StateRecord, ttl: int) -> None:
        now = utcnow()
        self._hot.put_state(state, record.nonce, record.binding, record.platform_id, record.params,
                            now + dt.timedelta(seconds=ttl), now)

    def consume_and_open(self, state: str, *, binding: str, nonce: str, platform_id: int,
                         session: dict[str, Any]) -> bool:
        return self._hot.consume_and_open(state=state, binding=binding, nonce=nonce, platform_id=platform_id,
                                          now=utcnow(), session=session)

    def peek(self, state: str) -> StateRecord | None:
        row = db.session.execute(select(LoginState).where(LoginState.state == state,
                                                          LoginState.used_at.is_(None))).scalar_one_or_none()
        if row is None or row.expires_at < utcnow():
            return None
        return StateRecord(row.nonce, row.platform_id, row.binding, row.params)

    def was_used(self, state: str) -> bool:
        return db.session.execute(select(LoginState.state).where(
            LoginState.state == state, LoginState.used_at.is_not(None))).first() is not None


_CONSUME_LUA = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local rec = cjson.decode(raw)
if rec.b ~= ARGV[1] or rec.n ~= ARGV[2] or tonumber(rec.p) ~= tonumber(ARGV[3]) then return -1 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'EX', 3600)
return 1
"""


class RedisStateStore:
    """Login states in Redis, shared by every worker and machine; consumed by an atomic script."""

    def __init__(self, client: Any, hot: HotStore, prefix: str = "r2com:lti:state:"):
        self._redis = client
        self._hot = hot
        self._prefix = prefix
        self._consume = client.register_script(_CONSUME_LUA)

    def put(self, state: str, record: StateRecord, ttl: int) -> None:
        payload = {"n": record.nonce, "p": record.platform_id, "b": record.binding, "q": record.params}
        self._redis.set(self._prefix + state, json.dumps(payload), ex=ttl)

    def consume_and_open(self, state: str, *, binding: str, nonce: str, platform_id: int,
                         session: dict[str, Any]) -> bool:
        done = self._consume(keys=[self._prefix + state, self._prefix + "used:" + state],
                             args=[binding, nonce, platform_id])
        if done != 1:
            return False
        self._hot.insert_session(session)
        return True

    def peek(self, state: str) -> StateRecord | None:
        raw = self._redis.get(self._prefix + state)
        if raw is None:
            return None
        data = json.loads(raw)
        return StateRecord(nonce=data["n"], platform_id=data["p"], binding=data["b"], params=data["q"])

    def was_used(self, state: str) -> bool:
        return bool(self._redis.exists(self._prefix + "used:" + state))
