"""Training views: fictional case exercises, clearly marked, with feedback and a training score."""

from __future__ import annotations

from flask import Response, jsonify, request
from sqlalchemy import select

from ..extensions import db
from ..lti.models import LtiUser
from ..lti.session import current_session, session_required
from . import instrument as inst
from . import training as ops
from .training_models import TrainingAttempt, TrainingResult
from .views_common import go, page


@session_required
def home() -> Response:
    """The fictional cases; trainers also see the attempts in their course."""
    session = current_session()
    attempts = []
    if session.is_instructor:
        rows = db.session.execute(select(TrainingAttempt, TrainingResult, LtiUser)
                                  .join(LtiUser, LtiUser.id == TrainingAttempt.user_id)
                                  .outerjoin(TrainingResult, TrainingResult.attempt_id == TrainingAttempt.id)
                                  .where(TrainingAttempt.context_id == session.context_id)
                                  .order_by(TrainingAttempt.id.desc()).limit(200)).all()
        attempts = [(a, r, u) for a, r, u in rows]
    return page("assessment/training_home.html", session=session, cases=list(inst.get_cases(inst.reading_language()).values()),
                package=inst.cases_package(inst.reading_language()),
                attempts=attempts, scoring_rule=ops.SCORING_RULE)


@session_required
def case(case_id: str) -> Response:
    """Open (or resume) the learner's attempt at a case."""
    attempt = ops.open_attempt(current_session(), case_id)
    db.session.commit()
    return go("assessment.training_attempt", attempt_id=attempt.id)


@session_required
def attempt(attempt_id: int) -> Response:
    """The exercise: the case story and the same profile form as for real clients."""
    session = current_session()
    item = ops.get_attempt(session, attempt_id)
    if item.submitted_at is not None:
        return go("assessment.training_result", attempt_id=item.id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.form.get("action") == "complete":
            outcome = ops.submit(session, item, request.form)
            if isinstance(outcome, dict):
                errors = outcome
                db.session.commit()
            else:
                db.session.commit()  # the result and its outbox row, together
                return go("assessment.training_result", attempt_id=item.id)
        else:
            ops.save_draft(item, request.form)
            db.session.commit()
            return go("assessment.training_attempt", "draft_saved", attempt_id=item.id)
    return page("assessment/training_attempt.html", status=422 if errors else 200, session=session, attempt=item,
                case=inst.get_case(item.case_id, inst.reading_language()),
                package=inst.cases_package(inst.reading_language()), draft=item.draft or {}, errors=errors, flags={},
                training=True,
                autosave_url="assessment_api.training_draft", autosave_args={"attempt_id": item.id},
                form_endpoint="assessment.training_attempt", form_args={"attempt_id": item.id},
                scoring_rule=ops.SCORING_RULE)


@session_required
def attempt_draft(attempt_id: int) -> Response:
    """Autosave for the exercise form."""
    item = ops.get_attempt(current_session(), attempt_id)
    applied = ops.autosave(item, request.form)
    db.session.commit()
    return jsonify({"saved": len(applied), "saved_at": item.updated_at.isoformat() if item.updated_at else None,
                    "ltik": current_session().token})  # renewed while the person is active


@session_required
def result(attempt_id: int) -> Response:
    """Feedback on a submitted attempt: each domain compared with the reference profile."""
    session = current_session()
    item = ops.get_attempt(session, attempt_id)
    outcome = ops.result_of(item)
    if outcome is None:
        return go("assessment.training_attempt", attempt_id=item.id)
    domains = {d.id: d for d in inst.get_instrument().domains}
    return page("assessment/training_result.html", session=session, attempt=item,
                case=inst.get_case(item.case_id, inst.reading_language()),
                package=inst.cases_package(inst.reading_language()), result=outcome, domains=domains,
                scoring_rule=ops.SCORING_RULE,
                points_per_domain=ops.POINTS_PER_DOMAIN, evidence_points=ops.EVIDENCE_POINTS)
