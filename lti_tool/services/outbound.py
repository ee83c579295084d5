"""One guarded HTTP client for every request the tool makes to a platform.

Registration, platform key sets, access tokens, grades (AGS) and rosters (NRPS) all go through
:class:`GuardedSession`, a ``requests.Session`` that:

- resolves a host once per connection, checks every address it got against private, loopback,
  link-local, multicast, reserved, IPv6 unique-local and IPv4-mapped/embedded ranges, and connects to
  an address it checked (so a DNS answer that changes between the check and the connection cannot
  send the request inside). Development (``ALLOW_PRIVATE_PLATFORMS``) allows loopback and private
  ranges; ``PLATFORM_NETWORKS`` allows chosen networks in production. Link-local (cloud metadata),
  multicast and unspecified addresses are never allowed;
- follows a redirect only for a GET without credentials, at most ``max_redirects`` hops, each hop
  checked like the first; every other redirect is refused;
- caps the response body (``max_bytes``, counted after decompression) and the total time of a
  request — connection, headers and body together — not only each read;
- raises ``requests`` exceptions, so callers keep their ``except requests.RequestException``; the
  messages never quote what the remote server said.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

log = logging.getLogger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_TOTAL_SECONDS = 20.0
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundRefused(requests.ConnectionError):
    """The tool refused to make (or continue) a request; ``reason`` is a short code for logs and pages."""

    reason = "refused"

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        if reason:
            self.reason = reason


class AddressRefused(OutboundRefused):
    """The host resolves to an address the tool does not send requests to."""

    reason = "private_address"


class RedirectRefused(OutboundRefused):
    """The server answered with a redirect the tool does not follow."""

    reason = "redirect_refused"


class ResponseTooLarge(requests.RequestException):
    """The response body is larger than the request allows."""

    reason = "too_large"


class TotalTimeout(requests.Timeout):
    """The whole request took longer than allowed (a slow or drip-feeding server)."""

    reason = "too_slow"


@dataclass(frozen=True)
class OutboundPolicy:
    """What the guarded client may reach and how much it reads."""

    #: Development and tests: loopback and private ranges are allowed (never link-local or multicast).
    allow_private: bool = False
    #: Networks allowed even though private (an organisation's own Moodle on its internal network).
    allowed_networks: tuple[IPNetwork, ...] = ()
    #: Refuse plain http (production), also on redirect hops.
    require_https: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    total_seconds: float = DEFAULT_TOTAL_SECONDS
    max_redirects: int = 3

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> "OutboundPolicy":
        networks = tuple(ipaddress.ip_network(n, strict=False) for n in settings.get("PLATFORM_NETWORKS") or ())
        allow_private = bool(settings.get("ALLOW_PRIVATE_PLATFORMS"))
        return cls(allow_private=allow_private, allowed_networks=networks,
                   require_https=settings.get("ENV") == "production" and not allow_private)


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if int(addr) >> 32 == 0 and int(addr) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(addr))
    return None


def address_allowed(ip: str, policy: OutboundPolicy) -> bool:
    """Whether the tool may connect to ``ip`` under ``policy``."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address):
        inner = _embedded_ipv4(addr)
        if inner is not None and not address_allowed(str(inner), policy):
            return False
        addr = inner or addr
    if any(addr in net for net in policy.allowed_networks if net.version == addr.version):
        return True
    if addr.is_link_local or addr.is_multicast or addr.is_unspecified or addr.is_reserved:
        return False
    if policy.allow_private and (addr.is_loopback or addr.is_private):
        return True
    return addr.is_global


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses of ``host``, once, from the system resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


# -- the total-time watchdog ---------------------------------------------------------------------
class _Watch:
    """Shuts the connection of one request down when its total time is up."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self.conn: Any = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            sock = getattr(self.conn, "sock", None)
            if sock is not None:
                try:  # the plain socket's shutdown: wakes a blocked read, also under TLS
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass

    def attach(self, conn: Any) -> None:
        with self._lock:
            self.conn = conn
        if self.expired:
            self._fire()

    def cancel(self) -> None:
        self._timer.cancel()


_local = threading.local()


class _GuardedConnectionMixin:
    """urllib3 connection that resolves once, checks, and connects to a checked address."""

    policy: OutboundPolicy
    resolver: Resolver

    def _new_conn(self) -> socket.socket:  # type: ignore[override]
        host, port = self._dns_host, self.port  # type: ignore[attr-defined]
        try:
            addresses = self.resolver(host, port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[attr-defined,arg-type]
        if not addresses or not all(address_allowed(ip, self.policy) for ip in addresses):
            raise _Refused(self, f"{host} resolves to an address this tool does not send requests to")
        error: OSError | None = None
        for ip in addresses:
            try:
                return urllib3_connection.create_connection(
                    (ip, port), self.timeout, source_address=self.source_address,  # type: ignore[attr-defined]
                    socket_options=self.socket_options)  # type: ignore[attr-defined]
            except TimeoutError as exc:
                raise ConnectTimeoutError(self, f"Connection to {host} timed out.") from exc
            except OSError as exc:
                error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")  # type: ignore[arg-type]

    def request(self, *args: Any, **kwargs: Any) -> Any:
        watch = getattr(_local, "watch", None)
        if watch is not None:
            watch.attach(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _Refused(NewConnectionError):
    """Raised inside urllib3; turned into :class:`AddressRefused` by the session."""


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: OutboundPolicy, resolver: Resolver, pool_size: int) -> None:
        attrs = {"policy": policy, "resolver": staticmethod(resolver)}
        http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, HTTPConnection), attrs)
        https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, HTTPSConnection), attrs)
        self._pool_classes = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }
        super().__init__(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pool_classes


@dataclass
class _Limits:
    max_bytes: int
    deadline: float
    watch: _Watch | None = field(default=None)


class GuardedSession(requests.Session):
    """A ``requests.Session`` for platform requests; see the module docstring."""

    def __init__(self, policy: OutboundPolicy | None = None, *, resolver: Resolver | None = None,
                 pool_size: int = 16) -> None:
        super().__init__()
        self.policy = policy or OutboundPolicy()
        self.trust_env = False  # no proxy from the environment: the checked address is the one we reach
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            self.verify = bundle
        self.headers["User-Agent"] = "r2com-aftercare-toolkit"
        self.headers["Accept-Encoding"] = "gzip, deflate"
        adapter = _GuardedAdapter(self.policy, resolver or system_resolver, pool_size)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, max_bytes: int | None = None,
                total_seconds: float | None = None, **kwargs: Any) -> requests.Response:
        """Send a request under the policy; the answer's body is read in full (within the limits)."""
        method = method.decode() if isinstance(method, bytes) else method
        url = url.decode() if isinstance(url, bytes) else url
        follow = kwargs.pop("allow_redirects", method.upper() in ("GET", "HEAD"))
        kwargs.pop("stream", None)
        limits = _Limits(max_bytes or self.policy.max_bytes,
                         time.monotonic() + (total_seconds or self.policy.total_seconds))
        headers = {k.lower() for k in (kwargs.get("headers") or {})}
        for hop in range(self.policy.max_redirects + 1):
            self._check_url(url)
            response = self._send_once(method, url, limits, *args, **kwargs)
            if not response.is_redirect:
                return response
            response.close()
            if not follow or "authorization" in headers or method.upper() not in ("GET", "HEAD") \
                    or hop == self.policy.max_redirects:
                raise RedirectRefused(f"{_host(url)} answered with a redirect, which this request does not follow")
            url = urljoin(url, response.headers.get("Location", ""))
        raise RedirectRefused("too many redirects")  # pragma: no cover - the loop returns or raises

    def _check_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            raise OutboundRefused("not a web address", "bad_url") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OutboundRefused("not a web address", "bad_url")
        if parts.scheme != "https" and self.policy.require_https:
            raise OutboundRefused(f"{parts.hostname} is not reached over https", "insecure_url")

    def _send_once(self, method: str, url: str, limits: _Limits, *args: Any, **kwargs: Any) -> requests.Response:
        remaining = limits.deadline - time.monotonic()
        if remaining <= 0:
            raise TotalTimeout(f"{_host(url)} took too long to answer")
        timeout = kwargs.pop("timeout", None)
        if isinstance(timeout, tuple):
            timeout = (min(timeout[0], remaining), min(timeout[1], remaining))
        elif timeout is not None:
            timeout = min(timeout, remaining)
        else:
            timeout = (min(3.05, remaining), remaining)
        watch = _local.watch = _Watch(remaining)
        try:
            try:
                response = super().request(method, url, *args, stream=True, allow_redirects=False,
                                           timeout=timeout, **kwargs)
            except requests.ConnectionError as exc:
                reason = getattr(exc.args[0] if exc.args else None, "reason", None)
                if isinstance(reason, _Refused):
                    log.warning("outbound request to %s refused: it resolves to a private or local address",
                                _host(url))
                    raise AddressRefused(f"{_host(url)} resolves to a private or local address") from None
                if watch.expired:
                    raise TotalTimeout(f"{_host(url)} took too long to answer") from exc
                raise
            except requests.RequestException as exc:
                if watch.expired:
                    raise TotalTimeout(f"{_host(url)} took too long to answer") from exc
                raise
            if response.is_redirect:
                return response
            try:
                self._read_body(response, limits, url)
            except BaseException:
                response.close()
                raise
            return response
        finally:
            watch.cancel()
            _local.watch = None

    @staticmethod
    def _read_body(response: requests.Response, limits: _Limits, url: str) -> None:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limits.max_bytes * 4:  # compressed data this large cannot fit
            raise ResponseTooLarge(f"{_host(url)} sent an answer larger than {limits.max_bytes} bytes")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding in ("gzip", "x-gzip", "deflate"):
            decoder: Any = zlib.decompressobj(47)  # gzip or zlib header, detected
        elif encoding in ("", "identity"):
            decoder = None
        else:
            raise ResponseTooLarge(f"{_host(url)} sent an answer in an encoding the tool does not read")
        chunks: list[bytes] = []
        total = 0
        watch = _local.watch
        try:
            while True:
                # read1: what has arrived (at least a byte), so a body dripped a byte at a time still meets the
                # deadline check below; read() would wait to fill the whole buffer, leaving only the watchdog.
                raw = response.raw.read1(16384, decode_content=False)
                if not raw:
                    break
                data = decoder.decompress(raw, limits.max_bytes + 1 - total) if decoder else raw
                total += len(data)
                chunks.append(data)
                if total > limits.max_bytes or (decoder is not None and decoder.unconsumed_tail):
                    raise ResponseTooLarge(f"{_host(url)} sent an answer larger than {limits.max_bytes} bytes")
                if time.monotonic() > limits.deadline:
                    raise TotalTimeout(f"{_host(url)} took too long to answer")
        except (ResponseTooLarge, TotalTimeout):
            raise
        except Exception as exc:  # socket, TLS, zlib or urllib3 errors while reading
            if watch is not None and watch.expired or time.monotonic() > limits.deadline:
                raise TotalTimeout(f"{_host(url)} took too long to answer") from exc
            raise requests.ConnectionError(f"{_host(url)} broke off its answer ({exc.__class__.__name__})") from exc
        if watch is not None and watch.expired:
            raise TotalTimeout(f"{_host(url)} took too long to answer")
        response._content = b"".join(chunks)
        response._content_consumed = True
        response.raw.release_conn()


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "the platform"
    except ValueError:
        return "the platform"


def guarded_session(app_or_settings: Any = None, **kwargs: Any) -> GuardedSession:
    """A guarded session under the current app's policy (or the given settings)."""
    if app_or_settings is None:
        from flask import current_app

        app_or_settings = current_app
    policy = getattr(app_or_settings, "extensions", {}).get("r2com", {}).get("outbound_policy") \
        if hasattr(app_or_settings, "extensions") else None
    if policy is None:
        settings = app_or_settings.config["R2COM"] if hasattr(app_or_settings, "config") else app_or_settings
        policy = OutboundPolicy.from_settings(settings)
    return GuardedSession(policy, **kwargs)


def describe(exc: BaseException) -> str:
    """A short reason code for an outbound failure (for the operator's log and the error page)."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str):
        return reason
    if isinstance(exc, requests.Timeout):
        return "too_slow"
    return "unreachable"
