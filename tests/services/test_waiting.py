"""Canvas 422 for an unpublished assignment: waited for on a long schedule and sent once published.

The development platform answers 422 with Canvas's body while ``ags_fault`` mode ``422`` is set; clearing the
fault is the teacher publishing the assignment.
"""

from __future__ import annotations

import datetime as dt
import time

import requests
from sqlalchemy import select, update

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.services import enqueue_score, failed_deliveries, retry_delivery, waiting_deliveries
from lti_tool.services.models import DeliveryStatus, GradeOutbox
from lti_tool.services.policy import WAITING_CAP, WAITING_FIRST, judge, waiting_seconds

from .conftest import LEARNERS, GradeEnv

HOUR = 3600.0


def _enqueue(env: GradeEnv, subs: list[str]) -> list[GradeOutbox]:
    rows = [enqueue_score(env.session(sub), source_kind="quiz_attempt", source_id=f"{sub}-1", score_given=8.0,
                          score_maximum=10.0) for sub in subs]
    db.session.commit()
    return rows


def _make_due(row: GradeOutbox, waited: dt.timedelta | None = None) -> None:
    values = {"next_attempt_at": utcnow()}
    if waited is not None:
        values["waiting_since"] = utcnow() - waited
    db.session.execute(update(GradeOutbox).where(GradeOutbox.id == row.id).values(**values))
    db.session.commit()


def _response(status: int, body: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    return response


def test_422_kinds_are_told_apart() -> None:
    unpublished = judge(_response(422, '{"errors":[{"field":"grade","message":"cannot be changed at this time: '
                                       'This assignment is still unpublished","error_code":null}]}'))
    assert unpublished.kind == "waiting" and unpublished.reason.startswith("Waiting for the assignment to be published")
    unknown = judge(_response(422, '{"errors":{"message":"something else"}}'))
    assert unknown.kind == "waiting" and "something else" in unknown.reason
    observer = judge(_response(422, '{"errors":{"type":"unprocessable_entity","message":"User not found in course '
                                    'or is not a student"}}'))
    assert observer.kind == "permanent" and "not list them as a student" in observer.reason
    assert judge(_response(422, '{"errors":{"message":"This course has concluded"}}')).kind == "permanent"
    moodle = judge(_response(400, "[]"))  # Moodle, for a teacher or administrator: stays permanent, in plain words
    assert moodle.kind == "permanent" and "cannot grade this person" in moodle.reason


def test_waiting_schedule_grows_from_hours_to_days_with_a_cap() -> None:
    waited, tries = 0.0, []
    while waited < 20 * 86400:
        pause = waiting_seconds(waited)
        waited += pause
        tries.append(pause / HOUR)
    assert tries[:8] == [1, 1, 2, 4, 8, 16, 32, 64]
    assert max(tries) == WAITING_CAP / HOUR == 72 and tries[-1] == 72
    assert waiting_seconds(0) == WAITING_FIRST == HOUR


def test_unpublished_assignment_waits_without_holding_up_others_and_is_sent_once_published(env: GradeEnv) -> None:
    env.platform.ags_fault = {"mode": "422"}  # unpublished until the fault is cleared
    waiting, *others = _enqueue(env, LEARNERS[:3])
    worker = env.worker()
    before = utcnow()
    worker.run_once()
    db.session.expire_all()
    assert env.platform.score_posts == 3  # a 422 does not block the platform like a 429 or a 500 does
    for row in (waiting, *others):
        db.session.refresh(row)
        assert row.status == DeliveryStatus.WAITING and row.last_status == 422 and row.attempts == 0
        assert row.waiting_since is not None and "published" in row.reason
        assert row.next_attempt_at >= before + dt.timedelta(seconds=WAITING_FIRST - 5)  # an hour, not seconds
    assert waiting_deliveries(env.context_id) and failed_deliveries(env.context_id) == []  # waiting is not failed
    worker.run_once()
    assert env.platform.score_posts == 3  # not due yet
    env.platform.ags_fault = None  # the teacher publishes the assignment
    for row in (waiting, *others):
        _make_due(row)  # ...and the hour has passed
    worker.run_once()
    db.session.expire_all()
    for row in (waiting, *others):
        db.session.refresh(row)
        assert row.status == DeliveryStatus.DELIVERED
        assert len(env.scores_of(row.payload["userId"])) == 1
    assert waiting_deliveries(env.context_id) == []


def test_waiting_goes_on_for_days_then_gives_up(env: GradeEnv) -> None:
    env.platform.ags_fault = {"mode": "422"}
    (row,) = _enqueue(env, LEARNERS[:1])
    worker = env.worker()
    worker.run_once()
    db.session.refresh(row)
    first_since = row.waiting_since
    for waited, expected in ((dt.timedelta(hours=2), 2 * HOUR), (dt.timedelta(days=10), WAITING_CAP)):
        _make_due(row, waited)
        before = utcnow()
        worker.run_once()
        db.session.expire_all()
        db.session.refresh(row)
        assert row.status == DeliveryStatus.WAITING and row.attempts == 0
        pause = (row.next_attempt_at - before).total_seconds()
        assert expected - 5 <= pause <= expected + 5, pause
    assert first_since is not None
    _make_due(row, dt.timedelta(days=61))
    worker.run_once()
    db.session.expire_all()
    db.session.refresh(row)
    assert row.status == DeliveryStatus.FAILED and row.reason.startswith("Gave up after waiting 61 days")
    assert [r.id for r in failed_deliveries(env.context_id)] == [row.id]
    retry_delivery(row.id, context_id=env.context_id)  # the trainer sends it again: the schedule starts afresh
    db.session.commit()
    worker.run_once()
    db.session.expire_all()
    db.session.refresh(row)
    assert row.status == DeliveryStatus.WAITING and row.waiting_since > first_since


def test_trainer_may_send_a_waiting_score_now_and_a_newer_score_replaces_it(env: GradeEnv) -> None:
    env.platform.ags_fault = {"mode": "422", "count": 1}
    (row,) = _enqueue(env, LEARNERS[:1])
    worker = env.worker()
    worker.run_once()
    db.session.refresh(row)
    assert row.status == DeliveryStatus.WAITING
    retry_delivery(row.id, context_id=env.context_id)  # "Send now" after publishing
    db.session.commit()
    worker.run_once()
    db.session.refresh(row)
    assert row.status == DeliveryStatus.DELIVERED
    env.platform.ags_fault = {"mode": "422", "count": 1}
    session = env.session(LEARNERS[1])
    old = enqueue_score(session, source_kind="quiz_attempt", source_id="a", score_given=3, score_maximum=10)
    db.session.commit()
    worker.run_once()
    db.session.refresh(old)
    assert old.status == DeliveryStatus.WAITING
    time.sleep(0.01)
    new = enqueue_score(session, source_kind="quiz_attempt", source_id="b", score_given=9, score_maximum=10)
    db.session.commit()
    db.session.refresh(old)
    assert old.status == DeliveryStatus.SUPERSEDED and old.superseded_by_id == new.id
    env.drain(worker)
    assert [s["scoreGiven"] for s in env.scores_of(LEARNERS[1])] == [9]
    assert db.session.execute(select(GradeOutbox.status).where(GradeOutbox.id == new.id)).scalar_one() == "delivered"
