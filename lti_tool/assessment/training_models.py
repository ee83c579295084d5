"""Training on fictional cases: its own tables, never the real-client ones (DP-14)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, bool_false, created_at, utcnow

FICTIONAL = "fictional_case"


class TrainingAttempt(Base):
    """A learner's attempt at one fictional case exercise."""

    __tablename__ = "training_attempt"
    __table_args__ = (
        CheckConstraint(f"subject_type = '{FICTIONAL}'", name="fictional_only"),
        Index("ix_training_attempt_user_case", "user_id", "context_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    resource_link_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="SET NULL"))
    #: Id of the case in the case set.
    case_id: Mapped[str] = mapped_column(String(60))
    #: Always ``fictional_case``: the subject of a training attempt is never a real person.
    subject_type: Mapped[str] = mapped_column(String(20), default=FICTIONAL)
    #: The form as typed so far {field name: value}.
    draft: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The validated answers by domain, once submitted.
    answers: Mapped[Optional[dict[str, Any]]]
    started_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[Optional[dt.datetime]]


class TrainingResult(Base):
    """The comparison of a submitted attempt with the case's reference profile, and its training score."""

    __tablename__ = "training_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("training_attempt.id", ondelete="CASCADE"), unique=True)
    #: Points earned: per domain, need within one step, strength within one step, key facts in the note.
    score_given: Mapped[float]
    score_maximum: Mapped[float]
    #: Per-domain feedback (see ``training.compare``).
    feedback: Mapped[dict[str, Any]]
    #: Whether the score was queued for the course gradebook (learners, from a placed exercise only).
    reported: Mapped[bool_false]
    created_at: Mapped[created_at]
