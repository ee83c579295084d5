"""The tool's RSA signing keys: creation, rotation, retirement and the public JWKS.

Private keys live as PEM files in ``KEYS_DIR`` (mode 0600) and are parsed once per process. The
keyring file says which keys are published and which one signs. Several web workers share the
folder; each one re-reads the keyring when its modification time changes, so a rotation done with
the CLI reaches running workers without a restart.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEYRING_FILE = "keyring.json"
RELOAD_CHECK_SECONDS = 2.0


class KeyError_(RuntimeError):
    """Key material is missing or unusable; the message says what to do."""


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    """Return the JWK of an RSA public key with its RFC 7638 thumbprint as ``kid``."""
    numbers = public_key.public_numbers()
    jwk = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    thumb = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
    kid = base64.urlsafe_b64encode(thumb).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


@dataclass(frozen=True)
class ToolKey:
    """One loaded key pair."""

    kid: str
    private_key: rsa.RSAPrivateKey
    private_pem: str
    jwk: dict[str, str]
    created: float


class KeyRing:
    """The set of tool keys in one folder."""

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._keys: dict[str, ToolKey] = {}
        self._signing_kid: str | None = None
        self._mtime: float | None = None
        self._checked_at = 0.0
        self._jwks_json: bytes = b'{"keys":[]}'

    # -- loading ---------------------------------------------------------------------------------
    @property
    def _ring_path(self) -> Path:
        return self.folder / KEYRING_FILE

    def _read_ring(self) -> dict[str, Any]:
        try:
            return json.loads(self._ring_path.read_text())
        except FileNotFoundError:
            return {"keys": []}
        except (OSError, ValueError) as exc:
            raise KeyError_(f"{self._ring_path}: cannot read the keyring ({exc})") from exc

    def load(self) -> "KeyRing":
        """(Re)load the published keys from disk."""
        ring = self._read_ring()
        keys: dict[str, ToolKey] = {}
        for entry in ring.get("keys", []):
            if entry.get("retired"):
                continue
            kid = entry["kid"]
            existing = self._keys.get(kid)
            if existing:
                keys[kid] = existing
                continue
            path = self.folder / f"tool-{kid}.pem"
            try:
                pem = path.read_bytes()
            except FileNotFoundError as exc:
                raise KeyError_(f"{path}: private key listed in {KEYRING_FILE} is missing") from exc
            private_key = serialization.load_pem_private_key(pem, password=None)
            if not isinstance(private_key, rsa.RSAPrivateKey):
                raise KeyError_(f"{path}: not an RSA private key")
            keys[kid] = ToolKey(kid, private_key, pem.decode(), public_jwk(private_key.public_key()),
                                float(entry.get("created", 0)))
        self._keys = keys
        signing = ring.get("signing")
        self._signing_kid = signing if signing in keys else (max(keys.values(), key=lambda k: k.created).kid
                                                              if keys else None)
        self._jwks_json = json.dumps({"keys": [k.jwk for k in keys.values()]}).encode()
        try:
            self._mtime = self._ring_path.stat().st_mtime
        except FileNotFoundError:
            self._mtime = None
        self._checked_at = time.monotonic()
        return self

    def refresh(self) -> None:
        """Reload when the keyring file changed; checks the file at most every two seconds."""
        now = time.monotonic()
        if now - self._checked_at < RELOAD_CHECK_SECONDS:
            return
        with self._lock:
            self._checked_at = now
            try:
                mtime = self._ring_path.stat().st_mtime
            except FileNotFoundError:
                mtime = None
            if mtime != self._mtime:
                self.load()

    # -- reading ---------------------------------------------------------------------------------
    @property
    def empty(self) -> bool:
        return not self._keys

    def signing_key(self) -> ToolKey:
        """Return the key that signs tool messages."""
        self.refresh()
        if not self._signing_kid:
            raise KeyError_(f"No tool key in {self.folder}. Run `flask --app wsgi lti keys rotate` to create one.")
        return self._keys[self._signing_kid]

    def jwks_json(self) -> bytes:
        """Return the serialised public key set."""
        self.refresh()
        return self._jwks_json

    def jwks(self) -> dict[str, Any]:
        return json.loads(self.jwks_json())

    def keys(self) -> list[ToolKey]:
        return sorted(self._keys.values(), key=lambda k: k.created)

    @property
    def signing_kid(self) -> str | None:
        return self._signing_kid

    # -- writing (CLI and first start) -----------------------------------------------------------
    def _write_ring(self, ring: dict[str, Any]) -> None:
        tmp = self._ring_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(ring, indent=2))
        os.replace(tmp, self._ring_path)

    def create_key(self) -> ToolKey:
        """Generate a new RSA-2048 key, publish it and make it the signing key."""
        self.folder.mkdir(parents=True, exist_ok=True)
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = public_jwk(private_key.public_key())
        kid = jwk["kid"]
        pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        path = self.folder / f"tool-{kid}.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        ring = self._read_ring()
        ring.setdefault("keys", []).append({"kid": kid, "created": time.time()})
        ring["signing"] = kid
        self._write_ring(ring)
        self.load()
        return self._keys[kid]

    def retire(self, kid: str) -> None:
        """Stop publishing a key and delete its private file; the signing key cannot be retired."""
        ring = self._read_ring()
        entries = [e for e in ring.get("keys", []) if e["kid"] == kid and not e.get("retired")]
        if not entries:
            raise KeyError_(f"No active key with kid {kid!r}. `flask --app wsgi lti keys list` shows them.")
        if ring.get("signing") == kid:
            raise KeyError_(f"{kid} is the signing key. Rotate first (`lti keys rotate`), wait until the "
                            "platforms have fetched the new key set, then retire the old key.")
        for entry in entries:
            entry["retired"] = True
            entry["retired_at"] = time.time()
        self._write_ring(ring)
        (self.folder / f"tool-{kid}.pem").unlink(missing_ok=True)
        self.load()

    def ensure(self) -> bool:
        """Create the first key when there is none; return True when one was created."""
        self.load()
        if self.empty:
            self.create_key()
            return True
        return False
