"""Training mode: a learner completes the profile form on a fictional case and gets feedback.

Ratings are compared with the case's expert reference profile, allowing one step either way per
domain; evidence notes are checked for the case's key facts and for character words. The resulting
training score measures the learner's skill (never a person) and is the only score this package
sends to the LMS, through the grade outbox.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import utcnow
from ..errors import NotFound
from ..extensions import db
from ..lti.constants import Role
from ..lti.session import ToolSession
from . import instrument as inst
from .errors import TrainingError
from .scanner import character_words
from .schemas import draft_from_form, merge_touched, validate_draft
from .training_models import TrainingAttempt, TrainingResult

POINTS_PER_DOMAIN = 3
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset("""a an and are as at be been but by for from had has have he her his in into is it its
not of on or she so than that the their them then there they this to was were when where which who with
would about after also any been can could did does done down each few first his how just may more most much
must now off only other our out over same should some such too under very what will your yet""".split())


@dataclass(frozen=True)
class DomainFeedback:
    """How one domain of an attempt compares with the reference profile."""

    domain_id: str
    need_given: str
    need_reference: str
    need_close: bool
    strength_given: str
    strength_reference: str
    strength_close: bool
    facts_found: list[str] = field(default_factory=list)
    facts_missed: list[str] = field(default_factory=list)
    evidence_ok: bool = False
    character_words: list[str] = field(default_factory=list)

    @property
    def points(self) -> int:
        return int(self.need_close) + int(self.strength_close) + int(self.evidence_ok)


def within_one(given: str, reference: str) -> bool:
    """Tell whether a rating is within one step of the reference ("not known" never is)."""
    if not (str(given).isdigit() and str(reference).isdigit()):
        return str(given) == str(reference)
    return abs(int(given) - int(reference)) <= 1


def _stems(text: str) -> set[str]:
    words = [w.lower() for w in _TOKEN.findall((text or "").replace(",", ""))]
    return {w if w.isdigit() else w[:5] for w in words if w.isdigit() or (len(w) > 2 and w not in _STOP)}


def mentions(note: str, fact: str) -> bool:
    """Tell whether a note mentions a key fact: at least half of the fact's content words appear."""
    wanted = _stems(fact)
    if not wanted:
        return False
    return len(wanted & _stems(note)) * 2 >= len(wanted)


def compare_domain(domain_id: str, answers: Mapping[str, Any], reference: Mapping[str, Any]) -> DomainFeedback:
    """Compare one domain's answers with its reference entry."""
    note = str(answers.get("evidence_note", ""))
    facts = [str(f) for f in reference.get("key_facts", [])]
    found = [f for f in facts if mentions(note, f)]
    need_given, strength_given = str(answers.get("need", "not_known")), str(answers.get("strength", "not_known"))
    return DomainFeedback(
        domain_id=domain_id,
        need_given=need_given, need_reference=str(reference["need"]),
        need_close=within_one(need_given, str(reference["need"])),
        strength_given=strength_given, strength_reference=str(reference["strength"]),
        strength_close=within_one(strength_given, str(reference["strength"])),
        facts_found=found, facts_missed=[f for f in facts if f not in found],
        evidence_ok=bool(facts) and len(found) >= math.ceil(len(facts) / 2),
        character_words=character_words(note),
    )


def compare(reference_profile: Mapping[str, Mapping[str, Any]],
            answers: Mapping[str, Mapping[str, Any]]) -> tuple[list[DomainFeedback], int, int]:
    """Compare an attempt with a reference profile; return (feedback per domain, points, maximum)."""
    feedback = []
    for domain_id in inst.domain_ids():
        reference = reference_profile.get(domain_id)
        if reference is None:
            continue
        ref = reference if isinstance(reference, Mapping) else asdict(reference)
        feedback.append(compare_domain(domain_id, answers.get(domain_id, {}), ref))
    points = sum(f.points for f in feedback)
    return feedback, points, POINTS_PER_DOMAIN * len(feedback)


# -- attempts --------------------------------------------------------------------------------------
def open_attempt(session: ToolSession, case_id: str) -> TrainingAttempt:
    """Return the learner's unfinished attempt at a case in this course, or start one. Flushes."""
    inst.get_case(case_id)
    attempt = db.session.execute(select(TrainingAttempt).where(
        TrainingAttempt.user_id == session.user_id, TrainingAttempt.context_id == session.context_id,
        TrainingAttempt.case_id == case_id, TrainingAttempt.submitted_at.is_(None))
        .order_by(TrainingAttempt.id.desc())).scalar()
    if attempt is None:
        attempt = TrainingAttempt(platform_id=session.platform_id, user_id=session.user_id,
                                  context_id=session.context_id, resource_link_id=session.resource_link_id,
                                  case_id=case_id, draft={})
        db.session.add(attempt)
        db.session.flush()
    return attempt


def get_attempt(session: ToolSession, attempt_id: int) -> TrainingAttempt:
    """Load one of the session user's own attempts."""
    attempt = db.session.get(TrainingAttempt, attempt_id)
    if attempt is None or attempt.user_id != session.user_id or attempt.platform_id != session.platform_id:
        raise NotFound(code="attempt_not_found")
    return attempt


def _editable(attempt: TrainingAttempt) -> None:
    if attempt.submitted_at is not None:
        raise TrainingError(_("This attempt has already been submitted."), code="attempt_submitted")


def autosave(attempt: TrainingAttempt, form: Mapping[str, Any]) -> list[str]:
    """Merge changed fields into the attempt's draft."""
    _editable(attempt)
    draft = dict(attempt.draft or {})
    applied = merge_touched(draft, form)
    if applied:
        attempt.draft = draft
        db.session.flush()
    return applied


def save_draft(attempt: TrainingAttempt, form: Mapping[str, Any]) -> None:
    """Store the whole form as the draft (no-JavaScript Save)."""
    _editable(attempt)
    attempt.draft = draft_from_form(form)
    db.session.flush()


def submit(session: ToolSession, attempt: TrainingAttempt, form: Mapping[str, Any]) -> dict[str, str] | TrainingResult:
    """Validate and submit an attempt, score it and queue the training score for the LMS.

    Returns:
        Field errors (the draft is kept), or the result. The caller commits the result and the
        outbox row together.
    """
    save_draft(attempt, form)
    answers, _fields, errors = validate_draft(attempt.draft)
    if errors:
        return errors
    case = inst.get_case(attempt.case_id)
    feedback, points, maximum = compare(case.reference_profile, answers)
    attempt.answers = answers
    attempt.submitted_at = utcnow()
    result = TrainingResult(attempt_id=attempt.id, score_given=float(points), score_maximum=float(maximum),
                            feedback={"domains": [asdict(f) | {"points": f.points} for f in feedback]})
    db.session.add(result)
    db.session.flush()
    grading = grading_session(session, case.id)
    if grading is not None:
        from ..services.outbox import enqueue_score

        close = sum(1 for f in feedback if f.need_close and f.strength_close)
        facts = sum(1 for f in feedback if f.evidence_ok)
        enqueue_score(grading, source_kind="case-exercise", source_id=f"training-attempt-{attempt.id}",
                      score_given=float(points), score_maximum=float(maximum), activity_progress="Completed",
                      grading_progress="FullyGraded", started_at=attempt.started_at,
                      submitted_at=attempt.submitted_at,
                      comment=(f"Fictional case exercise: ratings close to the reference in {close} of "
                               f"{len(feedback)} domains; key facts noted in {facts}."),
                      label=case.title, resource_id=case.id, tag="case-exercise")
        result.reported = True
    return result


def _is_case_link(session: ToolSession, case_id: str) -> bool:
    """Tell whether the session was launched from a link placed for this case exercise."""
    try:
        from ..training.constants import Item, ItemKind
        from ..training.placements import is_item_link
    except ImportError:  # the training feature is not installed: custom parameters only
        custom = session.data.get("custom") or {}
        return custom.get("r2com_item") == "case-exercise" and str(custom.get("r2com_case")) == case_id
    return is_item_link(session, Item(ItemKind.CASE_EXERCISE, case_id))


def _is_placed(session: ToolSession, case_id: str) -> bool:
    """Tell whether the case exercise is placed in the session's course (by deep linking or set-up)."""
    try:
        from ..training.constants import Item, ItemKind
        from ..training.placements import placement_of
    except ImportError:
        return False
    return placement_of(session.context_id, Item(ItemKind.CASE_EXERCISE, case_id)) is not None


def grading_session(session: ToolSession, case_id: str) -> ToolSession | None:
    """Return the session to send a learner's training score with, or None when it goes nowhere.

    A score goes to the launch's line item only when the launch's link is this exercise; when the
    exercise is placed elsewhere in the course, the outbox finds its column by ``resourceId``; practice
    on cases not placed in the course, and trainers' previews, are not sent.
    """
    from ..services.outbox import is_gradable

    if session.role != Role.LEARNER or not is_gradable(session):
        return None  # trainers, administrators and observers (e.g. Canvas membership#Mentor) get no score
    if _is_case_link(session, case_id):
        return session
    if _is_placed(session, case_id):
        ags = {k: v for k, v in (session.data.get("ags") or {}).items() if k != "lineitem"}
        return dataclasses.replace(session, data={**session.data, "ags": ags or None}, resource_link_id=None)
    return None


def result_of(attempt: TrainingAttempt) -> TrainingResult | None:
    """Return the result of a submitted attempt."""
    return db.session.execute(select(TrainingResult).where(TrainingResult.attempt_id == attempt.id)).scalar()
