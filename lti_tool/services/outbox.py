"""Queue scores for delivery (the interface other features call) and read delivery state for trainers.

``enqueue_score`` only adds rows to the caller's transaction: the caller commits the result and the
outbox row together, so a grade is either stored with its delivery order or not at all. Workers
(:mod:`lti_tool.services.worker`) send the rows later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, func, or_, select, update

from ..db import utcnow
from ..extensions import db
from ..lti.constants import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE, Role
from ..lti.models import LtiUser, Membership, ResourceLink
from ..lti.session import ToolSession
from .models import SENDABLE, DeliveryStatus, GradeOutbox, LineItemLink

ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING_PROGRESS = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
              SCOPE_SCORE)
_MS = dt.timedelta(milliseconds=1)

NO_AGS = ("The course did not offer grade passback for this activity (the launch had no Assignment and Grade "
          "Services claim), so this result stays in the tool only.")
NO_SCORE_SCOPE = ("The platform did not give the tool permission to send scores (no score scope in the launch), "
                  "so this result stays in the tool only.")
NO_LINE_ITEM = ("The platform named no gradebook column for this activity and did not let the tool look one up "
                "or create one, so this result stays in the tool only.")


class ScoreClock:
    """Per-app memory of the last timestamp handed out per (user, line item key) in this process."""

    def __init__(self, limit: int = 100_000) -> None:
        self.lock = threading.Lock()
        self.last: dict[tuple[int, str], dt.datetime] = {}
        self.limit = limit

    def remember(self, key: tuple[int, str], value: dt.datetime) -> None:
        if len(self.last) >= self.limit:
            self.last.clear()
        self.last[key] = value



@dataclass(frozen=True)
class _Target:
    """Where a score goes, or why it cannot go anywhere."""

    key: str
    lineitem_url: str | None
    lineitems_url: str | None
    scopes: str
    not_applicable: str | None = None


_LEARNER_PREFIXES = ("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
                     "http://purl.imsglobal.org/vocab/lis/v2/membership/Learner#", "urn:lti:role:ims/lis/Learner")


def has_learner_role(lti_roles: list[str] | str) -> bool:
    """Tell whether platform roles include a course learner role (full LIS URI, a sub-role, or Moodle's short
    ``Learner``). Observers (``membership#Mentor``), teachers and administrators have none."""
    roles = lti_roles.split() if isinstance(lti_roles, str) else lti_roles
    return any(r == "Learner" or r.startswith(_LEARNER_PREFIXES) for r in roles)


def is_gradable(session: ToolSession) -> bool:
    """Tell whether a score may be queued for the session's user at all.

    Only learners are graded: a trainer's preview, an administrator, and anyone whose platform roles in
    the course (as recorded at their launch) name no learner role, such as a Canvas observer
    (``membership#Mentor``, which the tool otherwise treats as a learner), get no score: the platform would
    refuse it (Moodle 400, Canvas 422). With no roles recorded, the session's role decides.
    """
    if session.role != Role.LEARNER:
        return False
    recorded = db.session.execute(select(Membership.lti_roles).where(
        Membership.context_id == session.context_id, Membership.user_id == session.user_id)).scalar()
    return not recorded or has_learner_role(recorded)


def to_iso_ms(value: dt.datetime) -> str:
    """Format an aware datetime as UTC ISO 8601 with milliseconds, e.g. 2025-01-31T09:15:02.123+00:00."""
    value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+00:00"


def _truncate_ms(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


def _url_key(url: str) -> str:
    return "url:" + hashlib.sha256(url.encode()).hexdigest()


def _target(session: ToolSession, resource_id: str | None) -> _Target:
    ags = (session.data or {}).get("ags") or {}
    scopes = [s for s in ags.get("scope") or [] if isinstance(s, str)] if isinstance(ags, dict) else []
    scope_text = " ".join(s for s in scopes if s in AGS_SCOPES)
    rl = session.resource_link_id
    lineitem = ags.get("lineitem") if isinstance(ags, dict) else None
    lineitems = ags.get("lineitems") if isinstance(ags, dict) else None
    if lineitem:
        key = f"rl:{rl}" if rl and not resource_id else _url_key(lineitem)
    elif resource_id:
        key = f"res:{session.context_id}:{resource_id}"
    elif rl:
        key = f"rl:{rl}"
    else:
        key = "none"
    if not ags:
        return _Target(key, None, None, scope_text, NO_AGS)
    if SCOPE_SCORE not in scopes:
        return _Target(key, None, None, scope_text, NO_SCORE_SCOPE)
    if lineitem:
        return _Target(key, lineitem, lineitems, scope_text)
    if key == "none":
        return _Target(key, None, lineitems, scope_text, NO_LINE_ITEM)
    can_look_up = lineitems and ({SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY} & set(scopes))
    if not can_look_up and _known_line_item(session, resource_id) is None:
        return _Target(key, None, lineitems, scope_text, NO_LINE_ITEM)
    return _Target(key, None, lineitems, scope_text)


def _known_line_item(session: ToolSession, resource_id: str | None) -> str | None:
    """Return a line item URL already known for the link or resourceId (remembered or from a launch)."""
    link_key = f"res:{resource_id}" if resource_id else f"rl:{session.resource_link_id}"
    found = db.session.execute(select(LineItemLink.lineitem_url).where(
        LineItemLink.context_id == session.context_id, LineItemLink.link_key == link_key)).scalar()
    if found or resource_id or not session.resource_link_id:
        return found
    return db.session.execute(select(ResourceLink.lineitem_url).where(
        ResourceLink.id == session.resource_link_id)).scalar()


def _next_timestamp(user_id: int, key: str, whole_seconds: bool) -> dt.datetime:
    """Return a timestamp later than every earlier one for (user, key); the caller holds the user row lock.

    ``whole_seconds`` (Moodle) also moves it into a later second than the previous one, because
    Moodle compares timestamps to the second and refuses the second score of a second with 409.
    """
    clock: ScoreClock = current_app.extensions["r2com"]["grade_clock"]
    with clock.lock:
        previous = db.session.execute(select(func.max(GradeOutbox.timestamp)).where(
            GradeOutbox.user_id == user_id, GradeOutbox.line_item_key == key)).scalar()
        remembered = clock.last.get((user_id, key))
        if remembered and (previous is None or remembered > previous):
            previous = remembered
        now = _truncate_ms(utcnow())
        if previous is not None:
            if now <= previous:
                now = previous + _MS
            if whole_seconds and now.replace(microsecond=0) == previous.replace(microsecond=0):
                now = previous.replace(microsecond=0) + dt.timedelta(seconds=1)
        clock.remember((user_id, key), now)
        return now


def _check(score_given: float | None, score_maximum: float | None, activity: str, grading: str) -> None:
    if activity not in ACTIVITY_PROGRESS:
        raise ValueError(f"activity_progress must be one of {ACTIVITY_PROGRESS}, not {activity!r}")
    if grading not in GRADING_PROGRESS:
        raise ValueError(f"grading_progress must be one of {GRADING_PROGRESS}, not {grading!r}")
    if score_given is not None:
        if score_given < 0:
            raise ValueError("score_given must be 0 or more")
        if score_maximum is None or score_maximum <= 0:
            raise ValueError("score_maximum must be greater than 0 when score_given is set")


def enqueue_score(session: ToolSession, *, source_kind: str, source_id: str, score_given: float | None,
                  score_maximum: float | None, activity_progress: str = "Completed",
                  grading_progress: str = "FullyGraded", started_at: dt.datetime | None = None,
                  submitted_at: dt.datetime | None = None, comment: str | None = None, label: str | None = None,
                  resource_id: str | None = None, tag: str | None = None) -> GradeOutbox:
    """Add a score for the session's user to the outbox; does not commit (the caller commits).

    Enqueuing the same (source_kind, source_id) again returns the existing row unless what the
    score says changed; then the new row supersedes the older pending ones.

    Raises:
        ValueError: On an unknown progress value or an impossible score.
    """
    _check(score_given, score_maximum, activity_progress, grading_progress)
    target = _target(session, resource_id)
    # Locking the user row (PostgreSQL) serialises concurrent enqueues for one person until commit,
    # so two transactions can never hand out the same timestamp.
    sub = db.session.execute(select(LtiUser.sub).where(LtiUser.id == session.user_id).with_for_update()).scalar_one()
    body: dict[str, Any] = {"userId": sub, "activityProgress": activity_progress, "gradingProgress": grading_progress}
    if score_given is not None:
        body["scoreGiven"] = score_given
    if score_maximum is not None:
        body["scoreMaximum"] = score_maximum
    if comment:
        body["comment"] = comment
    submission = {k: to_iso_ms(v) for k, v in (("startedAt", started_at), ("submittedAt", submitted_at)) if v}
    if submission:
        body["submission"] = submission
    fingerprint = {"body": body, "key": target.key, "url": target.lineitem_url, "na": target.not_applicable,
                   "label": label, "resource_id": resource_id, "tag": tag}
    payload_hash = hashlib.sha256(json.dumps(fingerprint, sort_keys=True, default=str).encode()).hexdigest()
    existing = db.session.execute(select(GradeOutbox).where(
        GradeOutbox.source_kind == source_kind, GradeOutbox.source_id == source_id)
        .order_by(GradeOutbox.id.desc()).limit(1)).scalar()
    if existing is not None and existing.payload_hash == payload_hash:
        return existing
    if target.not_applicable:
        timestamp = _truncate_ms(utcnow())
    else:
        info = current_app.extensions["r2com"]["platforms"].by_id(session.platform_id)
        timestamp = _next_timestamp(session.user_id, target.key, bool(info and info.product == "moodle"))
    body["timestamp"] = to_iso_ms(timestamp)
    row = GradeOutbox(
        platform_id=session.platform_id, context_id=session.context_id, user_id=session.user_id,
        resource_link_id=session.resource_link_id, source_kind=source_kind, source_id=source_id,
        line_item_key=target.key, lineitem_url=target.lineitem_url, lineitems_url=target.lineitems_url,
        scopes=target.scopes, label=label, resource_id=resource_id, tag=tag, payload=body,
        payload_hash=payload_hash, timestamp=timestamp, attempts=0, next_attempt_at=utcnow(),
        status=DeliveryStatus.NOT_APPLICABLE if target.not_applicable else DeliveryStatus.PENDING,
        reason=target.not_applicable)
    db.session.add(row)
    db.session.flush()
    same_source = (GradeOutbox.source_kind == source_kind) & (GradeOutbox.source_id == source_id)
    same_column = (GradeOutbox.user_id == session.user_id) & (GradeOutbox.line_item_key == target.key)
    older: ColumnElement[bool] = or_(same_source, same_column) if row.status == DeliveryStatus.PENDING else same_source
    db.session.execute(
        update(GradeOutbox)
        .where(older, GradeOutbox.id != row.id, GradeOutbox.status.in_([str(s) for s in SENDABLE]),
               GradeOutbox.timestamp <= row.timestamp)
        .values(status=DeliveryStatus.SUPERSEDED, superseded_by_id=row.id, updated_at=utcnow(),
                reason="A newer score for the same activity replaced this one before it was sent.")
        .execution_options(synchronize_session=False))
    return row


def enqueue_completion(session: ToolSession, *, source_kind: str, source_id: str, as_score: bool,
                       submitted_at: dt.datetime | None = None, label: str | None = None,
                       resource_id: str | None = None, tag: str | None = None) -> GradeOutbox:
    """Report a manual completion: as 1/1 when ``as_score``, else as completion only (no score)."""
    return enqueue_score(session, source_kind=source_kind, source_id=source_id,
                         score_given=1.0 if as_score else None, score_maximum=1.0 if as_score else None,
                         activity_progress="Completed", grading_progress="FullyGraded" if as_score else "NotReady",
                         submitted_at=submitted_at, label=label, resource_id=resource_id, tag=tag)


def delivery_status(source_kind: str, source_id: str) -> GradeOutbox | None:
    """Return the latest outbox row of a source (its ``status`` and ``reason``), or ``None``."""
    return db.session.execute(select(GradeOutbox).where(
        GradeOutbox.source_kind == source_kind, GradeOutbox.source_id == source_id)
        .order_by(GradeOutbox.id.desc()).limit(1)).scalar()


def failed_deliveries(context_id: int, *, include_retrying: bool = True, retrying_after: int = 3) -> list[GradeOutbox]:
    """Return the course's scores that did not reach the platform, newest first, for the trainer.

    That is: refused for good (``failed``), ``not_applicable``, and (``include_retrying``) pending rows
    that already failed ``retrying_after`` times and are still being retried. Rows waiting for the platform
    (an unpublished assignment) are not failures: see :func:`waiting_deliveries`.
    """
    bad: ColumnElement[bool] = GradeOutbox.status.in_([DeliveryStatus.FAILED, DeliveryStatus.NOT_APPLICABLE])
    if include_retrying:
        bad = or_(bad, (GradeOutbox.status == DeliveryStatus.PENDING) & (GradeOutbox.attempts >= retrying_after))
    return list(db.session.execute(select(GradeOutbox).where(GradeOutbox.context_id == context_id, bad)
                                   .order_by(GradeOutbox.id.desc())).scalars())


def waiting_deliveries(context_id: int) -> list[GradeOutbox]:
    """Return the course's scores waiting for the platform (e.g. an assignment to be published), newest first."""
    return list(db.session.execute(select(GradeOutbox).where(
        GradeOutbox.context_id == context_id, GradeOutbox.status == DeliveryStatus.WAITING)
        .order_by(GradeOutbox.id.desc())).scalars())


def retry_delivery(outbox_id: int, *, context_id: int | None = None) -> GradeOutbox:
    """Send a failed, retrying or waiting score again as soon as a worker is free; does not commit.

    ``context_id`` restricts the row to one course (pass the trainer's context). Rows that were
    delivered, superseded or not applicable are returned unchanged.

    Raises:
        LookupError: When no such row exists (in that context).
    """
    row = db.session.get(GradeOutbox, outbox_id)
    if row is None or (context_id is not None and row.context_id != context_id):
        raise LookupError(f"no grade delivery {outbox_id}")
    if row.status in (DeliveryStatus.FAILED, DeliveryStatus.PENDING, DeliveryStatus.WAITING):
        row.status = DeliveryStatus.PENDING
        row.attempts = 0
        row.waiting_since = None  # a trainer's "send again" starts the waiting schedule afresh
        row.next_attempt_at = utcnow()
        row.lease_owner = None
        row.lease_until = None
        db.session.flush()
    return row
