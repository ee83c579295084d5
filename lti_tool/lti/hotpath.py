"""The launch hot path's database access, on plain DB-API connections.

Login writes one row and the launch consumes it and opens the tool session, once per launch, in
every worker. Going through the ORM costs more CPU than all the LTI checks together, so these three
statements run on a tiny pool of driver connections of their own. On PostgreSQL the launch is one
round trip: a CTE consumes the state (matching binding and nonce, not used, not expired) and inserts
the launch session only when it did. Everything else in the tool uses the ORM as usual.
"""

from __future__ import annotations

import datetime as dt
import collections
import json
import time
from typing import Any, Callable

from sqlalchemy.engine import Engine

from ..db import SQLITE_PRAGMAS


class HotStore:
    """Raw-SQL access to ``lti_login_state`` and ``lti_launch_session`` for login and launch."""

    #: Expired login states are deleted at most this many seconds after they expire (per process)...
    SWEEP_SECONDS = 5.0
    #: ...in batches of at most this many rows, so one login never waits on a long delete.
    SWEEP_BATCH = 2000

    def __init__(self, engine: Engine, pool_size: int = 8):
        self._engine = engine
        self._dialect = engine.dialect.name
        self._pg = self._dialect == "postgresql"
        # Idle connections (as one reusable cursor each), newest last; deque's append and pop are atomic,
        # so threads need no lock.
        self._pool: collections.deque[Any] = collections.deque()
        self._pool_size = pool_size
        ph = "%s" if self._pg else "?"
        #: The driver's parameter placeholder, for :meth:`fetch_one`.
        self.placeholder = ph
        self._insert_state = (f"INSERT INTO lti_login_state (state, nonce, binding, platform_id, params, expires_at) "
                              f"VALUES ({ph}, {ph}, {ph}, {ph}, {ph}, {ph})")
        self._consume = (f"UPDATE lti_login_state SET used_at = {ph} WHERE state = {ph} AND binding = {ph} "
                         f"AND nonce = {ph} AND platform_id = {ph} AND used_at IS NULL AND expires_at > {ph}")
        self._insert_session = ("INSERT INTO lti_launch_session (id, user_id, context_id, resource_link_id, role, "
                                f"message_type, data, expires_at) VALUES ({', '.join([ph] * 8)})")
        self._consume_and_open = (
            f"WITH consumed AS ({self._consume} RETURNING state) "
            "INSERT INTO lti_launch_session (id, user_id, context_id, resource_link_id, role, message_type, data, "
            "expires_at) SELECT %s, %s, %s, %s, %s, %s, %s, %s FROM consumed")
        self._sweep = (f"DELETE FROM lti_login_state WHERE state IN (SELECT state FROM lti_login_state "
                       f"WHERE expires_at < {ph} LIMIT {self.SWEEP_BATCH})")
        self._clock = time.monotonic
        self._next_sweep = 0.0
        self._load_session = (
            "SELECT s.id, s.user_id, s.context_id, s.resource_link_id, s.role, s.message_type, s.data, s.expires_at, "
            "u.platform_id, p.active, u.ui_locale, u.ui_locale_under FROM lti_launch_session s JOIN lti_user u ON u.id = s.user_id "
            f"JOIN lti_platform p ON p.id = u.platform_id WHERE s.id = {ph}")
        # The same, with the course's title and label: the "not set up yet" page names the course.
        self._load_session_course = (
            "SELECT s.id, s.user_id, s.context_id, s.resource_link_id, s.role, s.message_type, s.data, s.expires_at, "
            "u.platform_id, p.active, u.ui_locale, u.ui_locale_under, c.title, c.label "
            "FROM lti_launch_session s JOIN lti_user u ON u.id = s.user_id "
            "JOIN lti_platform p ON p.id = u.platform_id LEFT JOIN lti_context c ON c.id = s.context_id "
            f"WHERE s.id = {ph}")
        # The same, with the learner's progress in one module and the percent of their quiz attempt that
        # counts: a module page needs all three, in one round trip.
        self._load_session_progress = (
            "SELECT s.id, s.user_id, s.context_id, s.resource_link_id, s.role, s.message_type, s.data, s.expires_at, "
            "u.platform_id, p.active, mp.pages_seen, mp.last_page_id, mp.module_id, "
            "(SELECT qa.percent FROM learning_quiz_attempt qa WHERE qa.context_id = s.context_id "
            f"AND qa.user_id = s.user_id AND qa.module_id = {ph} AND qa.kept = TRUE LIMIT 1), "
            "u.ui_locale, u.ui_locale_under "
            "FROM lti_launch_session s JOIN lti_user u ON u.id = s.user_id "
            "JOIN lti_platform p ON p.id = u.platform_id "
            "LEFT JOIN learning_module_progress mp ON mp.context_id = s.context_id AND mp.user_id = s.user_id "
            f"AND mp.module_id = {ph} WHERE s.id = {ph}")

    # -- connections -----------------------------------------------------------------------------
    def _connect(self) -> Any:
        """A new connection's cursor: every statement here runs on it (a new cursor per call costs more)."""
        dialect = self._engine.dialect
        cargs, cparams = dialect.create_connect_args(self._engine.url)
        conn = dialect.connect(*cargs, **cparams)
        if self._pg:
            conn.autocommit = True
        else:
            conn.isolation_level = None  # we issue BEGIN/COMMIT ourselves
            for pragma in SQLITE_PRAGMAS:
                conn.execute("PRAGMA " + pragma)
        return conn.cursor()

    def _run(self, work: Callable[[Any], Any]) -> Any:
        """Run ``work(cursor)``; on a broken connection, retry once on a fresh one."""
        errors = self._engine.dialect.loaded_dbapi
        for attempt in (1, 2):
            try:
                cur = self._pool.pop()
            except IndexError:
                cur = self._connect()
            try:
                result = work(cur)
            except (errors.OperationalError, errors.InterfaceError):
                try:
                    cur.connection.close()
                finally:
                    if attempt == 2:
                        raise
                continue
            except Exception:
                if not self._pg and cur.connection.in_transaction:
                    cur.execute("ROLLBACK")
                self._release(cur)
                raise
            self._release(cur)
            return result
        raise RuntimeError("unreachable")  # pragma: no cover

    def _release(self, cur: Any) -> None:
        if len(self._pool) < self._pool_size:
            self._pool.append(cur)
        else:
            cur.connection.close()

    def fetch_one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """Run one read-only statement (placeholders: :attr:`placeholder`) and return its first row.

        For reads on every page view (a learner's progress) that would otherwise open an ORM session and
        check out a pooled connection. It reads committed data only, so call it before the request writes.
        """

        def work(cur: Any) -> Any:
            cur.execute(sql, args)
            return cur.fetchall()  # to the end: a half-read SQLite statement would hold its snapshot

        rows = self._run(work)
        return rows[0] if rows else None

    def close(self) -> None:
        while True:
            try:
                self._pool.pop().connection.close()
            except IndexError:
                return

    def _ts(self, value: dt.datetime) -> Any:
        """A UTC datetime as the column stores it: naive for psycopg, SQLAlchemy's text format for SQLite."""
        naive = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return naive if self._pg else naive.isoformat(" ", "microseconds")

    # -- operations ------------------------------------------------------------------------------
    def put_state(self, state: str, nonce: str, binding: str, platform_id: int, params: dict[str, Any],
                  expires_at: dt.datetime, now: dt.datetime) -> None:
        """Store a login state (autocommitted); every few seconds, delete states that have expired.

        A used state is kept until it expires, to recognise a replay; after that the id_token it was for
        is too old to be accepted anyway. So the table never holds more than the logins of the last
        ``LOGIN_STATE_TTL`` seconds (plus ``SWEEP_SECONDS``), however many are abandoned.
        """
        args = (state, nonce, binding, platform_id, json.dumps(params), self._ts(expires_at))
        tick = self._clock()
        sweep = tick >= self._next_sweep
        if sweep:
            self._next_sweep = tick + self.SWEEP_SECONDS

        def work(cur: Any) -> None:
            cur.execute(self._insert_state, args)
            if sweep and cur.execute(self._sweep, (self._ts(now),)).rowcount >= self.SWEEP_BATCH:
                self._next_sweep = 0.0  # more to delete: again at the next login

        self._run(work)

    def consume_and_open(self, *, state: str, binding: str, nonce: str, platform_id: int, now: dt.datetime,
                         session: dict[str, Any]) -> bool:
        """Consume the state and insert the launch session atomically; False when the state did not match."""
        consume_args = (self._ts(now), state, binding, nonce, platform_id, self._ts(now))
        session_args = (session["id"], session["user_id"], session["context_id"], session["resource_link_id"],
                        session["role"], session["message_type"], json.dumps(session["data"]),
                        self._ts(session["expires_at"]))

        if self._pg:
            def work(cur: Any) -> bool:
                cur.execute(self._consume_and_open, consume_args + session_args)
                return cur.rowcount == 1
        else:
            def work(cur: Any) -> bool:
                cur.execute("BEGIN IMMEDIATE")
                try:
                    if cur.execute(self._consume, consume_args).rowcount != 1:
                        cur.execute("ROLLBACK")
                        return False
                    cur.execute(self._insert_session, session_args)
                    cur.execute("COMMIT")
                    return True
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
        return self._run(work)

    def load_session(self, session_id: str) -> dict[str, Any] | None:
        """Return a launch session with its platform id and whether the platform is active, or None.

        When the request named a module whose progress it will read (``g.prefetch_module``, set before the
        session is loaded), that progress row comes in the same statement and is left in
        ``g.prefetched_progress`` as (session id, module id, (pages seen, last page) or None, percent of the
        kept quiz attempt or None). With ``g.prefetch_course`` the course's title and label come along and are
        left in ``g.prefetched_course`` as (session id, title, label).
        """
        module_id, course = _prefetch()

        def work(cur: Any) -> Any:
            if module_id is None:
                cur.execute(self._load_session_course if course else self._load_session, (session_id,))
            else:
                cur.execute(self._load_session_progress, (module_id, module_id, session_id))
            return cur.fetchall()  # all (at most one): a half-read SQLite statement would hold its snapshot

        rows = self._run(work)
        if not rows:
            return None
        row = rows[0]
        data = row[6]
        if isinstance(data, str):
            data = json.loads(data)
        expires = row[7]
        if isinstance(expires, str):
            expires = dt.datetime.fromisoformat(expires)  # SQLAlchemy's text format; a tenth of strptime's cost
        if module_id is not None:
            from flask import g

            seen = row[10]
            if isinstance(seen, (str, bytes)):
                seen = json.loads(seen)
            g.prefetched_progress = (row[0], module_id, (list(seen or []), row[11]) if row[12] is not None else None,
                                     row[13])
        elif course:
            from flask import g

            g.prefetched_course = (row[0], row[12], row[13])
        # The person's language choice: right after the session's columns, or after the progress ones.
        ui = row[10:12] if module_id is None else row[14:16]
        return {"id": row[0], "user_id": row[1], "context_id": row[2], "resource_link_id": row[3], "role": row[4],
                "message_type": row[5], "data": data or {}, "expires_at": expires.replace(tzinfo=dt.timezone.utc),
                "platform_id": row[8], "active": bool(row[9]), "ui_locale": ui[0], "ui_locale_under": ui[1]}

    def insert_session(self, session: dict[str, Any]) -> None:
        """Insert a launch session on its own (autocommitted); used with the Redis state store."""
        args = (session["id"], session["user_id"], session["context_id"], session["resource_link_id"],
                session["role"], session["message_type"], json.dumps(session["data"]), self._ts(session["expires_at"]))

        def work(cur: Any) -> None:
            cur.execute(self._insert_session, args)

        self._run(work)


def _prefetch() -> tuple[str | None, bool]:
    """What the request asked to read with its session: a module's progress (``g.prefetch_module``) or the
    course's title (``g.prefetch_course``)."""
    from flask import g, has_app_context

    if not has_app_context():
        return None, False
    return g.get("prefetch_module"), bool(g.get("prefetch_course"))
