"""The audit log (DP-11), retention (DP-10) and erasure (DP-9).

Audit events hold ids and purposes, never case content, and are hash-chained per organisation so a
changed or removed event shows up in :func:`verify_audit`. Deleting a client removes every case row
(and, on SQLite, overwrites the freed pages), then records the deletion in the audit log.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass

from sqlalchemy import delete, select, text

from ..db import utcnow
from ..extensions import db
from .models import CASE_TABLES, AuditEvent, Client, Organisation
from .roles import Actor

log = logging.getLogger(__name__)


def _digest(event: AuditEvent) -> str:
    at = event.at.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")
    body = [event.organisation_id, at, event.user_id, event.actor_label, event.action,
            event.object_type, event.object_id, event.client_id, event.purpose, event.prev_hash]
    return hashlib.sha256(json.dumps(body, separators=(",", ":")).encode()).hexdigest()


def record_event(org_id: int, *, action: str, object_type: str, object_id: str = "", client_id: str | None = None,
                 purpose: str = "", user_id: int | None = None, actor_label: str = "") -> AuditEvent:
    """Append an audit event to the organisation's chain. Flushes; the caller commits."""
    db.session.execute(select(Organisation.id).where(Organisation.id == org_id).with_for_update())
    prev = db.session.execute(select(AuditEvent.hash).where(AuditEvent.organisation_id == org_id)
                              .order_by(AuditEvent.id.desc()).limit(1)).scalar() or ""
    event = AuditEvent(organisation_id=org_id, at=utcnow(),
                       user_id=user_id, actor_label=actor_label[:80], action=action, object_type=object_type,
                       object_id=object_id, client_id=client_id, purpose=purpose[:120], prev_hash=prev)
    event.hash = _digest(event)
    db.session.add(event)
    db.session.flush()
    log.info("audit: %s %s %s by user %s", action, object_type, object_id, user_id if user_id else actor_label)
    return event


def audit(actor: Actor, action: str, object_type: str, object_id: str = "", *, client_id: str | None = None,
          purpose: str | None = None) -> AuditEvent:
    """Record what an actor did; the purpose defaults to casework or supervision."""
    if purpose is None:
        purpose = "casework"
    return record_event(actor.org_id, action=action, object_type=object_type, object_id=object_id,
                        client_id=client_id, purpose=purpose, user_id=actor.user_id)


def default_purpose(actor: Actor, client: Client) -> str:
    """Return the purpose of looking at a client: one's own casework, or supervision."""
    return "casework" if client.practitioner_id == actor.user_id else "supervision"


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking an organisation's audit chain."""

    events: int
    first_break: int | None


def verify_audit(org_id: int) -> ChainCheck:
    """Recompute the organisation's audit chain; report the first event that does not match."""
    prev = ""
    count = 0
    for event in db.session.execute(select(AuditEvent).where(AuditEvent.organisation_id == org_id)
                                    .order_by(AuditEvent.id)).scalars():
        count += 1
        if event.prev_hash != prev or event.hash != _digest(event):
            return ChainCheck(count, event.id)
        prev = event.hash
    return ChainCheck(count, None)


def _secure_delete() -> None:
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA secure_delete = ON"))


def delete_client(client: Client, *, action: str, purpose: str, user_id: int | None = None,
                  actor_label: str = "") -> None:
    """Delete a client and every record about them; keep only an audit event. Flushes."""
    org_id, client_id = client.organisation_id, client.id
    _secure_delete()
    for model in CASE_TABLES:
        column = model.id if model is Client else model.client_id  # type: ignore[attr-defined]
        db.session.execute(delete(model).where(column == client_id, model.organisation_id == org_id))
    db.session.expunge(client)
    record_event(org_id, action=action, object_type="client", object_id=client_id, client_id=client_id,
                 purpose=purpose, user_id=user_id, actor_label=actor_label)


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """Return ``moment`` plus calendar months (clamped to the month's last day)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def due_for_purge(now: dt.datetime | None = None) -> list[Client]:
    """Return closed clients whose organisation's retention period has passed."""
    now = now or utcnow()
    rows = db.session.execute(select(Client, Organisation.retention_months)
                              .join(Organisation, Organisation.id == Client.organisation_id)
                              .where(Client.status == "closed", Client.closed_at.is_not(None))).all()
    return [client for client, months in rows
            if client.closed_at is not None and add_months(client.closed_at, months) <= now]


def purge_expired(now: dt.datetime | None = None, *, dry_run: bool = False) -> int:
    """Delete every client past retention; return how many. Commits unless ``dry_run``."""
    clients = due_for_purge(now)
    if dry_run:
        return len(clients)
    for client in clients:
        delete_client(client, action="purge", purpose="retention period ended", actor_label="retention purge")
    db.session.commit()
    if clients:
        scrub_storage()
    return len(clients)


def scrub_storage() -> None:
    """After a committed deletion, push SQLite's write-ahead log into the (securely deleted) main file.

    On PostgreSQL, deleted tuples disappear with the next (auto)vacuum; backups age out with their rotation.
    """
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
