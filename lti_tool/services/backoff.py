"""Back-off per platform host, shared by every delivery worker: a 429 or 503 with Retry-After pauses the host.

Without it, each worker (and each batch) found out about a platform's ``Retry-After`` on its own, and
a rate-limited platform kept receiving requests (129 in 15.6 s of ``Retry-After: 3``). A pause is a row of
``platform_pause`` (or a Redis key when ``REDIS_URL`` is set): the host and the time until which nobody
sends it anything. Workers read it before each request, through a cache of at most a second.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any, Optional
from urllib.parse import urlsplit

from sqlalchemy import String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ..extensions import db

log = logging.getLogger(__name__)

#: How long a worker trusts what it last read about a host.
CACHE_SECONDS = 1.0
#: Statuses whose Retry-After pauses the whole host.
PAUSING_STATUSES = (429, 503)
PAUSED_REASON = ("The platform asked the tool to wait before sending more (429 or 503 with Retry-After); "
                 "the score will be sent then.")


class PlatformPause(Base):
    """A platform host that asked the tool to wait (429/503 with Retry-After), and until when."""

    __tablename__ = "platform_pause"

    #: The host the requests went to, lowercased (e.g. ``school.instructure.com``).
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: The status that caused the pause and what it means, for the operator.
    reason: Mapped[Optional[str]] = mapped_column(Text)


def host_of(url: str | None) -> str | None:
    """The lowercased host of a service URL, or None."""
    try:
        return (urlsplit(url or "").hostname or None) if url else None
    except ValueError:
        return None


class PauseBoard:
    """Reads and writes host pauses in the database (or Redis), with a short per-process cache."""

    def __init__(self, redis_client: Any = None, prefix: str = "r2com:pause:") -> None:
        self._redis = redis_client
        self._prefix = prefix
        self._cache: dict[str, tuple[float, dt.datetime | None]] = {}
        self._lock = threading.Lock()

    def paused_until(self, host: str | None) -> dt.datetime | None:
        """When the host may be sent requests again, if it is paused now; else None."""
        if not host:
            return None
        tick = time.monotonic()
        cached = self._cache.get(host)
        if cached is None or tick - cached[0] > CACHE_SECONDS:
            cached = (tick, self._read(host))
            with self._lock:
                self._cache[host] = cached
        until = cached[1]
        return until if until is not None and until > utcnow() else None

    def pause(self, host: str | None, seconds: float, reason: str) -> dt.datetime | None:
        """Pause ``host`` for ``seconds`` (never shortening a longer pause); return until when."""
        if not host or seconds <= 0:
            return None
        until = utcnow() + dt.timedelta(seconds=seconds)
        if self._redis is not None:
            key = self._prefix + host
            current = self._redis.get(key)
            if current is None or float(current) < until.timestamp():
                self._redis.set(key, repr(until.timestamp()), px=max(1, int(seconds * 1000)))
        else:
            self._write(host, until, reason)
        with self._lock:
            self._cache.pop(host, None)  # read back what is stored: a longer pause may already be there
        log.info("deliveries to %s paused for %.1f s: %s", host, seconds, reason)
        return until

    def _read(self, host: str) -> dt.datetime | None:
        if self._redis is not None:
            raw = self._redis.get(self._prefix + host)
            return dt.datetime.fromtimestamp(float(raw), dt.timezone.utc) if raw else None
        return db.session.execute(select(PlatformPause.until).where(PlatformPause.host == host)).scalar()

    def _write(self, host: str, until: dt.datetime, reason: str) -> None:
        """Upsert the pause in its own short transaction (other workers see it at once)."""
        session = db.session
        for _ in range(2):
            done = session.execute(update(PlatformPause).where(PlatformPause.host == host, PlatformPause.until < until)
                                   .values(until=until, reason=reason[:500])).rowcount
            if done or session.execute(select(PlatformPause.host).where(PlatformPause.host == host)).first():
                session.commit()
                return
            try:
                session.add(PlatformPause(host=host, until=until, reason=reason[:500]))
                session.commit()
                return
            except IntegrityError:  # another worker inserted it first: update theirs
                session.rollback()


def pause_seconds(status: int | None, retry_after: float | None) -> float | None:
    """How long a whole host pauses after an answer: only a 429/503 that said how long."""
    if status in PAUSING_STATUSES and retry_after is not None and retry_after > 0:
        return retry_after
    return None
