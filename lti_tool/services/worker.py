"""Grade delivery worker: claim due outbox rows with a lease, post them, record what happened.

Several workers (processes, machines, the development thread) may run at once. A claim takes rows
with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, or a conditional ``UPDATE`` on SQLite, and
stamps them with a lease. Results are written only while the lease is still ours; a worker killed
mid-delivery leaves rows whose lease runs out and another worker sends them again. A repeated score
is answered 409 by Moodle-like platforms (same timestamp), which counts as delivered.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import requests
from flask import Flask
from sqlalchemy import Table, and_, bindparam, case, exists, func, or_, select, update

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..lti.constants import SCOPE_SCORE
from .ags import AgsClient, AgsHttpError
from .lineitems import NoLineItem, forget, resolve
from .backoff import PAUSED_REASON, PauseBoard, host_of, pause_seconds
from .models import SENDABLE, DeliveryStatus, GradeOutbox
from .outbound import GuardedSession, OutboundPolicy
from .policy import (WAITING_CAP, WAITING_FIRST, WAITING_LIMIT, Verdict, backoff_seconds, judge,
                     retry_after_seconds, waiting_seconds)
from .tokens import TokenError, TokenProvider

log = logging.getLogger(__name__)
#: Results are written after this many rows or seconds, whichever comes first.
RECORD_EVERY = 50
RECORD_SECONDS = 1.0
T = cast(Table, GradeOutbox.__table__)
_COLUMNS = (T.c.id, T.c.platform_id, T.c.context_id, T.c.user_id, T.c.resource_link_id, T.c.line_item_key,
            T.c.lineitem_url, T.c.lineitems_url, T.c.scopes, T.c.label, T.c.resource_id, T.c.tag, T.c.payload,
            T.c.attempts, T.c.timestamp, T.c.waiting_since, T.c.status, T.c.reason,
            T.c.last_status)


@dataclass
class _Outcome:
    """What happened to one claimed row."""

    id: int
    status: str
    reason: str | None = None
    http_status: int | None = None
    next_attempt_at: dt.datetime | None = None
    failed_attempt: bool = False
    #: The platform cannot take it yet (unpublished assignment): start or keep the waiting clock.
    waiting: bool = False


@dataclass
class _Batch:
    """Per-batch memory: line item URLs resolved, platforms to leave alone until later."""

    owner: str
    deadline: float
    lineitems: dict[tuple[int, str], tuple[str, bool]] = field(default_factory=dict)
    blocked: dict[int, tuple[dt.datetime, str | None]] = field(default_factory=dict)


class DeliveryWorker:
    """Claims and delivers outbox rows; one ``requests.Session`` per worker thread for connection reuse.

    With ``concurrency`` above 1, rows of a batch are posted by that many threads at once (each with
    its own session and app context), which matters when the platform is far away. A batch never
    holds two rows for the same user and line item, so order is kept.
    """

    def __init__(self, app: Flask, *, batch_size: int = 100, lease_seconds: float = 120.0,
                 connect_timeout: float = 3.05, read_timeout: float = 10.0, backoff_base: float = 5.0,
                 backoff_cap: float = 3600.0, max_attempts: int = 40, worker_id: str | None = None,
                 concurrency: int = 1, waiting_first: float = WAITING_FIRST, waiting_cap: float = WAITING_CAP,
                 waiting_limit: float = WAITING_LIMIT) -> None:
        self.app = app
        self.concurrency = max(1, concurrency)
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.timeout = (connect_timeout, read_timeout)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_attempts = max_attempts
        self.waiting_first = waiting_first
        self.waiting_cap = waiting_cap
        self.waiting_limit = waiting_limit
        self.worker_id = worker_id or f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._claims = itertools.count(1)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._pool: ThreadPoolExecutor | None = None
        self._resolve_lock = threading.Lock()
        if lease_seconds < 2 * sum(self.timeout):
            log.warning("lease of %.1fs is shorter than two requests (%.1fs): a slow platform may get a score "
                        "twice (answered 409, so harmless)", lease_seconds, 2 * sum(self.timeout))
        self.tokens: TokenProvider = app.extensions["r2com"]["grade_tokens"]
        self.pauses: PauseBoard | None = app.extensions["r2com"].get("platform_pauses")
        self.platforms = app.extensions["r2com"]["platforms"]

    @property
    def http(self) -> requests.Session:
        """Return this thread's HTTP session."""
        session = getattr(self._local, "http", None)
        if session is None:
            session = self._local.http = http_session(self.app.extensions["r2com"].get("outbound_policy"))
            self._local.ags = AgsClient(session, self.timeout)
            self._sessions.append(session)
        return session

    @property
    def ags(self) -> AgsClient:
        """Return this thread's AGS client."""
        self.http  # noqa: B018 - creates the thread's session and client
        return self._local.ags

    def close(self) -> None:
        """Close the HTTP sessions and the thread pool."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for session in self._sessions:
            session.close()

    # -- claiming --------------------------------------------------------------------------------
    def _due(self, now: dt.datetime) -> Any:
        return and_(T.c.status.in_([str(s) for s in SENDABLE]), T.c.next_attempt_at <= now,
                    or_(T.c.lease_until.is_(None), T.c.lease_until < now))

    def candidates(self, limit: int | None = None) -> Any:
        """Return the ids of due rows: a ``SKIP LOCKED`` subquery on PostgreSQL, else a list."""
        pick = (select(T.c.id).where(self._due(utcnow())).order_by(T.c.next_attempt_at, T.c.id)
                .limit(limit or self.batch_size))
        if db.engine.dialect.name == "postgresql":
            # A materialised CTE runs once; a plain IN (subquery) may be re-run and lease more than ``limit``.
            return pick.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        return list(db.session.execute(pick).scalars())

    def lease(self, ids: Any) -> tuple[str, list[Any]]:
        """Lease the rows among ``ids`` that are still due (a conditional UPDATE); return (token, rows). Commits."""
        now = utcnow()
        owner = f"{self.worker_id}:{next(self._claims)}"
        if isinstance(ids, list) and not ids:
            db.session.rollback()
            return owner, []
        until = now + dt.timedelta(seconds=self.lease_seconds)
        chosen = T.c.id.in_(ids) if isinstance(ids, list) else T.c.id.in_(select(ids.c.id))
        rows = db.session.execute(update(T).where(chosen, self._due(now))
                                  .values(lease_owner=owner, lease_until=until).returning(*_COLUMNS)).all()
        db.session.commit()
        return owner, sorted(rows, key=lambda r: r.id)

    def claim(self, limit: int | None = None) -> tuple[str, list[Any]]:
        """Lease up to ``limit`` due rows to this worker and return (claim token, rows). Commits."""
        for _ in range(5):
            ids = self.candidates(limit)
            owner, rows = self.lease(ids)
            if rows or not isinstance(ids, list) or not ids:
                return owner, rows
            # SQLite: another worker leased the rows we saw between our SELECT and UPDATE; look again.
        return owner, rows

    def release(self, owner: str, ids: list[int]) -> None:
        """Give rows back unchanged (shutdown, or the lease is about to run out). Commits."""
        if ids:
            db.session.execute(update(T).where(T.c.id.in_(ids), T.c.lease_owner == owner)
                               .values(lease_owner=None, lease_until=None))
            db.session.commit()

    # -- one batch -------------------------------------------------------------------------------
    def run_once(self, stop: threading.Event | None = None) -> int:
        """Claim one batch and deliver it; return how many rows were claimed. Needs an app context."""
        owner, rows = self.claim()
        if not rows:
            return 0
        batch = _Batch(owner, time.monotonic() + self.lease_seconds)
        outcomes = [_Outcome(i, DeliveryStatus.SUPERSEDED, "A newer score for the same activity replaced this one "
                             "before it was sent.") for i in self._superseded([r.id for r in rows])]
        skip = {o.id for o in outcomes}
        guard = min(2 * sum(self.timeout), self.lease_seconds / 2)  # room for a token fetch and the POST
        recorded_at = time.monotonic()
        todo = [row for row in rows if row.id not in skip]
        for start in range(0, len(todo), self.concurrency):
            if (stop is not None and stop.is_set()) or time.monotonic() > batch.deadline - guard:
                self._record(owner, outcomes)
                self.release(owner, [r.id for r in todo[start:]])
                return len(rows)
            chunk = todo[start:start + self.concurrency]
            if self.concurrency == 1:
                outcomes.append(self._deliver(chunk[0], batch))
            else:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="grade-post")
                outcomes.extend(self._pool.map(lambda row: self._deliver_in_context(row, batch), chunk))
            if len(outcomes) >= RECORD_EVERY or time.monotonic() - recorded_at > RECORD_SECONDS:
                self._record(owner, outcomes)  # keeps the re-send window after a crash small
                outcomes, recorded_at = [], time.monotonic()
        self._record(owner, outcomes)
        return len(rows)

    def _superseded(self, ids: list[int]) -> list[int]:
        newer = T.alias("newer")
        query = select(T.c.id).where(T.c.id.in_(ids), exists().where(
            newer.c.user_id == T.c.user_id, newer.c.line_item_key == T.c.line_item_key,
            newer.c.timestamp > T.c.timestamp,
            newer.c.status.in_([*(str(s) for s in SENDABLE), str(DeliveryStatus.DELIVERED)])))
        return list(db.session.execute(query).scalars())

    def _record(self, owner: str, outcomes: list[_Outcome]) -> None:
        if not outcomes:
            return
        now = utcnow()
        stmt = (update(T).where(T.c.id == bindparam("b_id"), T.c.lease_owner == owner)
                .values(status=bindparam("b_status"), reason=bindparam("b_reason"),
                        last_status=bindparam("b_http"), attempts=T.c.attempts + bindparam("b_inc"),
                        next_attempt_at=bindparam("b_next", type_=UTCDateTime()),
                        delivered_at=bindparam("b_delivered", type_=UTCDateTime()),
                        waiting_since=case((bindparam("b_waiting") == 1,
                                            func.coalesce(T.c.waiting_since, bindparam("b_now", type_=UTCDateTime()))),
                                           else_=T.c.waiting_since),
                        lease_owner=None, lease_until=None, updated_at=now))
        params = [{"b_id": o.id, "b_status": str(o.status), "b_reason": o.reason, "b_http": o.http_status,
                   "b_inc": int(o.failed_attempt), "b_next": o.next_attempt_at or now,
                   "b_delivered": now if o.status == DeliveryStatus.DELIVERED else None,
                   "b_waiting": int(o.waiting), "b_now": now} for o in outcomes]
        db.session.execute(stmt, params)
        db.session.commit()

    def _deliver_in_context(self, row: Any, batch: _Batch) -> _Outcome:
        with self.app.app_context():
            return self._deliver(row, batch)

    # -- one row ---------------------------------------------------------------------------------
    def _deliver(self, row: Any, batch: _Batch) -> _Outcome:
        info = self.platforms.by_id(row.platform_id)
        if info is None or not info.active:
            return _Outcome(row.id, DeliveryStatus.FAILED, "The platform is disabled or no longer registered, so "
                            "the score cannot be sent. Retry after an administrator enables it again.")
        if row.platform_id in batch.blocked:
            until, reason = batch.blocked[row.platform_id]
            if row.status == DeliveryStatus.WAITING:  # keep what the trainer sees; try it after the pause
                return _Outcome(row.id, DeliveryStatus.WAITING, row.reason, row.last_status, until)
            return _Outcome(row.id, DeliveryStatus.PENDING, reason, next_attempt_at=until)
        paused = self.pauses.paused_until(host_of(row.lineitem_url or row.lineitems_url)) if self.pauses else None
        if paused is not None:  # another worker was told to wait (429/503 Retry-After): so is this one
            if row.status == DeliveryStatus.WAITING:  # keep what the trainer sees; try it after the pause
                return _Outcome(row.id, DeliveryStatus.WAITING, row.reason, row.last_status, paused)
            return _Outcome(row.id, DeliveryStatus.PENDING, PAUSED_REASON, next_attempt_at=paused)
        scopes = row.scopes.split()
        url_from_link = False
        try:
            token = self.tokens.get(info, scopes, self.http, require=SCOPE_SCORE)
            url, url_from_link = self._lineitem_url(row, scopes, token, batch)
            response = self.ags.post_score(url, token, row.payload)
            if response.status_code == 401:
                self.tokens.invalidate(info, scopes, token)
                response = self.ags.post_score(url, self.tokens.get(info, scopes, self.http), row.payload)
        except TokenError as exc:
            verdict = Verdict("permanent" if exc.permanent else "transient", str(exc), exc.status,
                              retry_after_seconds(exc.retry_after))
            return self._outcome(row, verdict, batch)
        except NoLineItem as exc:
            return _Outcome(row.id, DeliveryStatus.FAILED, str(exc))
        except AgsHttpError as exc:
            if exc.status == 401:
                self.tokens.invalidate(info, scopes, token)
            return self._outcome(row, judge(exc.response, what="looking up the gradebook column"), batch)
        except requests.RequestException as exc:
            kind = "did not answer in time" if isinstance(exc, requests.Timeout) else "could not be reached"
            return self._outcome(row, Verdict("transient", f"The platform {kind} ({exc.__class__.__name__}); "
                                              "the score will be sent when it is back."), batch)
        except Exception as exc:  # one bad row must not stall the batch; attempts still count up
            log.exception("unexpected error delivering grade %s", row.id)
            db.session.rollback()
            return self._outcome(row, Verdict("transient", f"The tool hit an unexpected error "
                                              f"({exc.__class__.__name__}) and will try again."), batch)
        verdict = judge(response)
        if verdict.kind == "permanent" and verdict.status == 404 and url_from_link:
            forget(row)
        return self._outcome(row, verdict, batch)

    def _outcome(self, row: Any, verdict: Verdict, batch: _Batch) -> _Outcome:
        if verdict.kind == "done":
            return _Outcome(row.id, DeliveryStatus.DELIVERED, verdict.reason, verdict.status)
        if verdict.kind == "waiting":
            return self._waiting(row, verdict)
        if verdict.kind == "permanent":
            log.warning("grade %s refused for good (%s): %s", row.id, verdict.status, verdict.reason)
            return _Outcome(row.id, DeliveryStatus.FAILED, verdict.reason, verdict.status, failed_attempt=True)
        attempts = row.attempts + 1
        log.info("grade %s not delivered (attempt %d, %s): %s", row.id, attempts, verdict.status, verdict.reason)
        if attempts >= self.max_attempts:
            return _Outcome(row.id, DeliveryStatus.FAILED, f"Gave up after {attempts} attempts. Last problem: "
                            f"{verdict.reason}", verdict.status, failed_attempt=True)
        delay = verdict.retry_after if verdict.retry_after is not None else \
            backoff_seconds(row.attempts, self.backoff_base, self.backoff_cap)
        until = utcnow() + dt.timedelta(seconds=delay)
        batch.blocked[row.platform_id] = (until, verdict.reason)
        if self.pauses is not None and pause_seconds(verdict.status, verdict.retry_after):
            self.pauses.pause(host_of(row.lineitem_url or row.lineitems_url), delay, verdict.reason or "")
        return _Outcome(row.id, DeliveryStatus.PENDING, verdict.reason, verdict.status, until, failed_attempt=True)

    def _waiting(self, row: Any, verdict: Verdict) -> _Outcome:
        """Wait on the long schedule (see :mod:`.policy`); other rows of the platform are not held up.

        Waiting does not count as a failed attempt, so a later outage still gets its full retries.
        """
        now = utcnow()
        waited = (now - row.waiting_since).total_seconds() if row.waiting_since is not None else 0.0
        if waited >= self.waiting_limit:
            days = round(waited / 86400)
            return _Outcome(row.id, DeliveryStatus.FAILED, f"Gave up after waiting {days} days. Last problem: "
                            f"{verdict.reason}", verdict.status, failed_attempt=True, waiting=True)
        delay = waiting_seconds(waited, self.waiting_first, self.waiting_cap)
        log.info("grade %s waits %.0fs for the platform (%s)", row.id, delay, verdict.status)
        return _Outcome(row.id, DeliveryStatus.WAITING, verdict.reason, verdict.status,
                        now + dt.timedelta(seconds=delay), waiting=True)

    def _lineitem_url(self, row: Any, scopes: list[str], token: str, batch: _Batch) -> tuple[str, bool]:
        """Return (line item URL, whether it came from a remembered link)."""
        if row.lineitem_url:
            return row.lineitem_url, False
        with self._resolve_lock:  # parallel posts wait for one lookup instead of creating duplicates
            return resolve(row, scopes, token, self.ags, batch.lineitems)

    # -- loops -----------------------------------------------------------------------------------
    def run(self, stop: threading.Event, *, idle_seconds: float = 2.0, once: bool = False) -> int:
        """Deliver until ``stop`` is set (or, with ``once``, until nothing is due); return rows handled."""
        total = 0
        errors = 0
        while not stop.is_set():
            with self.app.app_context():
                try:
                    claimed = self.run_once(stop)
                    errors = 0
                except Exception as exc:  # a database outage must not end the worker
                    errors += 1
                    if errors == 1:
                        log.exception("grade delivery batch failed; retrying with back-off")
                    else:
                        log.error("grade delivery batch failed again (%d times): %s", errors, exc)
                    db.session.rollback()
                    claimed = -1
            total += max(claimed, 0)
            if claimed == 0 and once:
                break
            if claimed < 0:
                stop.wait(min(60.0, idle_seconds * 2 ** min(errors, 6)))
            elif claimed == 0:
                stop.wait(idle_seconds)
        return total


def http_session(policy: OutboundPolicy | None = None) -> requests.Session:
    """Return a session for one worker: the guarded client (``services/outbound.py``), kept-alive
    connections, no automatic retries, no proxy from the environment (the checked address is the one
    reached); the CA bundle variables still apply.
    """
    return GuardedSession(policy, pool_size=16)


def start_delivery_thread(app: Flask, *, table_check_seconds: float = 2.0,
                          **options: Any) -> tuple[threading.Thread, threading.Event]:
    """Run a worker in a daemon thread with its own app context (development).

    On a database that is not set up yet the thread waits, with one log line, until the outbox table
    exists (``flask --app wsgi setup`` creates it), instead of failing every round with a traceback.
    """
    stop = threading.Event()
    worker = DeliveryWorker(app, **options)

    def run() -> None:
        if _wait_for_outbox_table(app, stop, table_check_seconds):
            worker.run(stop)

    thread = threading.Thread(target=run, name="grade-delivery", daemon=True)
    thread.start()
    return thread, stop


def _wait_for_outbox_table(app: Flask, stop: threading.Event, every: float) -> bool:
    """Return True once the outbox table exists, False when stopped first."""
    from sqlalchemy import inspect

    told = False
    while not stop.is_set():
        try:
            with app.app_context():
                ready = inspect(db.engine).has_table(GradeOutbox.__tablename__)
            problem = "the database tables do not exist yet (run `flask --app wsgi setup`)"
        except Exception as exc:  # not reachable yet: the same quiet wait
            ready, problem = False, f"the database does not answer ({exc.__class__.__name__})"
        if ready:
            if told:
                log.info("grade delivery: the database is ready, delivering")
            return True
        if not told:
            log.info("grade delivery waits: %s", problem)
            told = True
        stop.wait(every)
    return False
