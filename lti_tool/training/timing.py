"""Quiz time limits that are real and fair: enforced on the server, with extra time a trainer can grant.

A quiz that declares ``time_limit_minutes`` gives each attempt a deadline: its start plus the limit, plus the
learner's extra time in this course (a percentage a trainer grants, e.g. 25 % for dyslexia or a second
language). Quizzes without a limit have no deadline; that stays the default.

Enforcement, on the server: answers saved or submitted up to the deadline (plus a short grace for the network)
count. A submit that arrives later is still accepted, so nothing is lost, but it is scored on the answers saved
before the deadline (the page saves them as the learner goes, and once more when time runs out). An open attempt
whose deadline has passed is closed and scored the same way the next time it is opened.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Optional

from sqlalchemy import ForeignKey, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from ..content import model as m
from ..db import Base, created_at, utcnow
from ..extensions import db

log = logging.getLogger(__name__)

#: Answers that arrive this long after the deadline still count (a slow network, the final autosave).
GRACE = dt.timedelta(seconds=30)
#: Extra time a trainer can grant, in percent of the declared limit.
EXTRA_CHOICES = (0, 25, 50, 100)


class TimeAllowance(Base):
    """Extra time on timed quizzes for one learner in one course, granted by a trainer."""

    __tablename__ = "learning_time_allowance"
    __table_args__ = (UniqueConstraint("context_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    #: Extra time in percent of each quiz's declared limit (25 means 20 minutes become 25).
    extra_percent: Mapped[int] = mapped_column(default=0)
    granted_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    granted_at: Mapped[created_at]


def extra_percent(context_id: int, user_id: int) -> int:
    """Return the learner's extra time in this course, in percent (0 when none was granted)."""
    value = db.session.execute(select(TimeAllowance.extra_percent).where(
        TimeAllowance.context_id == context_id, TimeAllowance.user_id == user_id)).scalar()
    return int(value or 0)


def allowances(context_id: int) -> dict[int, int]:
    """Return {user id: extra percent} of a course."""
    return {uid: pct for uid, pct in db.session.execute(select(TimeAllowance.user_id, TimeAllowance.extra_percent)
                                                        .where(TimeAllowance.context_id == context_id))}


def grant(context_id: int, user_id: int, percent: int, by: int) -> TimeAllowance:
    """Set a learner's extra time in a course. Flushes.

    Raises:
        ValueError: ``percent`` is not one of :data:`EXTRA_CHOICES`.
    """
    if percent not in EXTRA_CHOICES:
        raise ValueError(f"extra time must be one of {EXTRA_CHOICES}")
    row = db.session.execute(select(TimeAllowance).where(TimeAllowance.context_id == context_id,
                                                         TimeAllowance.user_id == user_id)).scalar()
    if row is None:
        row = TimeAllowance(context_id=context_id, user_id=user_id)
        db.session.add(row)
    row.extra_percent, row.granted_by, row.granted_at = percent, by, utcnow()
    db.session.flush()
    log.info("user %s set %s %% extra quiz time for user %s in context %s", by, percent, user_id, context_id)
    return row


def allowed_minutes(quiz: m.Quiz, percent: int) -> float | None:
    """Return the time an attempt has, in minutes, or None when the quiz has no limit."""
    if not quiz.time_limit_minutes:
        return None
    return quiz.time_limit_minutes * (100 + percent) / 100


def deadline(quiz: m.Quiz, started_at: dt.datetime, percent: int) -> dt.datetime | None:
    """Return when an attempt's time runs out, or None without a limit."""
    minutes = allowed_minutes(quiz, percent)
    return None if minutes is None else started_at + dt.timedelta(minutes=minutes)


def overdue(end: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    """Tell whether answers arriving ``now`` come after the deadline and its grace."""
    return end is not None and (now or utcnow()) > end + GRACE
