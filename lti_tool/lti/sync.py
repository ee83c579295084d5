"""Record what a verified launch tells us: user, context, resource link, membership, launch session.

This is on the launch hot path. Rows are upserted only when something changed: a per-process cache
remembers the id and a fingerprint of what was last written for each user, context, link and
membership, so a repeated launch usually costs one insert (the launch session) and one commit.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from sqlalchemy import select, update

from ..db import utcnow
from ..extensions import db
from . import constants as c
from .launch import LtiLaunch
from .models import Context, LtiUser, Membership, ResourceLink
from .session import session_expiry

_CACHE_LIMIT = 50_000


class _RowCache:
    """Maps a natural key to (row id, fingerprint of the last written values)."""

    def __init__(self) -> None:
        self._data: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> tuple[int, tuple[Any, ...]] | None:
        return self._data.get(key)

    def put(self, key: tuple[Any, ...], row_id: int, fingerprint: tuple[Any, ...]) -> None:
        with self._lock:
            if len(self._data) >= _CACHE_LIMIT:
                self._data.clear()
            self._data[key] = (row_id, fingerprint)

    def clear(self) -> None:
        self._data.clear()


def _insert_new(model: Any, key_columns: list[str]) -> Any:
    """An INSERT that does nothing when a row with the same key exists (PostgreSQL and SQLite alike)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(model).on_conflict_do_nothing(index_elements=key_columns)


class LaunchRecorder:
    """Writes launches to the database; one instance per app."""

    def __init__(self) -> None:
        self.users = _RowCache()
        self.contexts = _RowCache()
        self.links = _RowCache()
        self.memberships = _RowCache()

    def clear(self) -> None:
        for cache in (self.users, self.contexts, self.links, self.memberships):
            cache.clear()

    def _upsert(self, cache: _RowCache, model: Any, key: dict[str, Any], values: dict[str, Any],
                written: list[tuple[_RowCache, tuple[Any, ...], int, tuple[Any, ...]]]) -> int:
        """Insert or update one row identified by ``key``; skip the write when nothing changed.

        What was written goes to the cache only after the commit (``written``): another thread that took an
        uncommitted id from the cache would insert rows pointing at a row it cannot see yet.
        """
        cache_key = tuple(key.values())
        fingerprint = tuple(values.values())
        hit = cache.get(cache_key)
        if hit and hit[1] == fingerprint:
            return hit[0]
        where = [getattr(model, k) == v for k, v in key.items()]
        row_id = hit[0] if hit else db.session.execute(select(model.id).where(*where)).scalar()
        if row_id is None:
            # Two workers may see a new user (or course, or link) at the same moment: the loser's insert does
            # nothing and it reads the winner's row, then updates it like any known row.
            row_id = db.session.execute(_insert_new(model, list(key)).values(**key, **values)
                                        .returning(model.id)).scalar()
            if row_id is None:
                row_id = db.session.execute(select(model.id).where(*where)).scalar_one()
                db.session.execute(update(model).where(model.id == row_id).values(**values))
        else:
            db.session.execute(update(model).where(model.id == row_id).values(**values))
        written.append((cache, cache_key, row_id, fingerprint))
        return row_id

    def prepare_session(self, launch: LtiLaunch) -> dict[str, Any]:
        """Upsert user, context, link and membership (usually cached: no write); return the session row to open.

        The launch session itself is inserted by the state store, in the same atomic step that
        consumes the login state.
        """
        platform = launch.platform
        deployment_row_id = platform.deployments[launch.deployment_id][0]
        ctx, ags, link, custom = launch.context, launch.ags, launch.resource_link, launch.custom
        role = launch.role
        written: list[tuple[_RowCache, tuple[Any, ...], int, tuple[Any, ...]]] = []
        try:
            user_id = self._upsert(self.users, LtiUser, {"platform_id": platform.id, "sub": launch.sub},
                                   {"name": launch.display_name, "locale": launch.locale}, written)
            context_id = self._upsert(
                self.contexts, Context, {"deployment_id": deployment_row_id, "context_id": str(ctx.get("id", ""))[:255]},
                {"title": (str(ctx["title"])[:400] if ctx.get("title") else None),
                 "label": (str(ctx["label"])[:200] if ctx.get("label") else None),
                 "memberships_url": launch.nrps_url,
                 "lineitems_url": ags.get("lineitems"),
                 "ags_scopes": " ".join(ags["scope"]) if isinstance(ags.get("scope"), list) else None}, written)
            link_id = None
            if link.get("id"):
                link_id = self._upsert(
                    self.links, ResourceLink, {"context_id": context_id, "resource_link_id": str(link["id"])[:255]},
                    {"title": (str(link["title"])[:400] if link.get("title") else None),
                     "custom": custom or None, "lineitem_url": ags.get("lineitem")}, written)
            self._upsert(self.memberships, Membership, {"context_id": context_id, "user_id": user_id},
                         {"role": role.value, "lti_roles": " ".join(launch.roles)[:4000]}, written)
            # Only a cache miss reads or writes; don't even create an ORM session otherwise.
            if db.session.registry.has() and db.session().in_transaction():
                db.session.commit()
            for cache, cache_key, row_id, fingerprint in written:
                cache.put(cache_key, row_id, fingerprint)
        except Exception:
            db.session.rollback()
            self.clear()  # a rolled-back write may have left ids in the caches
            raise
        return {
            "id": secrets.token_urlsafe(32), "user_id": user_id, "context_id": context_id,
            "resource_link_id": link_id, "role": role.value, "message_type": launch.message_type,
            "data": {
                "custom": custom,
                "return_url": launch.return_url,
                "ags": ags or None,
                "deep_linking_settings": launch.deep_linking_settings or None,
                "deployment_id": launch.deployment_id,
                "platform_admin": c.is_platform_admin(launch.roles),
                "target_link_uri": launch.claims.get(c.CLAIM_TARGET_LINK_URI),
                "launched_at": utcnow().isoformat(),
                # The platform's language for this person (interface language, see lti_tool.i18n).
                "locale": launch.locale,
            },
            "expires_at": session_expiry(),
        }
