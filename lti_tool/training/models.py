"""Placements, progress and quiz attempts. Every row is scoped to one context (course) and one user.

Rows record the content package id and version they were made under, so a new package version never
breaks an attempt in flight or rewrites a stored result: an attempt is shown and scored against the
version it started under (``ContentLibrary.get_version``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, bool_false, created_at, utcnow


class Placement(Base):
    """An item placed in a course: chosen in the Deep Linking picker, or set up on a link in the tool.

    Deep-linked placements have no resource link yet (the platform creates it); a placement set up in the
    tool belongs to exactly one resource link.
    """

    __tablename__ = "learning_placement"
    __table_args__ = (UniqueConstraint("resource_link_id"), Index("ix_learning_placement_context", "context_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    #: The link this placement configures (tool set-up only); NULL for deep-linked items.
    resource_link_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="CASCADE"))
    #: An :class:`~lti_tool.training.constants.ItemKind` value.
    item_kind: Mapped[str] = mapped_column(String(20))
    #: Module, chapter or case id; empty for the manual and casework.
    item_id: Mapped[str] = mapped_column(String(100), default="")
    #: A :class:`~lti_tool.training.constants.Report` value (chapters and the manual).
    report: Mapped[str] = mapped_column(String(20), default="none")
    #: A :class:`~lti_tool.training.constants.Completion` value (modules): when the module counts as completed.
    completion: Mapped[str] = mapped_column(String(20), default="pass", server_default="pass")
    #: "iframe" or "window".
    presentation: Mapped[str] = mapped_column(String(10), default="iframe")
    #: The title sent to the platform.
    title: Mapped[str] = mapped_column(String(400), default="")
    #: "deep_link" or "tool".
    source: Mapped[str] = mapped_column(String(20))
    #: The trainer who placed it.
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]


class ModuleProgress(Base):
    """A learner's reading progress through one module: pages seen, where to resume, completion."""

    __tablename__ = "learning_module_progress"
    __table_args__ = (UniqueConstraint("context_id", "user_id", "module_id"),
                      Index("ix_learning_module_progress_ctx", "context_id", "module_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(100))
    #: The course package and the version the progress started under.
    package_id: Mapped[str] = mapped_column(String(100))
    package_version: Mapped[str] = mapped_column(String(40))
    #: Ids of the pages (and the activity) opened, in the order first opened.
    pages_seen: Mapped[list[Any]] = mapped_column(default=list)
    #: The last page opened, where "Resume" leads.
    last_page_id: Mapped[Optional[str]] = mapped_column(String(100))
    #: How many learning pages the module had when a page was last opened (for the dashboard).
    pages_total: Mapped[int] = mapped_column(default=0)
    #: How many of those were seen (pages removed in a later version do not count).
    pages_done: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: When every learning page had been opened.
    read_at: Mapped[Optional[dt.datetime]]


class AttemptState(StrEnum):
    """Derived state of a quiz attempt (principle 11): never stored, computed from timestamps."""

    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class QuizAttempt(Base):
    """One attempt at a module quiz, scored on the server against the package version it started under."""

    __tablename__ = "learning_quiz_attempt"
    __table_args__ = (UniqueConstraint("context_id", "user_id", "quiz_id", "number"),
                      Index("ix_learning_quiz_attempt_ctx", "context_id", "module_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    #: The link of the launch the attempt started from (if any).
    resource_link_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="SET NULL"))
    module_id: Mapped[str] = mapped_column(String(100))
    quiz_id: Mapped[str] = mapped_column(String(100))
    package_id: Mapped[str] = mapped_column(String(100))
    #: The package version the attempt is shown and scored under, whatever is published later.
    package_version: Mapped[str] = mapped_column(String(40))
    #: The content language the attempt was taken in.
    lang: Mapped[str] = mapped_column(String(20), default="en")
    #: 1 for the first attempt of this user at this quiz in this course, then 2, 3...
    number: Mapped[int]
    #: The order shown: {"questions": [ids], "options": {qid: [ids]}, "items": {qid: [ids]}, "rights": {qid: [ids]}}.
    layout: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Answers by question id (saved drafts, then the submitted answers).
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[created_at]
    saved_at: Mapped[Optional[dt.datetime]]
    submitted_at: Mapped[Optional[dt.datetime]]
    #: Points of the scored questions, and their maximum (short answers never count).
    points: Mapped[Optional[float]]
    max_points: Mapped[Optional[float]]
    #: points / max_points * 100, rounded to 2 decimals.
    percent: Mapped[Optional[float]]
    passed: Mapped[Optional[bool]]
    #: Per question: {"correct": bool | None, "points": float, "max": float, "answered": bool}.
    results: Mapped[Optional[dict[str, Any]]]
    #: True on the one attempt whose result counts (the quiz's keep policy: highest or latest).
    kept: Mapped[bool_false]

    @property
    def state(self) -> AttemptState:
        """Return the derived state."""
        return AttemptState.SUBMITTED if self.submitted_at is not None else AttemptState.IN_PROGRESS


class ChapterProgress(Base):
    """A reader's progress in one manual chapter: opened, and marked as read."""

    __tablename__ = "learning_chapter_progress"
    __table_args__ = (UniqueConstraint("context_id", "user_id", "chapter_id"),
                      Index("ix_learning_chapter_progress_ctx", "context_id", "chapter_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    chapter_id: Mapped[str] = mapped_column(String(100))
    package_id: Mapped[str] = mapped_column(String(100))
    #: The manual version the chapter was read under.
    package_version: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[created_at]
    #: When the reader marked the chapter as read.
    completed_at: Mapped[Optional[dt.datetime]]


class Reflection(Base):
    """A learner's private answers to a module activity's reflection prompts. Never sent to the LMS."""

    __tablename__ = "learning_reflection"
    __table_args__ = (UniqueConstraint("context_id", "user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(100))
    package_version: Mapped[str] = mapped_column(String(40))
    #: One text per prompt, in prompt order.
    texts: Mapped[list[Any]] = mapped_column(default=list)
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class RosterSnapshot(Base):
    """The course list as last read from the platform (NRPS), kept so a trainer's first dashboard view does
    not read every roster page again; refreshed in the background once it is older than a few minutes.

    ``members`` is a JSON header (the role lists: a course has a handful) and four columns, one value a line:
    platform user id, name, role list index, status (:func:`lti_tool.training.roster._encode`), so a 50,000
    member list is split in milliseconds; lists stored as JSON by earlier versions are still read. No email
    is kept.
    """

    __tablename__ = "training_roster"

    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"), primary_key=True)
    members: Mapped[str] = mapped_column(Text)
    #: Roster pages read.
    pages: Mapped[int]
    #: False when the platform had more pages than the tool reads (the trainer is told the list was cut).
    complete: Mapped[bool] = mapped_column(default=True, server_default="1")
    fetched_at: Mapped[dt.datetime]
    #: Set by the worker process that is reading the list again, so only one does.
    refresh_started_at: Mapped[Optional[dt.datetime]]


class ProgressSummary(Base):
    """One learner's progress in one course, kept up to date in the same transaction as every progress write
    (:mod:`lti_tool.training.summary`), so the trainer dashboard never aggregates every progress row.

    ``states`` is a short canonical text of what counts for the dashboard, one word per item, sorted:
    ``m:<module>:<flags>`` (``s`` started, ``r`` every page read, ``u`` a quiz attempt handed in, ``p``/``f``
    the attempt that counts passed / did not pass) and ``c:<chapter>`` (a manual chapter marked as read).
    Learners who got equally far share the same text, so counting a course is one indexed ``GROUP BY``
    whose result has as many rows as there are distinct states, not learners. ``cells`` holds the numbers
    shown in a learner's row: ``{module: [pages done, pages, attempts, percent of the attempt that counts]}``.
    """

    __tablename__ = "training_progress_summary"
    __table_args__ = (Index("ix_training_progress_summary_states", "context_id", "states"),)

    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"), primary_key=True)
    states: Mapped[str] = mapped_column(Text, default="")
    cells: Mapped[dict[str, Any]] = mapped_column(default=dict)


# Every flush of progress rows keeps the summaries up to date (an ORM hook, registered with the models).
from . import summary as _summary  # noqa: E402,F401
