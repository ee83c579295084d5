"""Pre- and post-course confidence self-assessment (issue 12 item 7).

Each module of the course has one plain-words statement (``confidence`` in module.yaml). Before starting
and after finishing the course, a learner may say how confident they are to do each thing, on a scale of
1 (not at all) to 5 (very). It is optional, never graded and never sent to the learning platform.

Trainers see only totals: per module, how many learners chose each level before and after. A total is
shown only when at least :data:`MIN_GROUP` learners answered that module in that phase, so no one's answer
can be read off the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from ..content import model as m
from ..db import Base, created_at, utcnow
from ..extensions import db
from ..lti.models import Membership

PHASES = ("before", "after")
LEVELS = (1, 2, 3, 4, 5)
#: Fewer answers than this for a module and phase: the trainer sees no counts for it.
MIN_GROUP = 5

LEVEL_LABELS = {
    1: _l("Not at all confident"),
    2: _l("A little confident"),
    3: _l("Fairly confident"),
    4: _l("Confident"),
    5: _l("Very confident"),
}
PHASE_LABELS = {"before": _l("Before the course"), "after": _l("After the course")}


class SelfAssessment(Base):
    """One learner's confidence answers in one course, before or after it (one row per phase)."""

    __tablename__ = "learning_self_assessment"
    __table_args__ = (UniqueConstraint("context_id", "user_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    #: "before" or "after".
    phase: Mapped[str] = mapped_column(String(10))
    package_id: Mapped[str] = mapped_column(String(100))
    package_version: Mapped[str] = mapped_column(String(40))
    #: {module id: level 1-5}; a module the learner skipped is absent.
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[created_at]
    updated_at: Mapped[Optional[dt.datetime]]


def statements(course: m.Course) -> list[m.Module]:
    """Return the modules that have a self-assessment statement, in course order."""
    return [mod for mod in course.modules if mod.confidence]


def answers_of(context_id: int, user_id: int) -> dict[str, dict[str, int]]:
    """Return {phase: {module id: level}} of one learner in one course."""
    rows = db.session.execute(select(SelfAssessment).where(SelfAssessment.context_id == context_id,
                                                           SelfAssessment.user_id == user_id)).scalars()
    return {row.phase: dict(row.answers or {}) for row in rows}


def save(context_id: int, user_id: int, phase: str, answers: dict[str, int], package: m.Package) -> SelfAssessment:
    """Store (or replace) a learner's answers for one phase. Flushes.

    Raises:
        ValueError: an unknown phase or a level outside 1-5.
    """
    if phase not in PHASES or any(level not in LEVELS for level in answers.values()):
        raise ValueError("phase must be before or after, and every level 1-5")
    row = db.session.execute(select(SelfAssessment).where(
        SelfAssessment.context_id == context_id, SelfAssessment.user_id == user_id,
        SelfAssessment.phase == phase)).scalar()
    if row is None:
        row = SelfAssessment(context_id=context_id, user_id=user_id, phase=phase)
        db.session.add(row)
    else:
        row.updated_at = utcnow()
    row.answers, row.package_id, row.package_version = dict(answers), package.id, package.version
    db.session.flush()
    return row


@dataclass(frozen=True)
class ModuleSummary:
    """Counts per level for one module, before and after; ``None`` when too few learners answered."""

    module: m.Module
    answered: dict[str, int]
    counts: dict[str, Optional[dict[int, int]]]


def summary(context_id: int, modules: Iterable[m.Module]) -> tuple[list[ModuleSummary], dict[str, int]]:
    """Return the per-module totals of a course's learners, and how many learners answered each phase.

    Only members with the learner role count. Counts for a module and phase with fewer than
    :data:`MIN_GROUP` answers are withheld (``None``); how many answered is still given.
    """
    rows = db.session.execute(select(SelfAssessment.phase, SelfAssessment.answers).join(
        Membership, (Membership.user_id == SelfAssessment.user_id)
        & (Membership.context_id == SelfAssessment.context_id)).where(
        SelfAssessment.context_id == context_id, Membership.role == "learner")).all()
    people = {phase: sum(1 for p, answers in rows if p == phase and answers) for phase in PHASES}
    result = []
    for mod in modules:
        answered: dict[str, int] = {}
        counts: dict[str, Optional[dict[int, int]]] = {}
        for phase in PHASES:
            levels = [answers[mod.id] for p, answers in rows if p == phase and mod.id in (answers or {})]
            answered[phase] = len(levels)
            counts[phase] = {lv: levels.count(lv) for lv in LEVELS} if len(levels) >= MIN_GROUP else None
        result.append(ModuleSummary(mod, answered, counts))
    return result, people
