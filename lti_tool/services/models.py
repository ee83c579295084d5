"""Grade delivery records: the outbox of scores to send and the remembered line items."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, created_at, utcnow


class DeliveryStatus(StrEnum):
    """Where a score is on its way to the platform."""

    #: Waiting for a worker (new, or retrying after a temporary failure).
    PENDING = "pending"
    #: The platform accepted it (or answered 409: it already had this or a newer score).
    DELIVERED = "delivered"
    #: The platform refused it for good (or we gave up); ``reason`` says why. A trainer may retry.
    FAILED = "failed"
    #: A newer score for the same person and gradebook column replaced it before it was sent.
    SUPERSEDED = "superseded"
    #: Nothing can be sent: the launch offered no grade service (``reason`` says what was missing).
    NOT_APPLICABLE = "not_applicable"
    #: The platform takes the score only after someone there acts (Canvas 422: the assignment is not
    #: published yet). Retried on a long schedule (hours growing to days) and sent once it is published.
    WAITING = "waiting"


#: Rows a worker may still send.
SENDABLE = (DeliveryStatus.PENDING, DeliveryStatus.WAITING)


class GradeOutbox(Base):
    """One score to post to a platform's AGS endpoint, written in the same transaction as the result.

    Rows are never deleted by delivery; their ``status`` moves on and the trainer dashboard reads them.
    """

    __tablename__ = "grade_outbox"
    __table_args__ = (
        Index("ix_grade_outbox_due", "status", "next_attempt_at"),
        Index("ix_grade_outbox_source", "source_kind", "source_id"),
        Index("ix_grade_outbox_clock", "user_id", "line_item_key", "timestamp"),
        Index("ix_grade_outbox_context_status", "context_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The platform (registration) the score goes to.
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    #: The course the score belongs to (for the trainer's list of failed deliveries).
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    #: The learner; the payload carries their platform ``sub`` as ``userId``.
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    #: The resource link of the launch, used to find or create the line item.
    resource_link_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="SET NULL"))
    #: What produced the score, e.g. "quiz_attempt" or "module_completion".
    source_kind: Mapped[str] = mapped_column(String(40))
    #: The id of that source; (source_kind, source_id) makes enqueuing idempotent.
    source_id: Mapped[str] = mapped_column(String(255))
    #: Names the gradebook column for ordering and superseding: "rl:<link row>", "res:<ctx>:<resource_id>"
    #: or "url:<sha256 of the line item URL>".
    line_item_key: Mapped[str] = mapped_column(String(300))
    #: The line item URL when known at enqueue time (from the launch's ``lineitem`` claim).
    lineitem_url: Mapped[Optional[str]] = mapped_column(String(1000))
    #: The line-items container URL from the launch, to find or create the line item.
    lineitems_url: Mapped[Optional[str]] = mapped_column(String(1000))
    #: AGS scopes the launch granted, space separated (the token is requested for these).
    scopes: Mapped[str] = mapped_column(Text, default="")
    #: Label for a line item the tool creates.
    label: Mapped[Optional[str]] = mapped_column(String(400))
    #: The tool's ``resourceId`` for the line item (finds or creates it when there is no ``lineitem`` claim).
    resource_id: Mapped[Optional[str]] = mapped_column(String(255))
    #: The line item ``tag`` for a created line item.
    tag: Mapped[Optional[str]] = mapped_column(String(255))
    #: The score JSON exactly as it will be posted, ``timestamp`` included.
    payload: Mapped[dict[str, Any]]
    #: SHA-256 of what the score says (not its timestamp); a changed hash means a new row.
    payload_hash: Mapped[str] = mapped_column(String(64))
    #: The score ``timestamp`` (UTC, milliseconds): strictly increasing per user and line item.
    timestamp: Mapped[dt.datetime]
    #: A :class:`DeliveryStatus` value.
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    #: Failed delivery attempts so far (drives the back-off).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Earliest time a worker may try (again).
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The claim token of the worker holding the row; cleared when the lease ends.
    lease_owner: Mapped[Optional[str]] = mapped_column(String(80))
    #: When the worker's lease ends; afterwards another worker may claim the row again.
    lease_until: Mapped[Optional[dt.datetime]]
    #: The platform's last HTTP status for this row, if any.
    last_status: Mapped[Optional[int]]
    #: Why the row failed, is still retrying, or was not applicable, in plain words for the trainer.
    reason: Mapped[Optional[str]] = mapped_column(Text)
    #: When the platform first answered that it cannot take the score yet (status ``waiting``); drives the
    #: waiting schedule and tells the trainer since when.
    waiting_since: Mapped[Optional[dt.datetime]]
    #: When the platform accepted the score.
    delivered_at: Mapped[Optional[dt.datetime]]
    #: The newer row that replaced this one.
    superseded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("grade_outbox.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    #: Last change of status, lease or attempts.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def score_given(self) -> float | None:
        """Return the score sent (``None`` for completion only)."""
        return self.payload.get("scoreGiven")

    @property
    def score_maximum(self) -> float | None:
        """Return the maximum score sent."""
        return self.payload.get("scoreMaximum")

    def __repr__(self) -> str:
        return f"<GradeOutbox {self.id} {self.source_kind}:{self.source_id} {self.status}>"


class LineItemLink(Base):
    """A line item URL resolved for a resource link or resourceId in a context, so it is looked up once."""

    __tablename__ = "grade_line_item_link"
    __table_args__ = (UniqueConstraint("context_id", "link_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    #: "rl:<resource link row id>" or "res:<resource_id>".
    link_key: Mapped[str] = mapped_column(String(300))
    #: The resource link this line item belongs to, if found by resource link.
    resource_link_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="CASCADE"))
    #: The tool's resourceId, if found by resourceId.
    resource_id: Mapped[Optional[str]] = mapped_column(String(255))
    #: The line item URL on the platform.
    lineitem_url: Mapped[str] = mapped_column(String(1000))
    #: True when the tool created the line item (False: found on the platform).
    created_by_tool: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[created_at]
