"""Quiz pages: the attempts policy, taking an attempt (save or submit), and the result with feedback.

A quiz that declares a time limit is enforced here (see :mod:`timing`): answers that come after the
deadline and its grace are not taken; the attempt is scored on what was saved in time.
"""

from __future__ import annotations

from flask import Response, redirect, request
from flask_babel import lazy_gettext as _l

from ..db import utcnow
from ..extensions import db
from ..lti.session import current_session, session_required
from . import quiz as ops
from . import timing
from .catalog import content_lang, module_of, package_of, turl
from .certificates import certificate_of, issue_if_earned, required_modules
from .errors import AttemptSubmitted
from .grading import send_quiz_result
from .models import AttemptState, QuizAttempt
from .review import review
from .scoring import is_answered
from .views_common import render


@session_required
def quiz(module_id: str) -> Response:
    """Show the quiz's rules (attempts, what counts, the time limit if any) and the learner's attempts."""
    session = current_session()
    package, mod = module_of(module_id, content_lang())
    attempts = ops.attempts_of(session, module_id)
    open_one = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
    left = None if mod.quiz.max_attempts is None else max(0, mod.quiz.max_attempts - len(attempts))
    extra = timing.extra_percent(session.context_id, session.user_id)
    return render("training/quiz.html", package=package, module=mod, quiz=mod.quiz, attempts=attempts,
                  open_attempt=open_one, left=left, kept=ops.kept_attempt(attempts), extra=extra,
                  minutes=timing.allowed_minutes(mod.quiz, extra))


@session_required
def quiz_start(module_id: str) -> Response:
    """Start a new attempt (or continue the open one) and go to it."""
    session = current_session()
    attempt = ops.open_attempt(session, module_id, content_lang())
    db.session.commit()
    return redirect(turl("training.attempt", attempt_id=attempt.id), code=303)


def _finish(session, att: QuizAttempt, answers: dict, title: str) -> None:
    ops.submit(session, att, answers)
    send_quiz_result(session, att, title)
    if att.passed:
        issue_if_earned(session, content_lang())


@session_required
def attempt(attempt_id: int) -> Response:
    """Show an attempt's questions (GET); save them for later or submit them (POST).

    After a timed attempt's deadline (and grace), a submit or save is not taken: the attempt is submitted
    with the answers saved in time, and the result page says so. Opening such an attempt does the same.
    """
    session = current_session()
    att = ops.get_attempt(session, attempt_id)
    package, mod, the_quiz = ops.quiz_of(att)
    extra = timing.extra_percent(session.context_id, session.user_id)
    end = timing.deadline(the_quiz, att.started_at, extra)
    if request.method == "POST":
        if att.state != AttemptState.IN_PROGRESS:
            raise AttemptSubmitted(_l("Attempt %(number)s was already submitted.", number=att.number))
        if timing.overdue(end):
            _finish(session, att, dict(att.answers or {}), mod.title)
            db.session.commit()
            return redirect(turl("training.result", attempt_id=att.id, late="1"), code=303)
        answers = ops.answers_from_form(the_quiz, att, request.form)
        if request.form.get("action") == "submit":
            _finish(session, att, answers, mod.title)
            db.session.commit()
            return redirect(turl("training.result", attempt_id=att.id), code=303)
        ops.save_answers(att, answers)
        db.session.commit()
        return redirect(turl("training.attempt", attempt_id=att.id, saved="1"), code=303)
    if att.state != AttemptState.IN_PROGRESS:
        return redirect(turl("training.result", attempt_id=att.id), code=303)
    if timing.overdue(end):
        _finish(session, att, dict(att.answers or {}), mod.title)
        db.session.commit()
        return redirect(turl("training.result", attempt_id=att.id, late="1"), code=303)
    questions = [the_quiz.question(qid) for qid in att.layout.get("questions", [])]
    given = att.answers or {}
    answered = {q.id for q in questions if q.id in given and is_answered(q, given[q.id])}
    left_seconds = None if end is None else max(0, int((end - utcnow()).total_seconds()))
    return render("training/attempt.html", package=package, module=mod, quiz=the_quiz, attempt=att,
                  questions=questions, layout=att.layout, answers=given, answered=answered,
                  saved=request.args.get("saved") == "1", deadline=end, left_seconds=left_seconds,
                  minutes=timing.allowed_minutes(the_quiz, extra), extra=extra)


def _next_module(session, module_id: str) -> tuple[str, str] | None:
    """Return (id, title) of the module after ``module_id``: among the placed ones if the trainer chose some."""
    course = package_of("course", content_lang()).body
    _scope, modules = required_modules(session.context_id, course)  # type: ignore[arg-type]
    ids = [mod.id for mod in modules]
    if module_id not in ids:
        ids = [mod.id for mod in course.modules]  # type: ignore[union-attr]
    index = ids.index(module_id) if module_id in ids else -1
    if index < 0 or index + 1 >= len(ids):
        return None
    nxt = course.module(ids[index + 1])  # type: ignore[union-attr]
    return nxt.id, nxt.title


@session_required
def result(attempt_id: int) -> Response:
    """Show a submitted attempt: the score, then each question right or not, with the details folded."""
    session = current_session()
    att = ops.get_attempt(session, attempt_id, any_user=session.is_instructor)
    if att.state != AttemptState.SUBMITTED:
        return redirect(turl("training.attempt", attempt_id=att.id), code=303)
    package, mod, the_quiz = ops.quiz_of(att)
    attempts = ops.attempts_of(session, att.module_id, att.user_id)
    left = None if the_quiz.max_attempts is None else max(0, the_quiz.max_attempts - len(attempts))
    from ..services.outbox import delivery_status

    delivery = delivery_status("quiz_attempt", str(att.id)) if att.kept else None
    questions = list(ops.shown_questions(the_quiz, att))
    reviews = review(questions, att.layout or {}, att.answers or {}, att.results or {})
    own = att.user_id == session.user_id
    return render("training/result.html", package=package, module=mod, quiz=the_quiz, attempt=att,
                  reviews=reviews, left=left, delivery=delivery, own=own, late=request.args.get("late") == "1",
                  right=sum(1 for r in reviews if r.correct), scored=sum(1 for r in reviews if r.correct is not None),
                  next_module=_next_module(session, mod.id) if own else None,
                  certificate=certificate_of(session.context_id, session.user_id) if att.passed else None)
