"""Client self-access (DP-5, optional, off by default): a code the person uses to read their plan and record.

The practitioner makes a code that works for a set number of days and gives it to the person (on paper, by
message). The person types it on the self-access page and reads their support plan and record in plain
language. Only a hash of the code is stored. Codes can be revoked, stop working when the organisation switches
self-access off, and every use is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import utcnow
from ..errors import NotFound
from ..extensions import db
from .errors import CaseworkError
from .models import Client, Organisation, SelfAccess
from .privacy import audit, record_event
from .roles import Actor

#: Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
MAX_DAYS = 90
DEFAULT_DAYS = 14


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    """Read a code as typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _format(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def create_code(actor: Actor, client: Client, *, days: int) -> tuple[SelfAccess, str]:
    """Make a code for the person; return the row and the code (shown once, never stored)."""
    if not actor.organisation.self_access_enabled:
        raise CaseworkError(_("Your organisation does not offer self-access."), code="self_access_off", status=403)
    if not 1 <= days <= MAX_DAYS:
        raise CaseworkError(_("A code can work for 1 to %(n)d days.", n=MAX_DAYS), code="self_access_days")
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    row = SelfAccess(organisation_id=actor.org_id, client_id=client.id, code_hash=_hash(code),
                     created_by=actor.user_id, expires_at=utcnow() + dt.timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    audit(actor, "self_access_on", "self_access", row.id, client_id=client.id, purpose="self-access code made")
    return row, _format(code)


def codes(client: Client) -> list[SelfAccess]:
    """Return the client's codes, newest first."""
    return list(db.session.execute(select(SelfAccess).where(SelfAccess.client_id == client.id,
                                                            SelfAccess.organisation_id == client.organisation_id)
                                   .order_by(SelfAccess.created_at.desc())).scalars())


def revoke(actor: Actor, client: Client, access_id: str) -> SelfAccess:
    """Stop a code from working."""
    row = db.session.execute(select(SelfAccess).where(SelfAccess.id == access_id, SelfAccess.client_id == client.id,
                                                      SelfAccess.organisation_id == actor.org_id)).scalar()
    if row is None:
        raise NotFound(code="self_access_not_found")
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = utcnow(), actor.user_id
        db.session.flush()
        audit(actor, "self_access_off", "self_access", row.id, client_id=client.id, purpose="self-access revoked")
    return row


def open_with_code(code: str) -> Client | None:
    """Return the client a valid code opens (and audit the use), or None for any code that does not work."""
    if len(normalise(code)) != CODE_LENGTH:
        return None
    row = db.session.execute(select(SelfAccess).where(SelfAccess.code_hash == _hash(code))).scalar()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    org = db.session.get(Organisation, row.organisation_id)
    client = db.session.get(Client, row.client_id)
    if org is None or not org.self_access_enabled or client is None:
        return None
    row.last_used_at = now
    record_event(org.id, action="view", object_type="self_access", object_id=row.id, client_id=client.id,
                 purpose="the person read their own record", actor_label="the person (self-access code)")
    return client
