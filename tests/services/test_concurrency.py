"""Several workers at once: claims never overlap and no row is delivered twice."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from lti_tool.extensions import db
from lti_tool.lti.models import ResourceLink
from lti_tool.lti.session import ToolSession
from lti_tool.services import enqueue_score
from lti_tool.services.lineitems import remember
from lti_tool.services.models import DeliveryStatus, GradeOutbox, LineItemLink
from lti_tool.services.worker import DeliveryWorker

from .conftest import COURSE, LEARNERS, GradeEnv

SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


def _many_scores(env: GradeEnv, columns: int) -> list[int]:
    """Enqueue one score per learner per new line item (none supersedes another)."""
    ids = []
    for c in range(columns):
        item = env.platform.create_line_item(COURSE, env.client_id, f"Quiz {c}", 10)
        claim = {"scope": [SCORE], "lineitems": env.lineitems_url,
                 "lineitem": env.platform.url(f"/api/ags/{COURSE}/lineitems/{item.item_id}")}
        for sub in LEARNERS:
            session = ToolSession("t", "s", env.users[sub], env.context_id, env.platform_id, None, "learner",
                                  "LtiResourceLinkRequest", {"ags": claim})
            ids.append(enqueue_score(session, source_kind="q", source_id=f"{c}-{sub}", score_given=c,
                                     score_maximum=10).id)
    db.session.commit()
    return ids


def test_two_workers_never_deliver_the_same_row_twice(env: GradeEnv) -> None:
    ids = _many_scores(env, columns=5)
    workers = [env.worker(batch_size=7), env.worker(batch_size=7)]
    handled: list[int] = []
    stop = threading.Event()

    def run(worker: DeliveryWorker) -> None:
        handled.append(worker.run(stop, idle_seconds=0.05, once=True))

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    assert env.count(DeliveryStatus.DELIVERED) == len(ids)
    assert env.platform.score_posts == len(ids)  # no second POST of any row (it would be a 409)
    assert len(env.platform.scores) == len(ids)
    assert sum(handled) == len(ids) and all(handled), handled


def test_parallel_posts_within_one_worker(env: GradeEnv) -> None:
    ids = _many_scores(env, columns=3)
    env.platform.ags_fault = {"mode": "hang", "hang_seconds": 0.05}
    worker = env.worker(concurrency=8, batch_size=40)
    started = time.monotonic()
    env.drain(worker)
    assert time.monotonic() - started < len(ids) * 0.05 / 2  # posts overlapped
    assert env.count(DeliveryStatus.DELIVERED) == len(ids) == env.platform.score_posts


def test_parallel_posts_resolve_line_items_once(env: GradeEnv) -> None:
    for item in env.platform.line_items_for(COURSE, env.client_id):
        env.platform.line_items.pop(item.item_id)
    claim = env.claim(lineitem=False, scopes=(SCORE, LINEITEM))
    for sub in LEARNERS:
        enqueue_score(env.session(sub, ags=claim), source_kind="q", source_id=sub, score_given=1, score_maximum=1)
    db.session.commit()
    env.drain(env.worker(concurrency=6))
    assert env.count(DeliveryStatus.DELIVERED) == len(LEARNERS)
    assert len(env.platform.line_items_for(COURSE, env.client_id)) == 1
    assert [e.method for e in env.platform.request_log if "/lineitems" in e.path and "/scores" not in e.path] == \
        ["GET", "POST"]


def test_line_item_created_twice_by_two_workers_is_deleted_again(env: GradeEnv) -> None:
    """The loser of a creation race adopts the winner's line item and deletes its own."""
    worker = env.worker()
    token = worker.tokens.get(worker.platforms.by_id(env.platform_id), [LINEITEM, SCORE])
    mine = env.platform.create_line_item(COURSE, env.client_id, "Mine", 10)
    theirs_url = env.lineitem_url()
    db.session.add(LineItemLink(context_id=env.context_id, link_key=f"rl:{env.link_id}", lineitem_url=theirs_url,
                                resource_link_id=env.link_id, created_by_tool=True))
    db.session.commit()
    row = SimpleNamespace(context_id=env.context_id, resource_id=None, resource_link_id=env.link_id)
    link = db.session.get(ResourceLink, env.link_id)
    mine_url = env.platform.url(f"/api/ags/{COURSE}/lineitems/{mine.item_id}")
    assert remember(row, link, mine_url, created=True, token=token, ags=worker.ags) == theirs_url
    assert mine.item_id not in env.platform.line_items


def test_claims_do_not_overlap(env: GradeEnv) -> None:
    _many_scores(env, columns=1)
    one, two = env.worker(batch_size=10), env.worker(batch_size=10)
    _, first = one.claim()
    _, second = two.claim()
    assert len(first) == len(second) == 10
    assert not {r.id for r in first} & {r.id for r in second}


def test_conditional_update_skips_rows_taken_meanwhile(env: GradeEnv) -> None:
    """A worker that saw rows as due but lost the race to lease them gets none of them."""
    _many_scores(env, columns=1)
    slow, fast = env.worker(batch_size=5), env.worker(batch_size=5)
    seen = list(db.session.execute(select(GradeOutbox.id).order_by(GradeOutbox.id).limit(5)).scalars())
    db.session.rollback()
    _, taken = fast.claim()
    assert [r.id for r in taken] == seen
    owner, got = slow.lease(seen)
    assert got == []
    assert db.session.execute(select(GradeOutbox.lease_owner).where(GradeOutbox.id == seen[0])).scalar() != owner


def test_skip_locked_passes_over_rows_locked_elsewhere(env: GradeEnv) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL only; SQLite is covered by the conditional-UPDATE test")
    _many_scores(env, columns=1)
    first_id = db.session.execute(select(GradeOutbox.id).order_by(GradeOutbox.id).limit(1)).scalar_one()
    db.session.rollback()
    with db.engine.connect() as other:
        other.execute(text("SET lock_timeout = '2s'"))
        other.execute(select(GradeOutbox.id).where(GradeOutbox.id == first_id).with_for_update())
        started = time.monotonic()
        _, rows = env.worker(batch_size=5).claim()
        assert time.monotonic() - started < 1.5
        assert rows and first_id not in {r.id for r in rows}
        other.rollback()


def test_a_claim_takes_the_earliest_due_rows_across_pending_and_waiting(env: GradeEnv) -> None:
    """The claim reads one index range per status and merges them: the earliest due rows win, whatever
    their status, rows not yet due stay, and no more than the batch is leased."""
    import datetime as dt

    from lti_tool.db import utcnow

    ids = _many_scores(env, columns=2)
    now = utcnow()
    plan = {ids[0]: (DeliveryStatus.WAITING, -50), ids[1]: (DeliveryStatus.PENDING, -40),
            ids[2]: (DeliveryStatus.WAITING, -30), ids[3]: (DeliveryStatus.PENDING, 60)}
    for row in db.session.execute(select(GradeOutbox)).scalars():
        status, minutes = plan.get(row.id, (DeliveryStatus.PENDING, -10))
        row.status, row.next_attempt_at = status, now + dt.timedelta(minutes=minutes)
    db.session.commit()
    worker = env.worker(batch_size=4)
    owner, rows = worker.claim()
    later = [i for i in ids[4:]][:1]
    assert [r.id for r in rows] == sorted([ids[0], ids[1], ids[2], *later])
    assert ids[3] not in {r.id for r in rows}  # not due yet
    db.session.expire_all()
    leased = db.session.execute(select(GradeOutbox.id).where(GradeOutbox.lease_owner == owner)).scalars().all()
    assert sorted(leased) == sorted(r.id for r in rows)
