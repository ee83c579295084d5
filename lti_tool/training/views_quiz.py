"""Quiz pages: the attempts policy, taking an attempt (save or submit), and the result with feedback."""

from __future__ import annotations

from flask import Response, redirect, request
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..lti.session import current_session, session_required
from . import quiz as ops
from .catalog import content_lang, module_of, turl
from .errors import AttemptSubmitted
from .grading import send_quiz_result
from .models import AttemptState
from .views_common import render


@session_required
def quiz(module_id: str) -> Response:
    """Show the quiz's rules (attempts, what counts, no time limit) and the learner's attempts."""
    session = current_session()
    package, mod = module_of(module_id, content_lang())
    attempts = ops.attempts_of(session, module_id)
    open_one = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    left = None if mod.quiz.max_attempts is None else max(0, mod.quiz.max_attempts - len(attempts))
    return render("training/quiz.html", package=package, module=mod, quiz=mod.quiz, attempts=attempts,
                  open_attempt=open_one, left=left, kept=ops.kept_attempt(attempts))


@session_required
def quiz_start(module_id: str) -> Response:
    """Start a new attempt (or continue the open one) and go to it."""
    session = current_session()
    attempt = ops.open_attempt(session, module_id, content_lang())
    db.session.commit()
    return redirect(turl("training.attempt", attempt_id=attempt.id), code=303)


@session_required
def attempt(attempt_id: int) -> Response:
    """Show an attempt's questions (GET); save them for later or submit them (POST)."""
    session = current_session()
    att = ops.get_attempt(session, attempt_id)
    package, mod, the_quiz = ops.quiz_of(att)
    if request.method == "POST":
        if att.state != AttemptState.IN_PROGRESS:
            raise AttemptSubmitted(_l("Attempt %(number)s was already submitted.", number=att.number))
        answers = ops.answers_from_form(the_quiz, att, request.form)
        if request.form.get("action") == "submit":
            ops.submit(session, att, answers)
            send_quiz_result(session, att, mod.title)
            db.session.commit()
            return redirect(turl("training.result", attempt_id=att.id), code=303)
        ops.save_answers(att, answers)
        db.session.commit()
        return redirect(turl("training.attempt", attempt_id=att.id, saved="1"), code=303)
    if att.state != AttemptState.IN_PROGRESS:
        return redirect(turl("training.result", attempt_id=att.id), code=303)
    questions = [the_quiz.question(qid) for qid in att.layout.get("questions", [])]
    return render("training/attempt.html", package=package, module=mod, quiz=the_quiz, attempt=att,
                  questions=questions, layout=att.layout, answers=att.answers or {},
                  saved=request.args.get("saved") == "1")


@session_required
def result(attempt_id: int) -> Response:
    """Show a submitted attempt's score and the feedback on every question (trainers may review any learner's)."""
    session = current_session()
    att = ops.get_attempt(session, attempt_id, any_user=session.is_instructor)
    if att.state != AttemptState.SUBMITTED:
        return redirect(turl("training.attempt", attempt_id=att.id), code=303)
    package, mod, the_quiz = ops.quiz_of(att)
    attempts = ops.attempts_of(session, att.module_id, att.user_id)
    left = None if the_quiz.max_attempts is None else max(0, the_quiz.max_attempts - len(attempts))
    from ..services.outbox import delivery_status

    delivery = delivery_status("quiz_attempt", str(att.id)) if att.kept else None
    questions = [the_quiz.question(qid) for qid in att.layout.get("questions", [])]
    return render("training/result.html", package=package, module=mod, quiz=the_quiz, attempt=att,
                  questions=questions, layout=att.layout, answers=att.answers or {}, results=att.results or {},
                  left=left, delivery=delivery, own=att.user_id == session.user_id)
