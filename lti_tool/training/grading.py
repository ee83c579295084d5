"""Results to the gradebook through the grade outbox: quiz scores, and chapter or manual completion.

Only learners' results of items placed in the course are queued (never a trainer's, an administrator's or an
observer's: :func:`~lti_tool.services.outbox.is_gradable`). A result is sent to the line item of
the launch only when the launch's link was placed for that same item; otherwise the outbox finds the
gradebook column by ``resourceId`` (``module:<id>``, ``chapter:<id>``, ``manual``), never another
item's column. Nothing here commits: the caller commits the result and its outbox row together.
"""

from __future__ import annotations

import dataclasses
import logging

from ..lti.constants import Role
from ..lti.session import ToolSession
from ..services.outbox import enqueue_completion, enqueue_score, is_gradable
from .constants import MODULE_SCORE_MAXIMUM, SOURCE_CHAPTER, SOURCE_MANUAL, SOURCE_QUIZ, Item, ItemKind, Report
from .models import QuizAttempt
from .placements import is_item_link, placement_of

log = logging.getLogger(__name__)


def resource_id(item: Item) -> str:
    """Return the lineItem ``resourceId`` of an item (case exercises use the bare case id, as assessment does)."""
    if item.kind == ItemKind.CASE_EXERCISE:
        return item.id
    return item.key


def tag(item: Item) -> str:
    """Return the lineItem ``tag`` of an item."""
    return {ItemKind.MODULE: "quiz", ItemKind.CASE_EXERCISE: "case-exercise"}.get(item.kind, "completion")


def session_for(session: ToolSession, item: Item) -> ToolSession:
    """Return the session to score ``item`` with: without the launch's line item unless the link is for ``item``."""
    if is_item_link(session, item):
        return session
    ags = dict(session.data.get("ags") or {})
    ags.pop("lineitem", None)
    data = dict(session.data, ags=ags or None)
    return dataclasses.replace(session, data=data, resource_link_id=None)


def _may_send(session: ToolSession, item: Item) -> bool:
    if session.role != Role.LEARNER or not is_gradable(session):
        return False  # trainers preview, observers watch: no score for them (platforms refuse them anyway)
    return placement_of(session.context_id, item) is not None or is_item_link(session, item)


def send_quiz_result(session: ToolSession, attempt: QuizAttempt, label: str) -> bool:
    """Queue the kept attempt's score (out of 100) when the module is placed in the course; return whether queued."""
    item = Item(ItemKind.MODULE, attempt.module_id)
    if not attempt.kept or attempt.percent is None or not _may_send(session, item):
        return False
    enqueue_score(session_for(session, item), source_kind=SOURCE_QUIZ, source_id=str(attempt.id),
                  score_given=float(attempt.percent), score_maximum=float(MODULE_SCORE_MAXIMUM),
                  activity_progress="Completed", grading_progress="FullyGraded", started_at=attempt.started_at,
                  submitted_at=attempt.submitted_at, label=label, resource_id=resource_id(item), tag=tag(item))
    return True


def report_of(session: ToolSession, item: Item) -> Report:
    """Return how reading ``item`` is reported in this course (the link's setting, else the placement's)."""
    from .placements import item_of_session

    own = item_of_session(session)
    if own is not None and own.key == item.key:
        return own.report
    placed = placement_of(session.context_id, item)
    return placed.item.report if placed else Report.NONE


def send_completion(session: ToolSession, item: Item, label: str, source_id: str) -> bool:
    """Queue the completion of a chapter or the manual as configured; return whether queued."""
    report = report_of(session, item)
    if report == Report.NONE or not _may_send(session, item):
        return False
    kind = SOURCE_MANUAL if item.kind == ItemKind.MANUAL else SOURCE_CHAPTER
    enqueue_completion(session_for(session, item), source_kind=kind, source_id=source_id,
                       as_score=report == Report.SCORE, label=label, resource_id=resource_id(item), tag=tag(item))
    return True
