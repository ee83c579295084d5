"""Platform public keys: fetched from the platform's JWKS URL, cached with expiry, parsed once.

A launch signed with a ``kid`` we have not seen makes us re-fetch the key set once (platforms rotate
keys), but not more often than ``MIN_REFETCH_SECONDS`` per URL, so a flood of forged kids cannot
turn the tool into a request amplifier.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests

from ..services.outbound import GuardedSession, ResponseTooLarge, describe

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600.0
MIN_REFETCH_SECONDS = 10.0
FETCH_TIMEOUT = (3.05, 5.0)
MAX_JWKS_BYTES = 256 * 1024
TOTAL_SECONDS = 10.0


class KeySetError(RuntimeError):
    """The platform's key set cannot be fetched or read."""


@dataclass
class _Entry:
    keys: dict[str, Any] = field(default_factory=dict)  # kid -> (alg, public key object)
    fetched_at: float = 0.0
    expires_at: float = 0.0


class PlatformKeyCache:
    """Per-process cache of parsed platform public keys, keyed by JWKS URL."""

    def __init__(self, session: GuardedSession | None = None):
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._session = session or GuardedSession()

    def get(self, url: str, kid: str) -> tuple[str, Any]:
        """Return (alg, key) for ``kid`` at ``url``; fetch or re-fetch as needed."""
        now = time.monotonic()
        entry = self._entries.get(url)
        if entry and now < entry.expires_at and kid in entry.keys:
            return entry.keys[kid]
        with self._lock:
            entry = self._entries.get(url)
            stale = entry is None or now >= entry.expires_at
            unknown_kid = entry is not None and kid not in entry.keys
            if stale or (unknown_kid and now - entry.fetched_at >= MIN_REFETCH_SECONDS):
                entry = self._fetch(url)
                self._entries[url] = entry
        if kid not in entry.keys:
            raise KeyError(kid)
        return entry.keys[kid]

    def forget(self, url: str) -> None:
        self._entries.pop(url, None)

    def _fetch(self, url: str) -> _Entry:
        try:
            resp = self._session.get(url, timeout=FETCH_TIMEOUT, max_bytes=MAX_JWKS_BYTES, total_seconds=TOTAL_SECONDS)
            body = resp.content
        except ResponseTooLarge as exc:
            raise KeySetError(f"the platform key set at {url} is too large") from exc
        except requests.RequestException as exc:
            log.warning("platform key set at %s not fetched: %s", url, describe(exc))
            raise KeySetError(f"could not fetch the platform key set from {url}: {exc.__class__.__name__}") from exc
        if resp.status_code != 200:
            raise KeySetError(f"the platform key set at {url} answered HTTP {resp.status_code}")
        try:
            data = json.loads(body)
            raw_keys = data["keys"]
        except (ValueError, KeyError, TypeError) as exc:
            raise KeySetError(f"the platform key set at {url} is not a JWKS document") from exc
        keys: dict[str, Any] = {}
        for raw in raw_keys if isinstance(raw_keys, list) else []:
            if not isinstance(raw, dict) or raw.get("kty") != "RSA" or not raw.get("kid"):
                continue
            if raw.get("use", "sig") != "sig" or raw.get("alg", "RS256") != "RS256":
                continue
            try:
                keys[raw["kid"]] = ("RS256", jwt.PyJWK(raw, algorithm="RS256").key)
            except (jwt.PyJWKError, ValueError, TypeError):
                log.warning("skipping an unreadable key in the key set at %s", url)
        now = time.monotonic()
        return _Entry(keys=keys, fetched_at=now, expires_at=now + CACHE_SECONDS)
