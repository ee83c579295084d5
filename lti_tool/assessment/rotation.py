"""Key rotation: re-wrap data keys under a new master key, re-encrypt an organisation's records."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import delete, select, true

from ..extensions import db
from .crypto import ACTIVE_TTL, CaseCipher, blob_key_id, rewrap_data_keys
from .models import SEALED_MODELS, DataKey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MasterRotation:
    """What a master key rotation did."""

    old_kid: str
    new_kid: str
    rewrapped: int
    retired: list[str]


def rotate_master_key(cipher: CaseCipher, *, keep_old: bool = False, batch_size: int = 200) -> MasterRotation:
    """Make a new master key current, re-wrap every data key, then retire master keys nobody uses.

    Running workers keep their unwrapped data keys, and read the new master key file on their next
    wrap or on an unknown key id, so nothing stops while this runs.
    """
    old, new = cipher.masters.start_rotation()
    rewrapped, unused = rewrap_data_keys(cipher, batch_size=batch_size)
    retired = []
    if not keep_old:
        for kid in unused:
            cipher.masters.retire(kid)
            retired.append(kid)
    log.info("master key rotated: %s -> %s, %d data keys re-wrapped", old.kid, new.kid, rewrapped)
    return MasterRotation(old.kid, new.kid, rewrapped, retired)


def _purposes(org_id: int) -> list[str]:
    return list(db.session.execute(select(DataKey.purpose).where(DataKey.organisation_id == org_id)
                                   .distinct()).scalars())


def reencrypt(cipher: CaseCipher, org_id: int, *, batch_size: int = 200) -> int:
    """Re-encrypt an organisation's sealed values that are not under its active keys; commit per batch."""
    count = 0
    for model in SEALED_MODELS:
        last_id = ""
        while True:
            rows = db.session.execute(select(model).where(model.organisation_id == org_id, model.id > last_id)
                                      .order_by(model.id).limit(batch_size)).scalars().all()
            if not rows:
                break
            for row in rows:
                for column in model.__sealed__:
                    blob = getattr(row, column)
                    if blob and not cipher.is_active(org_id, model.__key_purpose__, blob):
                        row.seal(column, row.unseal(column))
                        count += 1
            last_id = rows[-1].id
            db.session.commit()
    return count


def referenced_keys(org_id: int) -> set[int]:
    """Return the data-key ids that some sealed value of the organisation still uses."""
    used: set[int] = set()
    for model in SEALED_MODELS:
        columns = [getattr(model, c) for c in model.__sealed__]
        for values in db.session.execute(select(*columns).where(model.organisation_id == org_id)):
            used.update(blob_key_id(v) for v in values if v)
    return used


def rotate_data_key(cipher: CaseCipher, org_id: int, *, batch_size: int = 200,
                    settle_seconds: float = ACTIVE_TTL + 5) -> tuple[int, int]:
    """Give an organisation new data keys, re-encrypt its records, and shred the old keys.

    Running workers cache which key is active for up to ``ACTIVE_TTL`` seconds, so the re-encryption
    starts only after ``settle_seconds``: by then nobody seals with an old key any more, and an old key
    that no value references can be deleted safely.

    Returns:
        (values re-encrypted, old keys deleted).
    """
    for purpose in _purposes(org_id) or ["case"]:
        cipher.create_data_key(org_id, purpose)
    db.session.commit()
    cipher.forget()
    time.sleep(settle_seconds)
    count = reencrypt(cipher, org_id, batch_size=batch_size)
    used = referenced_keys(org_id)
    stale = db.session.execute(delete(DataKey).where(DataKey.organisation_id == org_id, DataKey.active.is_(False),
                                                     DataKey.id.not_in(used) if used else true())
                               .returning(DataKey.id)).scalars().all()
    db.session.commit()
    cipher.forget()
    log.info("data keys of organisation %s rotated: %d values re-encrypted, %d old keys deleted", org_id, count,
             len(stale))
    return count, len(stale)
