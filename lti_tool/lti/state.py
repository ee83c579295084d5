"""Server-side OIDC login state, single use: in the database, or in Redis when one is configured.

Nothing about a login piles up in the browser's cookies: the browser only holds one short-lived
binding cookie per login, and the launch consumes the state atomically, so a replayed id_token is
refused even from a fresh browser.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import delete, insert, select, update

from ..db import utcnow
from ..extensions import db
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
    def peek(self, state: str) -> StateRecord | None: ...
    def take(self, state: str) -> StateRecord | None: ...
    def was_used(self, state: str) -> bool: ...


def _record(nonce: str, platform_id: int, params: dict[str, Any]) -> StateRecord:
    return StateRecord(nonce=nonce, platform_id=platform_id, binding=params.get("_binding", ""),
                       params={k: v for k, v in params.items() if k != "_binding"})


class DatabaseStateStore:
    """Login states as rows; expired rows are swept now and then."""

    SWEEP_EVERY = 200

    def put(self, state: str, record: StateRecord, ttl: int) -> None:
        now = utcnow()
        params = dict(record.params, _binding=record.binding)
        db.session.execute(insert(LoginState).values(
            state=state, nonce=record.nonce, platform_id=record.platform_id, params=params,
            expires_at=now + dt.timedelta(seconds=ttl)))
        if random.randrange(self.SWEEP_EVERY) == 0:
            db.session.execute(delete(LoginState).where(LoginState.expires_at < now))
        db.session.commit()

    def peek(self, state: str) -> StateRecord | None:
        row = db.session.execute(select(LoginState.nonce, LoginState.platform_id, LoginState.params,
                                        LoginState.expires_at)
                                 .where(LoginState.state == state, LoginState.used_at.is_(None))).first()
        if row is None or row.expires_at < utcnow():
            return None
        return _record(row.nonce, row.platform_id, row.params)

    def take(self, state: str) -> StateRecord | None:
        row = db.session.execute(
            update(LoginState).where(LoginState.state == state, LoginState.used_at.is_(None))
            .values(used_at=utcnow())
            .returning(LoginState.nonce, LoginState.platform_id, LoginState.params, LoginState.expires_at)
        ).first()
        db.session.commit()
        if row is None or row.expires_at < utcnow():
            return None
        return _record(row.nonce, row.platform_id, row.params)

    def was_used(self, state: str) -> bool:
        return db.session.execute(select(LoginState.state).where(
            LoginState.state == state, LoginState.used_at.is_not(None))).first() is not None


class RedisStateStore:
    """Login states in Redis (shared by every worker and machine); GETDEL makes them single use."""

    def __init__(self, client: Any, prefix: str = "r2com:lti:state:"):
        self._redis = client
        self._prefix = prefix

    def put(self, state: str, record: StateRecord, ttl: int) -> None:
        payload = {"n": record.nonce, "p": record.platform_id, "b": record.binding, "q": record.params}
        self._redis.set(self._prefix + state, json.dumps(payload), ex=ttl)

    @staticmethod
    def _decode(raw: bytes | None) -> StateRecord | None:
        if raw is None:
            return None
        data = json.loads(raw)
        return StateRecord(nonce=data["n"], platform_id=data["p"], binding=data["b"], params=data["q"])

    def peek(self, state: str) -> StateRecord | None:
        return self._decode(self._redis.get(self._prefix + state))

    def take(self, state: str) -> StateRecord | None:
        pipe = self._redis.pipeline()
        pipe.getdel(self._prefix + state)
        pipe.set(self._prefix + "used:" + state, "1", ex=3600)
        raw, _ = pipe.execute()
        return self._decode(raw)

    def was_used(self, state: str) -> bool:
        return bool(self._redis.exists(self._prefix + "used:" + state))
