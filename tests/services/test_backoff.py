"""A 429/503 Retry-After pauses every delivery to that platform host, across workers (issue #10, item 5)."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.services import enqueue_score
from lti_tool.services.backoff import PauseBoard, PlatformPause
from lti_tool.services.models import DeliveryStatus, GradeOutbox

from .conftest import LEARNERS, GradeEnv


def _enqueue(env: GradeEnv, subs) -> None:
    for sub in subs:
        enqueue_score(env.session(sub), source_kind="quiz_attempt", source_id=f"backoff-{sub}", score_given=1,
                      score_maximum=2, activity_progress="Completed", grading_progress="FullyGraded")
    db.session.commit()


def test_retry_after_is_shared_by_two_workers(env: GradeEnv) -> None:
    env.platform.ags_fault = {"mode": "429", "retry_after": 2, "count": 1}
    _enqueue(env, LEARNERS[:1])
    first, second = env.worker(), env.worker()
    first.run_once()
    assert env.platform.score_posts == 1  # refused with Retry-After: 2
    pause = db.session.execute(select(PlatformPause)).scalar_one()
    assert pause.host == "127.0.0.1" and pause.until > utcnow() + dt.timedelta(seconds=1.5)
    # New scores arrive; the other worker (another process in production) must not send them yet.
    _enqueue(env, LEARNERS[1:4])
    db.session.execute(GradeOutbox.__table__.update().values(next_attempt_at=utcnow()))
    db.session.commit()
    for _ in range(5):
        second.run_once()
        first.run_once()
    assert env.platform.score_posts == 1
    db.session.expire_all()
    rows = db.session.execute(select(GradeOutbox)).scalars().all()
    assert all(r.status == DeliveryStatus.PENDING and r.next_attempt_at >= pause.until - dt.timedelta(seconds=0.01)
               for r in rows), [(r.status, r.next_attempt_at, pause.until, r.reason) for r in rows]
    assert sorted(r.attempts for r in rows) == [0, 0, 0, 1]  # only the refused one counts; waiting is not failing
    time.sleep(2.1)
    env.drain(second)
    assert env.platform.score_posts == 1 + 4


def test_pauses_never_shorten_and_need_a_retry_after(env: GradeEnv) -> None:
    board = PauseBoard()
    board.pause("lms.example.org", 60, "429")
    board.pause("lms.example.org", 1, "429")
    assert board.paused_until("lms.example.org") > utcnow() + dt.timedelta(seconds=50)
    assert PauseBoard().paused_until("other.example.org") is None
    from lti_tool.services.backoff import pause_seconds

    assert pause_seconds(429, 3.0) == 3.0 and pause_seconds(503, 1.0) == 1.0
    assert pause_seconds(500, 3.0) is None and pause_seconds(429, None) is None
