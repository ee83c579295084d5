"""pylti1p3 tool configuration backed by our Platform and Deployment rows.

Lookups go by (issuer, client_id) and then deployment id, because Canvas cloud gives every school the
same issuer. Rows are cached per process for a few seconds: a launch costs no registration query,
and a change made with the CLI reaches every worker within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .keys import KeyRing
from .models import Deployment, Platform

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
#: New deployments a platform may have waiting for approval before further new ids are not recorded.
MAX_PENDING_DEPLOYMENTS = 50


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
    #: "auto" or "approve": what a signed launch from a deployment id not seen before does.
    deployment_policy: str = "approve"
    #: deployment_id -> (row id, active, pending)
    deployments: dict[str, tuple[int, bool, bool]] = field(default_factory=dict)
    #: Hosts its AGS and NRPS URLs may be on: those of its login, token and key set URLs, and the extra ones.
    service_hosts: frozenset[str] = frozenset()
    #: Origins that may frame the tool for this platform (computed once, see ``frame_origins``).
    frame: tuple[str, ...] | None = None

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


#: The issuer and client_id columns hold 400 characters.
MAX_KEY_LENGTH = 400


def _storable(value: str) -> bool:
    """Whether a lookup key could be stored at all (login parameters come from anyone, unsigned)."""
    return isinstance(value, str) and len(value) <= MAX_KEY_LENGTH and "\x00" not in value


class PlatformDirectory:
    """Process-wide cache of platforms, one entry per lookup key, each read by an indexed query.

    A launch looks up one (issuer, client_id); a hosted tool may serve thousands of registrations, so
    nothing here ever loads or scans them all: a miss reads one platform and its deployments, and an entry
    is read again after ``CACHE_SECONDS`` so that a change made with the CLI in another process reaches
    every worker. Unknown keys are remembered too (briefly), so forged logins cannot hammer the database.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self._by_key: OrderedDict[tuple[str, str], tuple[float, PlatformInfo | None]] = OrderedDict()
        self._by_id: OrderedDict[int, tuple[float, PlatformInfo | None]] = OrderedDict()
        self._issuers: OrderedDict[str, tuple[float, list[tuple[int, str]]]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def invalidate(self, platform_id: int | None = None) -> None:
        """Forget cached entries: those of one platform, or all (after a change made in this process)."""
        with self._lock:
            if platform_id is None:
                self._by_key.clear()
                self._by_id.clear()
                self._issuers.clear()
                return
            cached = self._by_id.pop(platform_id, None)
            info = cached[1] if cached else None
            if info is not None:
                self._by_key.pop((info.issuer, info.client_id), None)
                self._issuers.pop(info.issuer, None)

    def _cached(self, cache: OrderedDict, key: Any) -> tuple[bool, Any]:
        hit = cache.get(key)
        if hit is None or time.monotonic() - hit[0] >= CACHE_SECONDS:
            return False, None
        return True, hit[1]

    def _remember(self, cache: OrderedDict, key: Any, value: Any) -> None:
        with self._lock:
            cache[key] = (time.monotonic(), value)
            cache.move_to_end(key)
            while len(cache) > self._max:
                cache.popitem(last=False)

    def _load(self, where: Any) -> PlatformInfo | None:
        """Read one platform and its deployments: two indexed queries on a short-lived connection."""
        d = Deployment.__table__.c
        with db.engine.connect() as conn:
            row = conn.execute(select(Platform.__table__).where(where)).first()
            if row is None:
                return None
            info = PlatformInfo(row.id, row.name, row.issuer, row.client_id, row.auth_login_url,
                                row.auth_token_url, row.auth_audience, row.key_set_url, row.active, row.product,
                                row.deployment_policy,
                                service_hosts=platform_hosts(row.auth_login_url, row.auth_token_url, row.key_set_url,
                                                             extra=row.service_hosts))
            for dep in conn.execute(select(d.id, d.deployment_id, d.active, d.pending).where(d.platform_id == row.id)):
                info.deployments[dep.deployment_id] = (dep.id, dep.active, dep.pending)
        return info

    def _put(self, info: PlatformInfo | None, key: tuple[str, str] | None = None) -> None:
        if key is not None:
            self._remember(self._by_key, key, info)
        if info is not None:
            self._remember(self._by_key, (info.issuer, info.client_id), info)
            self._remember(self._by_id, info.id, info)

    def find(self, issuer: str, client_id: str | None) -> PlatformInfo | None:
        """Find a platform by issuer and client_id; without client_id only when the issuer is unambiguous."""
        if not _storable(issuer) or (client_id and not _storable(client_id)):
            return None  # no registration can hold it (NUL bytes, longer than the columns): never ask the database
        if not client_id:
            clients = self._clients(issuer)
            return self.find(issuer, clients[0][1]) if len(clients) == 1 else None
        key = (issuer, client_id)
        found, info = self._cached(self._by_key, key)
        if not found:
            c = Platform.__table__.c
            info = self._load((c.issuer == issuer) & (c.client_id == client_id))
            self._put(info, key)
        return info

    def _clients(self, issuer: str) -> list[tuple[int, str]]:
        found, clients = self._cached(self._issuers, issuer)
        if not found:
            c = Platform.__table__.c
            with db.engine.connect() as conn:
                clients = [(r.id, r.client_id) for r in
                           conn.execute(select(c.id, c.client_id).where(c.issuer == issuer).order_by(c.id))]
            self._remember(self._issuers, issuer, clients)
        return clients

    def clients_of(self, issuer: str) -> list[str]:
        return [client_id for _id, client_id in self._clients(issuer)]

    def by_id(self, platform_id: int) -> PlatformInfo | None:
        found, info = self._cached(self._by_id, platform_id)
        if not found:
            info = self._load(Platform.__table__.c.id == platform_id)
            if info is None:
                self._remember(self._by_id, platform_id, None)
            self._put(info)
        return info

    def record_deployment(self, info: PlatformInfo, deployment_id: str) -> tuple[int, bool, bool]:
        """Record a deployment id first seen in a signed launch, by the platform's policy; commits.

        Canvas creates a deployment each time a school installs the tool (account, sub-account or course),
        and tells the tool only in the launch. Under "auto" the deployment is active at once; under
        "approve" it is stored as pending until the operator runs ``lti deployment approve``. Two
        workers seeing the same new id at once both end up with the one row.
        """
        auto = info.deployment_policy == "auto"
        if not auto and self._pending_count(info.id) >= MAX_PENDING_DEPLOYMENTS:
            # A platform's signed launches could otherwise add rows without end. The launch waits as any pending
            # one does; the operator approves it by hand (``lti deployment approve`` adds a missing id).
            log.warning("platform %s (%s): new deployment %r not recorded: %d deployments already wait for "
                        "approval (`flask --app wsgi lti deployment list --pending`)", info.id, info.name,
                        deployment_id, MAX_PENDING_DEPLOYMENTS)
            return (0, False, True)
        try:
            row = Deployment(platform_id=info.id, deployment_id=deployment_id, active=auto, pending=not auto,
                             source="launch")
            db.session.add(row)
            db.session.commit()
            found = (row.id, row.active, row.pending)
            log.warning("platform %s (%s): new deployment %r recorded as %s", info.id, info.name, deployment_id,
                        "active" if auto else "pending approval")
        except IntegrityError:
            db.session.rollback()
            row = db.session.execute(select(Deployment).where(Deployment.platform_id == info.id,
                                                              Deployment.deployment_id == deployment_id)).scalar_one()
            found = (row.id, row.active, row.pending)
            db.session.rollback()
        info.deployments[deployment_id] = found
        return found

    @staticmethod
    def _pending_count(platform_id: int) -> int:
        count = db.session.execute(select(func.count()).select_from(Deployment).where(
            Deployment.platform_id == platform_id, Deployment.pending.is_(True))).scalar_one()
        db.session.rollback()
        return count

    def frame_origins(self, platform_id: int | None) -> tuple[str, ...]:
        """Origins that may show one platform's pages of the tool in a frame (CSP frame-ancestors).

        Only the platform the request belongs to is named, never a list of every registration: the header stays
        short and the cost flat however many platforms are registered.
        """
        info = self.by_id(platform_id) if platform_id is not None else None
        if info is None or not info.active:
            return ()
        if info.frame is None:
            info.frame = _frame_origins([info])
        return info.frame


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
