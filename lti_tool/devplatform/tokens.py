"""OAuth2 bearer tokens and single-use client-assertion ids."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Callable, Iterable

from .models import AccessToken

#: Keep a used ``jti`` at least this long even if its assertion expires sooner.
MIN_JTI_MEMORY_SECONDS = 60


class TokenStore:
    """Issued access tokens and used ``jti`` values, thread-safe."""

    def __init__(self, lifetime: Callable[[], int]) -> None:
        """Create an empty store; ``lifetime()`` gives the current token lifetime in seconds."""
        self._lifetime = lifetime
        self._lock = threading.Lock()
        self.access_tokens: dict[str, AccessToken] = {}
        self._used_jtis: dict[tuple[str, str], float] = {}

    def issue(self, client_id: str, scopes: Iterable[str]) -> AccessToken:
        """Issue a bearer token for a client and scopes."""
        token = AccessToken(
            token=secrets.token_urlsafe(32),
            client_id=client_id,
            scopes=frozenset(scopes),
            expires_at=time.time() + self._lifetime(),
        )
        with self._lock:
            self.access_tokens[token.token] = token
        return token

    def lookup(self, token: str) -> AccessToken | None:
        """Return a live access token, or ``None`` if unknown or expired."""
        found = self.access_tokens.get(token)
        return found if found and found.expires_at > time.time() else None

    def use_jti(self, client_id: str, jti: str, exp: float) -> bool:
        """Record a client assertion ``jti``; return ``False`` if it was already used."""
        now = time.time()
        with self._lock:
            self._used_jtis = {key: until for key, until in self._used_jtis.items() if until > now}
            if (client_id, jti) in self._used_jtis:
                return False
            self._used_jtis[(client_id, jti)] = max(exp, now + MIN_JTI_MEMORY_SECONDS)
            return True
