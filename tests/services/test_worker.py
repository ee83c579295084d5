"""The delivery worker against a real development platform over loopback HTTP."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.services import enqueue_score, failed_deliveries
from lti_tool.services.models import DeliveryStatus, GradeOutbox, LineItemLink

from .conftest import COURSE, INSTRUCTOR, LEARNERS, LINK, GradeEnv

SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"


def _enqueue_all(env: GradeEnv, subs: list[str] = LEARNERS[:3], **kwargs) -> list[GradeOutbox]:
    rows = []
    for n, sub in enumerate(subs):
        session = kwargs.pop("session", None) or env.session(sub)
        values = {"score_given": float(n), "score_maximum": 10.0, **kwargs}
        rows.append(enqueue_score(session, source_kind="quiz_attempt", source_id=f"{sub}-1", **values))
    db.session.commit()
    return rows


def _assert_each_arrived_once(env: GradeEnv, rows: list[GradeOutbox]) -> None:
    db.session.expire_all()
    for row in rows:
        db.session.refresh(row)
        assert row.status == DeliveryStatus.DELIVERED, row.reason
        arrived = [s for s in env.scores_of(row.payload["userId"]) if s["timestamp"] == row.payload["timestamp"]]
        assert len(arrived) == 1, f"{row} arrived {len(arrived)} times"


def test_every_score_field_arrives(env: GradeEnv) -> None:
    started = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.timezone.utc)
    row = enqueue_score(env.session(), source_kind="quiz_attempt", source_id="x", score_given=7.5, score_maximum=10,
                        started_at=started, submitted_at=started + dt.timedelta(minutes=12), comment="Good work")
    db.session.commit()
    env.drain()
    (received,) = env.scores_of(LEARNERS[0])
    assert received == row.payload
    assert received["scoreGiven"] == 7.5 and received["scoreMaximum"] == 10
    assert received["activityProgress"] == "Completed" and received["gradingProgress"] == "FullyGraded"
    assert received["submission"] == {"startedAt": "2025-03-01T09:00:00.000+00:00",
                                      "submittedAt": "2025-03-01T09:12:00.000+00:00"}
    assert received["comment"] == "Good work" and received["userId"] == LEARNERS[0]
    db.session.refresh(row)
    assert row.status == DeliveryStatus.DELIVERED and row.delivered_at and row.last_status == 200
    assert row.lease_owner is None


def test_one_token_request_for_many_scores(env: GradeEnv) -> None:
    rows = _enqueue_all(env, LEARNERS)
    env.drain(env.worker(batch_size=5))
    _assert_each_arrived_once(env, rows)
    assert env.platform.token_requests == 1


def test_platform_down_loses_nothing(env: GradeEnv) -> None:
    env.stop_platform()
    rows = _enqueue_all(env)
    worker = env.worker()
    for _ in range(3):
        worker.run_once()
        time.sleep(0.3)
    db.session.expire_all()
    assert env.count(DeliveryStatus.PENDING) == 3
    assert all("could not be reached" in r.reason for r in db.session.execute(select(GradeOutbox)).scalars())
    env.start_platform()
    env.drain(worker)
    _assert_each_arrived_once(env, rows)


def test_server_errors_are_retried(env: GradeEnv) -> None:
    env.platform.ags_fault = {"mode": "500", "count": 4}
    rows = _enqueue_all(env)
    env.drain()
    _assert_each_arrived_once(env, rows)
    assert env.platform.score_posts >= 4 + 3


def test_rate_limit_honours_retry_after(env: GradeEnv) -> None:
    env.platform.ags_fault = {"mode": "429", "retry_after": 1, "count": 1}
    rows = _enqueue_all(env, LEARNERS[:2])
    worker = env.worker()
    before = utcnow()
    worker.run_once()
    db.session.expire_all()
    pending = db.session.execute(select(GradeOutbox).order_by(GradeOutbox.id)).scalars().all()
    assert [r.status for r in pending] == [DeliveryStatus.PENDING] * 2
    for row in pending:  # the whole platform waits, not only the refused row
        assert row.next_attempt_at >= before + dt.timedelta(seconds=0.9)
        assert "slow down" in row.reason
    assert env.platform.score_posts == 1
    worker.run_once()
    assert env.platform.score_posts == 1  # not due yet
    time.sleep(1.1)
    env.drain(worker)
    _assert_each_arrived_once(env, rows)


def test_hanging_platform_times_out_and_nothing_is_lost(env: GradeEnv) -> None:
    env.platform.ags_fault = {"mode": "hang", "hang_seconds": 1.5, "count": 1}
    rows = _enqueue_all(env, LEARNERS[:2])
    worker = env.worker(read_timeout=0.5)
    worker.run_once()
    db.session.expire_all()
    assert env.count(DeliveryStatus.PENDING) == 2
    assert "did not answer in time" in db.session.get(GradeOutbox, rows[0].id).reason
    time.sleep(1.5)  # the hung request completes on the platform side
    env.drain(worker)
    _assert_each_arrived_once(env, rows)


def test_abandoned_claim_is_delivered_after_the_lease(env: GradeEnv) -> None:
    rows = _enqueue_all(env)
    dead = env.worker(lease_seconds=1.0)
    owner, claimed = dead.claim()
    assert len(claimed) == 3
    other = env.worker()
    assert other.run_once() == 0  # leased rows are not taken
    time.sleep(1.1)
    env.drain(other)
    _assert_each_arrived_once(env, rows)
    dead._record(owner, [])  # nothing to write; and a late write from the dead worker changes nothing:
    from lti_tool.services.worker import _Outcome

    dead._record(owner, [_Outcome(rows[0].id, DeliveryStatus.FAILED, "late")])
    db.session.refresh(rows[0])
    assert rows[0].status == DeliveryStatus.DELIVERED


def test_redelivery_after_a_crash_counts_as_done(env: GradeEnv) -> None:
    rows = _enqueue_all(env, LEARNERS[:1])
    worker = env.worker(lease_seconds=1.0)
    _, claimed = worker.claim()
    worker.ags.post_score(env.lineitem_url(), worker.tokens.get(worker.platforms.by_id(env.platform_id), [SCORE]),
                          claimed[0].payload)  # posted, then "killed" before recording
    time.sleep(1.1)
    env.drain()
    db.session.refresh(rows[0])
    assert rows[0].status == DeliveryStatus.DELIVERED and rows[0].last_status == 409
    assert len(env.scores_of(LEARNERS[0])) == 1


def test_instructor_score_is_refused_for_good(env: GradeEnv) -> None:
    (row,) = _enqueue_all(env, [INSTRUCTOR])
    worker = env.worker()
    worker.run_once()
    db.session.refresh(row)
    assert row.status == DeliveryStatus.FAILED and row.last_status == 400
    assert "cannot grade this person" in row.reason
    posts = env.platform.score_posts
    worker.run_once()
    assert env.platform.score_posts == posts
    assert [r.id for r in failed_deliveries(env.context_id)] == [row.id]


def test_refused_scope_at_the_token_endpoint_fails_with_a_reason(env: GradeEnv) -> None:
    env.platform.clients[env.client_id].scopes = frozenset({LINEITEM_READONLY})
    (row,) = _enqueue_all(env, LEARNERS[:1])
    env.worker().run_once()
    db.session.refresh(row)
    assert row.status == DeliveryStatus.FAILED and "score scope was refused" in row.reason


def test_expired_token_is_dropped_and_fetched_again(env: GradeEnv) -> None:
    rows = _enqueue_all(env, LEARNERS[:1])
    worker = env.worker()
    env.drain(worker)
    env.platform.access_tokens.clear()  # the platform forgets the token: next POST gets 401
    rows += _enqueue_all(env, LEARNERS[1:2])
    env.drain(worker)
    _assert_each_arrived_once(env, rows)
    assert env.platform.token_requests == 2


def test_older_pending_score_is_superseded_not_sent(env: GradeEnv) -> None:
    session = env.session()
    old = enqueue_score(session, source_kind="quiz_attempt", source_id="1", score_given=3, score_maximum=10)
    db.session.commit()
    new = enqueue_score(session, source_kind="quiz_attempt", source_id="2", score_given=9, score_maximum=10)
    db.session.commit()
    env.drain()
    db.session.refresh(old)
    assert old.status == DeliveryStatus.SUPERSEDED
    assert [s["scoreGiven"] for s in env.scores_of(LEARNERS[0])] == [9]
    assert new.status == DeliveryStatus.PENDING or db.session.get(GradeOutbox, new.id).status == "delivered"


def _drop_default_line_item(env: GradeEnv) -> None:
    for item in env.platform.line_items_for(COURSE, env.client_id, LINK):
        env.platform.line_items.pop(item.item_id)


def test_line_item_found_by_resource_link_and_remembered(env: GradeEnv) -> None:
    _drop_default_line_item(env)
    for n in range(3):
        env.platform.create_line_item(COURSE, env.client_id, f"Other {n}", 10)
    target = env.platform.create_line_item(COURSE, env.client_id, "Ours", 10, resource_link_id=LINK)
    claim = env.claim(lineitem=False, scopes=(SCORE, LINEITEM_READONLY), lineitems=env.lineitems_url + "?limit=1")
    rows = _enqueue_all(env, LEARNERS[:2], session=None) if False else []
    for sub in LEARNERS[:2]:
        rows.append(enqueue_score(env.session(sub, ags=claim), source_kind="q", source_id=sub, score_given=1,
                                  score_maximum=2))
    db.session.commit()
    env.drain()
    _assert_each_arrived_once(env, rows)
    assert {s.item_id for s in env.platform.scores} == {target.item_id}
    lookups = [e for e in env.platform.request_log if e.method == "GET" and e.path.endswith("/lineitems")]
    assert len(lookups) == 1
    link = db.session.execute(select(LineItemLink)).scalar_one()
    assert link.lineitem_url.endswith(f"/lineitems/{target.item_id}") and not link.created_by_tool


def test_line_item_created_when_allowed_and_remembered(env: GradeEnv) -> None:
    _drop_default_line_item(env)
    claim = env.claim(lineitem=False, scopes=(SCORE, LINEITEM))
    first = enqueue_score(env.session(LEARNERS[0], ags=claim), source_kind="q", source_id="1", score_given=4,
                          score_maximum=5, label="Support profile quiz")
    db.session.commit()
    env.drain()
    second = enqueue_score(env.session(LEARNERS[1], ags=claim), source_kind="q", source_id="2", score_given=5,
                           score_maximum=5)
    db.session.commit()
    env.drain(env.worker())
    _assert_each_arrived_once(env, [first, second])
    (item,) = env.platform.line_items_for(COURSE, env.client_id)
    assert (item.label, item.score_maximum, item.resource_link_id) == ("Support profile quiz", 5.0, LINK)
    assert db.session.execute(select(LineItemLink)).scalar_one().created_by_tool


def test_line_item_by_resource_id_is_created_with_tag(env: GradeEnv) -> None:
    claim = env.claim(lineitem=False, scopes=(SCORE, LINEITEM))
    row = enqueue_score(env.session(ags=claim), source_kind="q", source_id="1", score_given=1, score_maximum=1,
                        resource_id="case-study-3", tag="cases", label="Case study 3")
    db.session.commit()
    env.drain()
    _assert_each_arrived_once(env, [row])
    (item,) = [i for i in env.platform.line_items.values() if i.resource_id == "case-study-3"]
    assert item.tag == "cases" and item.resource_link_id is None


def test_no_line_item_and_no_permission_to_create_fails_plainly(env: GradeEnv) -> None:
    _drop_default_line_item(env)
    claim = env.claim(lineitem=False, scopes=(SCORE, LINEITEM_READONLY))
    row = enqueue_score(env.session(ags=claim), source_kind="q", source_id="1", score_given=1, score_maximum=1)
    db.session.commit()
    env.worker().run_once()
    db.session.refresh(row)
    assert row.status == DeliveryStatus.FAILED and "gradebook column" in row.reason


def test_gives_up_after_max_attempts_with_the_last_reason(env: GradeEnv) -> None:
    env.platform.ags_fault = {"mode": "500"}
    (row,) = _enqueue_all(env, LEARNERS[:1])
    worker = env.worker(max_attempts=3)
    for _ in range(3):
        worker.run_once()
        time.sleep(0.35)
    db.session.refresh(row)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 3
    assert row.reason.startswith("Gave up after 3 attempts") and "temporary problem" in row.reason


def test_deleted_remembered_line_item_is_forgotten_and_found_again(env: GradeEnv) -> None:
    from lti_tool.services import retry_delivery

    _drop_default_line_item(env)
    claim = env.claim(lineitem=False, scopes=(SCORE, LINEITEM))
    first = enqueue_score(env.session(ags=claim), source_kind="q", source_id="1", score_given=1, score_maximum=2)
    db.session.commit()
    env.drain()
    _drop_default_line_item(env)  # a teacher deletes the column the tool created
    second = enqueue_score(env.session(LEARNERS[1], ags=claim), source_kind="q", source_id="2", score_given=2,
                           score_maximum=2)
    db.session.commit()
    env.worker().run_once()
    db.session.refresh(second)
    assert second.status == DeliveryStatus.FAILED and second.last_status == 404
    assert db.session.execute(select(LineItemLink)).first() is None
    retry_delivery(second.id)
    db.session.commit()
    env.drain()
    _assert_each_arrived_once(env, [first, second])
    assert len(env.platform.line_items_for(COURSE, env.client_id, LINK)) == 1


def test_disabled_platform_fails_with_a_reason(env: GradeEnv) -> None:
    from lti_tool.lti.models import Platform

    (row,) = _enqueue_all(env, LEARNERS[:1])
    db.session.execute(Platform.__table__.update().values(active=False))
    db.session.commit()
    env.app.extensions["r2com"]["platforms"].invalidate()
    env.worker().run_once()
    db.session.refresh(row)
    assert row.status == DeliveryStatus.FAILED and "disabled" in row.reason


def test_score_from_a_real_launch(env: GradeEnv) -> None:
    from urllib.parse import parse_qs, urlsplit

    from lti_tool.devplatform.driver import Browser
    from lti_tool.lti.session import load_session

    deployment = env.platform.clients[env.client_id].deployment_ids[0]
    with Browser() as browser:
        landed = browser.launch(env.platform.base_url, env.client_id, deployment, user=LEARNERS[4])
    assert landed.status_code == 200, landed.text[:300]
    session = load_session(parse_qs(urlsplit(landed.url).query)["ltik"][0])
    assert session.data["ags"]["lineitem"] == env.lineitem_url()
    row = enqueue_score(session, source_kind="quiz_attempt", source_id="launch", score_given=3, score_maximum=4)
    db.session.commit()
    env.drain()
    _assert_each_arrived_once(env, [row])


def test_unexpected_error_in_one_row_is_retried_later(env: GradeEnv, monkeypatch) -> None:
    rows = _enqueue_all(env, LEARNERS[:2])
    worker = env.worker()
    calls = {"n": 0}
    real = worker._lineitem_url

    def flaky(row, *args):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        return real(row, *args)

    monkeypatch.setattr(worker, "_lineitem_url", flaky)
    worker.run_once()
    db.session.refresh(rows[0])
    assert rows[0].status == DeliveryStatus.PENDING and "unexpected error (RuntimeError)" in rows[0].reason
    assert rows[0].attempts == 1
    env.drain(worker)
    _assert_each_arrived_once(env, rows)


def test_default_timeouts() -> None:
    import inspect

    from lti_tool.services.worker import DeliveryWorker

    params = inspect.signature(DeliveryWorker).parameters
    assert params["connect_timeout"].default == 3.05 and params["read_timeout"].default == 10.0
