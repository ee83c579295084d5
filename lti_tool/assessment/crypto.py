"""Field encryption for case records: a master key on disk wraps per-organisation data keys.

* ``keys/master.key`` holds the current master key (``r2com-master-1 <kid> <base64url key>``);
  older master keys stay readable as ``keys/master.<kid>.key`` until no data key is wrapped by them.
* Each organisation has data keys (AES-256-GCM) per purpose (``case`` for case records, ``identity``
  for the identity vault), stored wrapped by the master key (AES-GCM key wrap) with their version.
* A sealed value is a versioned blob ``0x01 | data-key id (4 bytes) | nonce (12) | ciphertext+tag``;
  its associated data binds table, column, row id and organisation, so a blob copied to another row,
  column or tenant does not decrypt.

Unwrapped data keys are cached per process; rotating the master key re-wraps data keys without
changing them, so running workers keep working (no downtime).

A master key is never created while the database holds data keys: a new key could not open them, and
every stored case record would be lost. :func:`check_master_key` proves, at start and in ``/readyz``,
that the keys on disk open one stored data key per master key id.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from ..db import utcnow
from ..extensions import db

log = logging.getLogger(__name__)

MASTER_FILE = "master.key"
MASTER_TAG = "r2com-master-1"
BLOB_VERSION = 1
_HEADER = 1 + 4 + 12
ACTIVE_TTL = 60.0


class KeyMaterialError(RuntimeError):
    """A master or data key is missing, unreadable or does not match a blob."""


class MasterKeyProblem(KeyMaterialError):
    """The master key on disk cannot serve: missing, unreadable, or not the one the stored data keys need.

    ``reason`` is a short plain phrase without key material, fit for ``/readyz``; the message says
    what to restore.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


#: ``master kid -> (wrapped data key, its associated data)``: one stored data key per master key id.
StoredKeys = Mapping[str, tuple[bytes, bytes]]


@dataclass(frozen=True)
class MasterKey:
    """One master key: its id and 32 key bytes."""

    kid: str
    key: bytes


def _parse_master(path: Path) -> MasterKey:
    try:
        parts = path.read_text().split()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyMaterialError(f"{path} cannot be read ({exc.__class__.__name__}).") from exc
    if len(parts) != 3 or parts[0] != MASTER_TAG:
        raise KeyMaterialError(f"{path} is not an R2COM master key file.")
    try:
        key = base64.urlsafe_b64decode(parts[2] + "==")
    except (binascii.Error, ValueError) as exc:
        raise KeyMaterialError(f"{path} does not hold a readable key.") from exc
    if len(key) != 32:
        raise KeyMaterialError(f"{path} does not hold a 256-bit key.")
    return MasterKey(parts[1], key)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600, atomically (temp file then rename)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _master_text(key: MasterKey) -> str:
    return f"{MASTER_TAG} {key.kid} {base64.urlsafe_b64encode(key.key).decode().rstrip('=')}\n"


class MasterKeyring:
    """The master keys under ``keys_dir``: the current one and any older ones still needed."""

    def __init__(self, keys_dir: str | Path, *, may_create: bool,
                 in_use: Callable[[], StoredKeys] | None = None) -> None:
        """``in_use`` returns the stored data keys; while there are any, no master key is ever created."""
        self.dir = Path(keys_dir)
        self.may_create = may_create
        self.in_use = in_use
        self._keys: dict[str, MasterKey] = {}
        self._current: str | None = None
        self._mtime: float | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.dir / MASTER_FILE

    def exists(self) -> bool:
        """Tell whether a current master key file exists."""
        return self.path.exists()

    def load(self) -> MasterKeyring:
        """(Re)read every master key file; create the first key if allowed and none exists."""
        with self._lock:
            if not self.path.exists():
                stored = self.in_use() if self.in_use is not None else {}
                if stored:  # only the lost key opens them; a new one would leave every case record unreadable
                    raise MasterKeyProblem(restore_message(self.dir, f"There is no master key in {self.dir}.",
                                                           sorted(stored)), "missing")
                if not self.may_create:
                    raise KeyMaterialError(f"No master key in {self.dir}. Create one with "
                                           "`flask --app wsgi setup` (or `assessment create-master-key`).")
                self.dir.mkdir(parents=True, exist_ok=True)
                _write_private(self.path, _master_text(MasterKey(secrets.token_hex(8), AESGCM.generate_key(256))))
                log.info("created the first master key in %s", self.dir)
            keys = {}
            for path in sorted(self.dir.glob("master.*.key")):
                old = _parse_master(path)
                keys[old.kid] = old
            current = _parse_master(self.path)
            keys[current.kid] = current
            self._keys, self._current, self._mtime = keys, current.kid, self.path.stat().st_mtime
        return self

    def _fresh(self) -> None:
        if self._current is None:
            self.load()
            return
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            mtime = None
        if mtime != self._mtime:
            self.load()

    @property
    def current(self) -> MasterKey:
        """Return the master key that wraps new data keys."""
        self._fresh()
        assert self._current is not None
        return self._keys[self._current]

    def get(self, kid: str) -> MasterKey:
        """Return master key ``kid``, re-reading the folder once if it is not known yet."""
        if kid not in self._keys:
            self.load()
        if kid not in self._keys:
            raise KeyMaterialError(f"Master key {kid} is not in {self.dir}.")
        return self._keys[kid]

    def kids(self) -> list[str]:
        """Return the ids of every master key on disk."""
        self._fresh()
        return sorted(self._keys)

    def wrap(self, data_key: bytes, aad: bytes) -> tuple[str, bytes]:
        """Wrap a data key with the current master key; return ``(kid, nonce + ciphertext)``."""
        master = self.current
        nonce = secrets.token_bytes(12)
        return master.kid, nonce + AESGCM(master.key).encrypt(nonce, data_key, aad)

    def unwrap(self, kid: str, wrapped: bytes, aad: bytes) -> bytes:
        """Unwrap a data key wrapped by master key ``kid``."""
        try:
            return AESGCM(self.get(kid).key).decrypt(wrapped[:12], wrapped[12:], aad)
        except InvalidTag as exc:
            raise KeyMaterialError(f"A data key does not unwrap with master key {kid}.") from exc

    def start_rotation(self) -> tuple[MasterKey, MasterKey]:
        """Make a new master key current; keep the old one as ``master.<kid>.key``. Return (old, new)."""
        old = self.current
        new = MasterKey(secrets.token_hex(8), AESGCM.generate_key(256))
        _write_private(self.dir / f"master.{old.kid}.key", _master_text(old))
        _write_private(self.path, _master_text(new))
        self.load()
        return old, new

    def retire(self, kid: str) -> None:
        """Delete an old master key file (never the current one)."""
        if kid == self.current.kid:
            raise KeyMaterialError("The current master key cannot be retired.")
        (self.dir / f"master.{kid}.key").unlink(missing_ok=True)
        self.load()


def _wrap_aad(org_id: int, purpose: str, version: int) -> bytes:
    return f"r2com-data-key|org={org_id}|purpose={purpose}|v={version}".encode()


def restore_message(keys_dir: Path, problem: str, kids: list[str]) -> str:
    """Say what is wrong with the master key and what to restore; names key ids, never key material."""
    return (f"{problem} The database holds case-record keys wrapped by master key {', '.join(kids)}; without it "
            f"the stored case records cannot be read. Restore {keys_dir / MASTER_FILE} (and any "
            f"{keys_dir}/master.<id>.key) from the backup of the keys folder made with the database backup, then "
            "start again. Do not create a new master key: it cannot open the stored case records.")


def stored_wrapped_keys() -> dict[str, tuple[bytes, bytes]]:
    """Return one stored data key per master key id that wraps any; empty before the tables exist.

    Runs on a connection of its own, so it never disturbs (or is disturbed by) the session's transaction.
    """
    from .models import DataKey

    table = DataKey.__table__
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(table.name):
            return {}
        first = select(func.min(table.c.id)).group_by(table.c.master_kid)
        rows = conn.execute(select(table.c.master_kid, table.c.wrapped, table.c.organisation_id, table.c.purpose,
                                   table.c.version).where(table.c.id.in_(first))).all()
    return {row.master_kid: (bytes(row.wrapped), _wrap_aad(row.organisation_id, row.purpose, row.version))
            for row in rows}


def check_master_key(keys_dir: str | Path, *, required: bool) -> int:
    """Check that the master keys on disk open the stored data keys; return how many master key ids were proved.

    Reads the files afresh and creates nothing. Without stored data keys, a missing master key is a problem
    only when ``required`` (production: it must exist before the first organisation needs it).

    Raises:
        MasterKeyProblem: missing, unreadable, or not the key the stored data keys were wrapped with.
    """
    stored = stored_wrapped_keys()
    probe = MasterKeyring(keys_dir, may_create=False)
    if not probe.exists():
        if stored:
            raise MasterKeyProblem(restore_message(probe.dir, f"There is no master key in {probe.dir}.",
                                                   sorted(stored)), "missing")
        if required:
            raise MasterKeyProblem(f"No master key for case records in {probe.dir}. Create one with "
                                   "`flask --app wsgi setup` and back it up apart from the database.", "missing")
        return 0
    try:
        probe.load()
    except KeyMaterialError as exc:
        if stored:
            raise MasterKeyProblem(restore_message(probe.dir, f"The master key cannot be read: {exc}",
                                                   sorted(stored)), "unreadable") from exc
        raise MasterKeyProblem(f"The master key cannot be read: {exc} Restore it from the backup of the keys "
                               f"folder; if no case record was ever stored, you may delete {probe.path} and run "
                               "`flask --app wsgi setup` to create a new one.", "unreadable") from exc
    for kid, (wrapped, aad) in sorted(stored.items()):
        try:
            probe.unwrap(kid, wrapped, aad)
        except KeyMaterialError as exc:
            raise MasterKeyProblem(restore_message(probe.dir, f"The master key in {probe.dir} does not open the "
                                                   "stored data keys.", [kid]),
                                   "does not match the stored data keys") from exc
    return len(stored)


def field_aad(table: str, column: str, row_id: str, org_id: int) -> bytes:
    """Return the associated data that binds a sealed value to its place."""
    return f"{table}.{column}|{row_id}|org={org_id}".encode()


def blob_key_id(blob: bytes) -> int:
    """Return the data-key id a blob was sealed with."""
    if not blob or blob[0] != BLOB_VERSION or len(blob) < _HEADER + 16:
        raise KeyMaterialError("Not a sealed value of a known format.")
    return int.from_bytes(blob[1:5], "big")


class CaseCipher:
    """Seals and opens case values with the organisation's data keys; one instance per app."""

    def __init__(self, masters: MasterKeyring) -> None:
        self.masters = masters
        self._keys: dict[int, tuple[int, AESGCM]] = {}
        self._active: dict[tuple[int, str], tuple[int, float]] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop every cached key (after a rotation in this process)."""
        with self._lock:
            self._keys.clear()
            self._active.clear()

    # -- data keys ---------------------------------------------------------------------------------
    def create_data_key(self, org_id: int, purpose: str) -> int:
        """Create and activate a new data key version for an organisation; return its row id. Flushes.

        The new key is not cached: only committed keys may be cached, or a rolled-back key could be
        used to seal values. Callers commit soon (organisation creation, key rotation).
        """
        from .models import DataKey

        current = db.session.execute(select(func.max(DataKey.version)).where(
            DataKey.organisation_id == org_id, DataKey.purpose == purpose)).scalar() or 0
        for row in db.session.execute(select(DataKey).where(
                DataKey.organisation_id == org_id, DataKey.purpose == purpose, DataKey.active)).scalars():
            row.active = False
        version = current + 1
        raw = AESGCM.generate_key(256)
        kid, wrapped = self.masters.wrap(raw, _wrap_aad(org_id, purpose, version))
        row = DataKey(organisation_id=org_id, purpose=purpose, version=version, master_kid=kid, wrapped=wrapped,
                      active=True)
        db.session.add(row)
        db.session.flush()
        log.info("created data key %s (org %s, %s, v%s)", row.id, org_id, purpose, version)
        return row.id

    def _active_key(self, org_id: int, purpose: str) -> int:
        from .models import DataKey

        hit = self._active.get((org_id, purpose))
        if hit and time.monotonic() - hit[1] < ACTIVE_TTL:
            return hit[0]
        key_id = db.session.execute(select(DataKey.id).where(
            DataKey.organisation_id == org_id, DataKey.purpose == purpose, DataKey.active)
            .order_by(DataKey.version.desc())).scalar()
        if key_id is None:  # normally created with the organisation; this is a fallback, never cached
            try:
                with db.session.begin_nested():  # another worker may create it at the same time
                    return self.create_data_key(org_id, purpose)
            except IntegrityError:
                key_id = db.session.execute(select(DataKey.id).where(
                    DataKey.organisation_id == org_id, DataKey.purpose == purpose, DataKey.active)).scalar_one()
        self._active[(org_id, purpose)] = (key_id, time.monotonic())
        return key_id

    def _key(self, key_id: int, org_id: int) -> AESGCM:
        from .models import DataKey

        hit = self._keys.get(key_id)
        if hit is None:
            row = db.session.get(DataKey, key_id)
            if row is None:
                raise KeyMaterialError(f"Data key {key_id} no longer exists (the value was shredded).")
            raw = self.masters.unwrap(row.master_kid, row.wrapped, _wrap_aad(row.organisation_id, row.purpose,
                                                                                row.version))
            hit = (row.organisation_id, AESGCM(raw))
            with self._lock:
                self._keys[key_id] = hit
        if hit[0] != org_id:
            raise KeyMaterialError("A sealed value names a data key of another organisation.")
        return hit[1]

    # -- values ------------------------------------------------------------------------------------
    def seal(self, org_id: int, purpose: str, aad: bytes, value: Any) -> bytes:
        """Encrypt a JSON-serialisable value under the organisation's active data key."""
        key_id = self._active_key(org_id, purpose)
        nonce = secrets.token_bytes(12)
        plaintext = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        ciphertext = self._key(key_id, org_id).encrypt(nonce, plaintext, aad)
        return bytes([BLOB_VERSION]) + key_id.to_bytes(4, "big") + nonce + ciphertext

    def open(self, org_id: int, aad: bytes, blob: bytes) -> Any:
        """Decrypt a sealed value; raise KeyMaterialError when it is not genuine for this place."""
        key_id = blob_key_id(blob)
        try:
            plaintext = self._key(key_id, org_id).decrypt(blob[5:17], blob[17:], aad)
        except InvalidTag as exc:
            raise KeyMaterialError("A sealed value does not match its place or key.") from exc
        return json.loads(plaintext)

    def is_active(self, org_id: int, purpose: str, blob: bytes) -> bool:
        """Tell whether a blob is sealed with the organisation's active key for ``purpose``."""
        return blob_key_id(blob) == self._active_key(org_id, purpose)


def rewrap_data_keys(cipher: CaseCipher, *, batch_size: int = 200) -> tuple[int, list[str]]:
    """Re-wrap every data key not wrapped by the current master key; commit per batch.

    Returns:
        The number of re-wrapped keys and the master key ids that no data key uses any more.
    """
    from .models import DataKey

    current = cipher.masters.current.kid
    done = 0
    while True:
        query = select(DataKey).where(DataKey.master_kid != current).limit(batch_size)
        rows = db.session.execute(query).scalars().all()
        if not rows:
            break
        for row in rows:
            aad = _wrap_aad(row.organisation_id, row.purpose, row.version)
            raw = cipher.masters.unwrap(row.master_kid, row.wrapped, aad)
            row.master_kid, row.wrapped = cipher.masters.wrap(raw, aad)
            row.rewrapped_at = utcnow()
            done += 1
        db.session.commit()
    used = set(db.session.execute(select(DataKey.master_kid).distinct()).scalars())
    unused = [kid for kid in cipher.masters.kids() if kid != current and kid not in used]
    return done, unused
