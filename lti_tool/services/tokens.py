"""OAuth2 client-credentials access tokens for LTI Advantage services, cached until they expire.

The client assertion is a JWT signed RS256 with the tool's current key (already parsed by the
:class:`~lti_tool.lti.keys.KeyRing`). Tokens are cached per (issuer, client_id, sorted scopes): in Redis
when ``REDIS_URL`` is set, so every worker on every machine shares one token, else in this process.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import jwt
import requests

from ..lti.keys import KeyRing
from ..lti.tool_config import PlatformInfo
from .outbound import GuardedSession

log = logging.getLogger(__name__)

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300
#: Seconds before expiry when a cached token stops being used (at most a tenth of its lifetime).
EXPIRY_MARGIN = 60.0
DEFAULT_TIMEOUT = (3.05, 10.0)
#: OAuth2 errors that retrying will not fix.
PERMANENT_ERRORS = {"invalid_scope", "unauthorized_client", "unsupported_grant_type"}
SCOPE_REFUSED = ("The platform does not allow the tool to send grades (the score scope was refused). "
                 "An administrator must grant the tool the Assignment and Grade Services score permission.")


class TokenError(Exception):
    """The token endpoint did not give a token; ``permanent`` says whether retrying can help."""

    def __init__(self, message: str, *, status: int | None = None, permanent: bool = False,
                 retry_after: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class CachedToken:
    """An access token, the time (epoch seconds) until which it may be used, and the scopes granted."""

    token: str
    usable_until: float
    #: Scopes the platform said it granted; empty when it did not say (then all requested are assumed).
    granted: tuple[str, ...] = ()


class TokenStore(Protocol):
    """Where tokens are cached."""

    def get(self, key: str) -> CachedToken | None: ...

    def put(self, key: str, token: CachedToken) -> None: ...

    def delete(self, key: str, token: str) -> None: ...


class MemoryTokenStore:
    """A per-process token cache."""

    def __init__(self) -> None:
        self._data: dict[str, CachedToken] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedToken | None:
        """Return a still-usable token."""
        found = self._data.get(key)
        return found if found and found.usable_until > time.time() else None

    def put(self, key: str, token: CachedToken) -> None:
        """Store a token."""
        with self._lock:
            self._data[key] = token

    def delete(self, key: str, token: str) -> None:
        """Forget a token, unless another one already replaced it."""
        with self._lock:
            if key in self._data and self._data[key].token == token:
                del self._data[key]


class RedisTokenStore:
    """A token cache shared through Redis; entries expire on their own."""

    _DELETE_IF_SAME = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def __init__(self, client: Any, prefix: str = "r2com:ags-token:") -> None:
        self.client = client
        self.prefix = prefix

    def get(self, key: str) -> CachedToken | None:
        """Return a still-usable token."""
        raw = self.client.get(self.prefix + key)
        if not raw:
            return None
        data = json.loads(raw)
        found = CachedToken(data["token"], float(data["usable_until"]), tuple(data.get("granted") or ()))
        return found if found.usable_until > time.time() else None

    def put(self, key: str, token: CachedToken) -> None:
        """Store a token with a Redis TTL ending when it stops being usable."""
        ttl_ms = int((token.usable_until - time.time()) * 1000)
        if ttl_ms > 0:
            body = json.dumps({"token": token.token, "usable_until": token.usable_until, "granted": token.granted})
            self.client.set(self.prefix + key, body, px=ttl_ms)

    def delete(self, key: str, token: str) -> None:
        """Forget a token, unless another worker already replaced it."""
        raw = self.client.get(self.prefix + key)
        if raw and json.loads(raw)["token"] == token:
            self.client.eval(self._DELETE_IF_SAME, 1, self.prefix + key, raw)

    def try_lock(self, key: str, seconds: float) -> bool:
        """Take the short lock that lets one worker fetch a token while the others wait."""
        return bool(self.client.set(self.prefix + "lock:" + key, "1", nx=True, px=int(seconds * 1000)))

    def unlock(self, key: str) -> None:
        """Release the fetch lock."""
        self.client.delete(self.prefix + "lock:" + key)


def cache_key(issuer: str, client_id: str, scopes: Iterable[str]) -> str:
    """Return the cache key of (issuer, client_id, sorted scopes)."""
    raw = "\0".join([issuer, client_id, " ".join(sorted(set(scopes)))])
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenProvider:
    """Gets access tokens for platforms, from the cache or the platform's token endpoint."""

    def __init__(self, keyring: KeyRing, store: TokenStore | None = None, *,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, http: requests.Session | None = None) -> None:
        self.keyring = keyring
        self.store: TokenStore = store or MemoryTokenStore()
        self.timeout = timeout
        #: The guarded client for token requests made without a caller's session.
        self.http = http or GuardedSession(pool_size=4)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def client_assertion(self, platform: PlatformInfo) -> str:
        """Sign a fresh client assertion (RS256, ``kid`` header, unique ``jti``)."""
        key = self.keyring.signing_key()
        now = int(time.time())
        claims = {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.auth_audience or platform.auth_token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def get(self, platform: PlatformInfo, scopes: Iterable[str], http: requests.Session | None = None, *,
            require: str | None = None) -> str:
        """Return a usable access token for ``scopes``; fetch one only when none is cached.

        Raises:
            TokenError: When no token can be had, or (permanent) the platform did not grant ``require``.
        """
        found = self._get(platform, sorted(set(scopes)), http)
        if require and found.granted and require not in found.granted:
            raise TokenError(SCOPE_REFUSED, permanent=True)
        return found.token

    def _get(self, platform: PlatformInfo, scope_list: list[str], http: requests.Session | None) -> CachedToken:
        key = cache_key(platform.issuer, platform.client_id, scope_list)
        cached = self.store.get(key)
        if cached:
            return cached
        with self._lock_for(key):
            cached = self.store.get(key)
            if cached:
                return cached
            shared = self.store if isinstance(self.store, RedisTokenStore) else None
            if shared is not None and not shared.try_lock(key, 10):
                waited = self._wait_for_other_worker(key)
                if waited:
                    return waited
            try:
                fresh = self._fetch(platform, scope_list, http)
                self.store.put(key, fresh)
                return fresh
            finally:
                if shared is not None:
                    shared.unlock(key)

    def invalidate(self, platform: PlatformInfo, scopes: Iterable[str], token: str) -> None:
        """Drop a token the platform refused (401), so the next call fetches a new one."""
        self.store.delete(cache_key(platform.issuer, platform.client_id, scopes), token)

    def _lock_for(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _wait_for_other_worker(self, key: str, seconds: float = 5.0) -> CachedToken | None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(0.05)
            cached = self.store.get(key)
            if cached:
                return cached
        return None

    def _fetch(self, platform: PlatformInfo, scopes: list[str], http: requests.Session | None) -> CachedToken:
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": self.client_assertion(platform),
            "scope": " ".join(scopes),
        }
        try:
            response = (http or self.http).post(platform.auth_token_url, data=data, timeout=self.timeout,
                                                headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            kind = "did not answer in time" if isinstance(exc, requests.Timeout) else "could not be reached"
            raise TokenError(f"The platform {kind} for an access token ({exc.__class__.__name__}); the score "
                             "will be sent when it is back.") from exc
        if response.status_code != 200:
            raise _token_error(response)
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 3600)
            granted = tuple(str(body["scope"]).split()) if body.get("scope") else ()
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenError("The platform's token endpoint answered without an access token.",
                             status=response.status_code) from exc
        margin = min(EXPIRY_MARGIN, lifetime / 10)
        return CachedToken(token, time.time() + lifetime - margin, granted)


_OAUTH_ERROR = re.compile(r"[a-z_]{1,40}")


def _token_error(response: requests.Response) -> TokenError:
    """The refusal, with the OAuth error code only: the platform's own words go to the log, never to a page."""
    try:
        body = response.json()
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        description = str(body.get("error_description", "")) if isinstance(body, dict) else ""
    except ValueError:
        error, description = "", ""
    if not _OAUTH_ERROR.fullmatch(error):
        error = ""
    status = response.status_code
    if description:
        log.info("token endpoint of %s refused (%s %s): %r", urlsplit(response.url or "").hostname, status, error,
                 description[:200])
    permanent = error in PERMANENT_ERRORS
    if error == "invalid_scope":
        message = SCOPE_REFUSED
    else:
        message = f"The platform's token endpoint refused the request ({status} {error})".replace(" )", ")")
    return TokenError(message, status=status, permanent=permanent, retry_after=response.headers.get("Retry-After"))
