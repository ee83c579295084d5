"""pylti1p3 tool configuration backed by our Platform and Deployment rows.

Lookups go by (issuer, client_id) and then deployment id, because Canvas cloud gives every school the
same issuer. Rows are cached per process for a few seconds: a launch costs no registration query,
and a change made with the CLI reaches every worker within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import select

from ..extensions import db
from .keys import KeyRing
from .models import Deployment, Platform

CACHE_SECONDS = 5.0


@dataclass
class PlatformInfo:
    """A cached, read-only view of one platform and its deployments."""

    id: int
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    auth_audience: str | None
    key_set_url: str
    active: bool
    product: str
    deployments: dict[str, tuple[int, bool]] = field(default_factory=dict)  # deployment_id -> (row id, active)
    #: Hosts its AGS and NRPS URLs may be on: those of its login, token and key set URLs, and the extra ones.
    service_hosts: frozenset[str] = frozenset()

    def serves(self, url: str) -> bool:
        """Whether a service URL from this platform's token is on one of its registered hosts."""
        try:
            host = (urlsplit(url).hostname or "").rstrip(".")
        except ValueError:
            return False
        if not host:
            return False
        return host in self.service_hosts or any(
            pattern.startswith("*.") and host.endswith(pattern[1:]) for pattern in self.service_hosts)


def platform_hosts(*urls: str | None, extra: str | None = None) -> frozenset[str]:
    """The hostnames of ``urls`` and the space-separated ``extra`` hosts, lowercased."""
    hosts = set((extra or "").lower().split())
    for url in urls:
        try:
            host = urlsplit(url or "").hostname
        except ValueError:
            host = None
        if host:
            hosts.add(host.rstrip("."))
    return frozenset(hosts)


class PlatformDirectory:
    """Process-wide cache of platforms, with explicit invalidation for writes in this process."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], PlatformInfo] = {}
        self._by_id: dict[int, PlatformInfo] = {}
        self._by_issuer: dict[str, list[PlatformInfo]] = {}
        self._loaded_at = -1e9
        self._frame_origins: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._loaded_at = -1e9

    def _ensure(self) -> None:
        if time.monotonic() - self._loaded_at < CACHE_SECONDS:
            return
        with self._lock:
            if time.monotonic() - self._loaded_at < CACHE_SECONDS:
                return
            platforms = db.session.execute(select(Platform)).scalars().all()
            deployments = db.session.execute(select(Deployment)).scalars().all()
            infos: dict[int, PlatformInfo] = {}
            for p in platforms:
                infos[p.id] = PlatformInfo(p.id, p.name, p.issuer, p.client_id, p.auth_login_url,
                                           p.auth_token_url, p.auth_audience, p.key_set_url, p.active, p.product,
                                           service_hosts=platform_hosts(p.auth_login_url, p.auth_token_url,
                                                                        p.key_set_url, extra=p.service_hosts))
            for d in deployments:
                if d.platform_id in infos:
                    infos[d.platform_id].deployments[d.deployment_id] = (d.id, d.active)
            by_issuer: dict[str, list[PlatformInfo]] = {}
            for info in infos.values():
                by_issuer.setdefault(info.issuer, []).append(info)
            self._by_id = infos
            self._frame_origins = _frame_origins(info for info in infos.values() if info.active)
            self._by_key = {(i.issuer, i.client_id): i for i in infos.values()}
            self._by_issuer = by_issuer
            self._loaded_at = time.monotonic()

    def find(self, issuer: str, client_id: str | None) -> PlatformInfo | None:
        """Find a platform by issuer and client_id; without client_id only when the issuer is unambiguous."""
        self._ensure()
        if client_id:
            return self._by_key.get((issuer, client_id))
        candidates = self._by_issuer.get(issuer, [])
        return candidates[0] if len(candidates) == 1 else None

    def clients_of(self, issuer: str) -> list[str]:
        self._ensure()
        return [p.client_id for p in self._by_issuer.get(issuer, [])]

    def by_id(self, platform_id: int) -> PlatformInfo | None:
        self._ensure()
        return self._by_id.get(platform_id)

    def frame_origins(self) -> tuple[str, ...]:
        """Origins of the active platforms, for CSP frame-ancestors (the same tuple until a reload)."""
        self._ensure()
        return self._frame_origins


def _frame_origins(infos: Any) -> tuple[str, ...]:
    """The issuer and login origins of each platform, and its service hosts (Canvas: the school's domain)."""
    origins: set[str] = set()
    for info in infos:
        for url in (info.issuer, info.auth_login_url):
            try:
                parts = urlsplit(url)
            except ValueError:
                continue
            if parts.scheme in ("http", "https") and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
        scheme = "http" if info.auth_login_url.startswith("http:") else "https"
        fixed = platform_hosts(info.auth_login_url, info.auth_token_url, info.key_set_url)
        origins.update(f"{scheme}://{host}" for host in info.service_hosts - fixed
                       if all(ch.isalnum() or ch in ".-*" for ch in host))
    return tuple(sorted(origins))


class DatabaseToolConf(ToolConfAbstract):
    """pylti1p3 ToolConf reading active platforms and deployments from the database."""

    def __init__(self, directory: PlatformDirectory, keyring: KeyRing):
        super().__init__()
        self._directory = directory
        self._keyring = keyring
        self._registrations: dict[int, Registration] = {}

    # Every issuer may have many clients (Canvas); never rely on pylti1p3's shared class-level map.
    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def registration_for(self, info: PlatformInfo) -> Registration:
        """Return a pylti1p3 Registration for a platform (cached per signing key)."""
        key = self._keyring.signing_key()
        cached = self._registrations.get(info.id)
        if cached is not None and cached.get_tool_private_key() is key.private_pem \
                and cached.get_auth_token_url() == info.auth_token_url:
            return cached
        reg = (Registration().set_issuer(info.issuer).set_client_id(info.client_id)
               .set_key_set_url(info.key_set_url).set_auth_token_url(info.auth_token_url)
               .set_auth_login_url(info.auth_login_url).set_tool_private_key(key.private_pem))
        if info.auth_audience:
            reg.set_auth_audience(info.auth_audience)
        self._registrations[info.id] = reg
        return reg

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration | None:
        info = self._directory.find(iss, None)
        return self.registration_for(info) if info and info.active else None

    def find_registration_by_params(self, iss: str, client_id: str | None, *args: Any, **kwargs: Any):
        info = self._directory.find(iss, client_id)
        return self.registration_for(info) if info and info.active else None

    def find_deployment(self, iss: str, deployment_id: str):
        return None  # one-client-per-issuer lookups are never used (see check_iss_has_one_client)

    def find_deployment_by_params(self, iss: str, deployment_id: str, client_id: str | None,
                                  *args: Any, **kwargs: Any):
        info = self._directory.find(iss, client_id)
        if not info or not info.active:
            return None
        found = info.deployments.get(deployment_id)
        if not found or not found[1]:
            return None
        return LtiDeployment().set_deployment_id(deployment_id)

    def get_jwks(self, iss: str | None = None, client_id: str | None = None, **kwargs: Any):
        return self._keyring.jwks()
