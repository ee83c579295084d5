"""enqueue_score and the trainer-facing reads: payload, idempotency, timestamps, not-applicable rows."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti.models import Platform
from lti_tool.services import (
    delivery_status,
    enqueue_completion,
    enqueue_score,
    failed_deliveries,
    outbox,
    retry_delivery,
)
from lti_tool.services.models import DeliveryStatus, GradeOutbox

from .conftest import LEARNERS, GradeEnv

SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"


def _enqueue(env: GradeEnv, source_id: str = "a1", **kwargs):
    session = kwargs.pop("session", None) or env.session()
    values = {"score_given": 8.0, "score_maximum": 10.0}
    values.update(kwargs)
    return enqueue_score(session, source_kind="quiz_attempt", source_id=source_id, **values)


def test_payload_carries_every_score_field(env: GradeEnv) -> None:
    started = dt.datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=dt.timezone.utc)
    submitted = dt.datetime(2025, 3, 1, 9, 20, 5, 987000, tzinfo=dt.timezone.utc)
    row = _enqueue(env, started_at=started, submitted_at=submitted, comment="Well done")
    db.session.commit()
    body = row.payload
    assert body["userId"] == LEARNERS[0]
    assert (body["scoreGiven"], body["scoreMaximum"]) == (8.0, 10.0)
    assert (body["activityProgress"], body["gradingProgress"]) == ("Completed", "FullyGraded")
    assert body["submission"] == {"startedAt": "2025-03-01T09:00:00.123+00:00",
                                  "submittedAt": "2025-03-01T09:20:05.987+00:00"}
    assert body["comment"] == "Well done"
    assert body["timestamp"].endswith("+00:00") and len(body["timestamp"].split(".")[1]) == len("123+00:00")
    assert row.status == DeliveryStatus.PENDING
    assert row.lineitem_url == env.lineitem_url()


def test_enqueue_does_not_commit(env: GradeEnv) -> None:
    _enqueue(env)
    db.session.rollback()
    assert env.count() == 0


def test_same_source_twice_returns_the_existing_row(env: GradeEnv) -> None:
    first = _enqueue(env)
    db.session.commit()
    again = _enqueue(env)
    assert again.id == first.id
    assert env.count() == 1


def test_changed_payload_supersedes_the_old_row(env: GradeEnv) -> None:
    first = _enqueue(env, score_given=5.0)
    db.session.commit()
    second = _enqueue(env, score_given=9.0)
    db.session.commit()
    db.session.refresh(first)
    assert second.id != first.id
    assert first.status == DeliveryStatus.SUPERSEDED and first.superseded_by_id == second.id
    assert second.timestamp > first.timestamp
    assert delivery_status("quiz_attempt", "a1").id == second.id


def test_newer_score_for_the_same_column_supersedes_other_sources(env: GradeEnv) -> None:
    quiz = _enqueue(env, "a1")
    completion = enqueue_completion(env.session(), source_kind="module", source_id="m1", as_score=True)
    db.session.commit()
    db.session.refresh(quiz)
    assert quiz.status == DeliveryStatus.SUPERSEDED
    assert completion.payload["scoreGiven"] == 1.0 and completion.payload["scoreMaximum"] == 1.0


def test_completion_only_sends_no_score(env: GradeEnv) -> None:
    row = enqueue_completion(env.session(), source_kind="module", source_id="m1", as_score=False)
    assert "scoreGiven" not in row.payload and "scoreMaximum" not in row.payload
    assert row.payload["activityProgress"] == "Completed"


def test_timestamps_strictly_increase_within_one_millisecond(env: GradeEnv, monkeypatch) -> None:
    frozen = dt.datetime(2025, 5, 1, 12, 0, 0, 500_000, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(outbox, "utcnow", lambda: frozen)
    rows = [_enqueue(env, f"a{i}", score_given=float(i)) for i in range(5)]
    db.session.commit()
    stamps = [r.payload["timestamp"] for r in rows]
    assert stamps == [f"2025-05-01T12:00:00.{500 + i:03d}+00:00" for i in range(5)]
    # A clock that goes backwards never produces an earlier timestamp either.
    monkeypatch.setattr(outbox, "utcnow", lambda: frozen - dt.timedelta(seconds=30))
    later = _enqueue(env, "a9")
    assert later.payload["timestamp"] == "2025-05-01T12:00:00.505+00:00"


def test_timestamps_are_per_user_and_line_item(env: GradeEnv, monkeypatch) -> None:
    frozen = dt.datetime(2025, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(outbox, "utcnow", lambda: frozen)
    a = _enqueue(env, "a1", session=env.session(LEARNERS[0]))
    b = _enqueue(env, "b1", session=env.session(LEARNERS[1]))
    assert a.payload["timestamp"] == b.payload["timestamp"] == "2025-05-01T12:00:00.000+00:00"


def test_moodle_scores_move_to_the_next_second(env: GradeEnv, monkeypatch) -> None:
    db.session.execute(Platform.__table__.update().values(product="moodle"))
    db.session.commit()
    env.app.extensions["r2com"]["platforms"].invalidate()
    frozen = dt.datetime(2025, 5, 1, 12, 0, 0, 250_000, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(outbox, "utcnow", lambda: frozen)
    first = _enqueue(env, "a1")
    second = _enqueue(env, "a2")
    assert first.payload["timestamp"] == "2025-05-01T12:00:00.250+00:00"
    assert second.payload["timestamp"] == "2025-05-01T12:00:01.000+00:00"


def test_launch_without_ags_is_not_applicable(env: GradeEnv) -> None:
    row = _enqueue(env, session=env.session(ags=None))
    db.session.commit()
    assert row.status == DeliveryStatus.NOT_APPLICABLE
    assert "no Assignment and Grade Services claim" in row.reason
    assert [r.id for r in failed_deliveries(env.context_id)] == [row.id]


def test_missing_score_scope_is_not_applicable(env: GradeEnv) -> None:
    row = _enqueue(env, session=env.session(ags=env.claim(scopes=(LINEITEM_READONLY,))))
    assert row.status == DeliveryStatus.NOT_APPLICABLE
    assert "permission to send scores" in row.reason


def test_no_line_item_and_no_lookup_scope_is_not_applicable(env: GradeEnv) -> None:
    row = _enqueue(env, session=env.session(ags=env.claim(lineitem=False, scopes=(SCORE,))))
    assert row.status == DeliveryStatus.NOT_APPLICABLE
    assert "gradebook column" in row.reason


def test_not_applicable_then_applicable_makes_a_new_row(env: GradeEnv) -> None:
    first = _enqueue(env, session=env.session(ags=None))
    db.session.commit()
    second = _enqueue(env)
    assert second.id != first.id and second.status == DeliveryStatus.PENDING


def test_bad_values_are_refused(env: GradeEnv) -> None:
    with pytest.raises(ValueError):
        _enqueue(env, activity_progress="Done")
    with pytest.raises(ValueError):
        _enqueue(env, grading_progress="Graded")
    with pytest.raises(ValueError):
        _enqueue(env, score_given=3.0, score_maximum=None)
    with pytest.raises(ValueError):
        _enqueue(env, score_given=-1.0)


def test_retry_delivery_requeues_a_failed_row(env: GradeEnv) -> None:
    row = _enqueue(env)
    row.status, row.attempts, row.reason = DeliveryStatus.FAILED, 3, "refused"
    db.session.commit()
    assert [r.id for r in failed_deliveries(env.context_id)] == [row.id]
    again = retry_delivery(row.id, context_id=env.context_id)
    db.session.commit()
    assert again.status == DeliveryStatus.PENDING and again.attempts == 0
    assert failed_deliveries(env.context_id) == []
    with pytest.raises(LookupError):
        retry_delivery(row.id, context_id=env.context_id + 1)


def test_failed_deliveries_include_rows_still_retrying(env: GradeEnv) -> None:
    row = _enqueue(env)
    row.attempts, row.reason = 5, "The platform could not be reached"
    db.session.commit()
    assert [r.id for r in failed_deliveries(env.context_id)] == [row.id]
    assert failed_deliveries(env.context_id, include_retrying=False) == []


def test_delivery_status_of_unknown_source_is_none(env: GradeEnv) -> None:
    assert delivery_status("quiz_attempt", "nope") is None
    assert db.session.execute(select(GradeOutbox)).first() is None
