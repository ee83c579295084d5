"""Quiz attempts: start, save, submit (scored on the server), the attempts policy and the kept result."""

from __future__ import annotations

import logging
import random
from typing import Any, Mapping

from flask_babel import format_datetime, get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..content import model as m
from ..db import utcnow
from ..errors import NotFound
from ..extensions import db
from ..lti.session import ToolSession
from .catalog import course_at, ensure_snapshot, module_of
from .errors import AttemptSubmitted, NoAttemptsLeft, NotPlaced
from .models import AttemptState, QuizAttempt
from .scoring import score_quiz

log = logging.getLogger(__name__)
MAX_TEXT = 5000


def attempts_of(session: ToolSession, module_id: str, user_id: int | None = None) -> list[QuizAttempt]:
    """Return a user's attempts at a module's quiz in the session's course, oldest first."""
    return list(db.session.execute(select(QuizAttempt).where(
        QuizAttempt.context_id == session.context_id, QuizAttempt.user_id == (user_id or session.user_id),
        QuizAttempt.module_id == module_id).order_by(QuizAttempt.number)).scalars())


def get_attempt(session: ToolSession, attempt_id: int, *, any_user: bool = False) -> QuizAttempt:
    """Return an attempt of the session's user (or, for ``any_user`` trainers, of anyone) in the session's course.

    Raises:
        NotFound: No such attempt in this course for this user (another course or person looks the same).
    """
    query = select(QuizAttempt).where(QuizAttempt.id == attempt_id, QuizAttempt.context_id == session.context_id)
    if not any_user:
        query = query.where(QuizAttempt.user_id == session.user_id)
    attempt = db.session.execute(query).scalar()
    if attempt is None:
        raise NotFound(_l("There is no such quiz attempt for you in this course."), code="attempt_not_found")
    return attempt


def quiz_of(attempt: QuizAttempt) -> tuple[m.Package, m.Module, m.Quiz]:
    """Return the package, module and quiz as they were when the attempt started.

    Raises:
        NotPlaced: The module is missing from that version (cannot happen for a stored snapshot).
    """
    package, course = course_at(attempt.package_id, attempt.package_version, attempt.lang)
    try:
        module = course.module(attempt.module_id)
    except Exception as exc:  # ContentNotFound
        raise NotPlaced(_l("Module %(module)s is missing from version %(version)s of the course.",
                           module=attempt.module_id, version=attempt.package_version)) from exc
    return package, module, module.quiz


def draw_questions(quiz: m.Quiz, rng: random.Random, seen: Mapping[str, int] | None = None) -> list[str]:
    """Return the ids of the scored questions one attempt draws from the quiz's bank, in bank order.

    The draw is stratified by question type, so every attempt has about the bank's mix of types, and it
    prefers the questions the learner has seen least in earlier attempts, so a retake is a different quiz.
    Without ``draw`` every scored question is used.
    """
    bank = list(quiz.scored_questions)
    if quiz.draw is None or quiz.draw >= len(bank):
        return [q.id for q in bank]
    seen = seen or {}
    by_type: dict[str, list[m.Question]] = {}
    for q in bank:
        by_type.setdefault(q.type, []).append(q)
    # Largest remainder: each type gets its share of the draw, rounded so the shares add up to the draw.
    shares = {t: quiz.draw * len(qs) / len(bank) for t, qs in by_type.items()}
    counts = {t: int(share) for t, share in shares.items()}
    for t in sorted(shares, key=lambda t: (-(shares[t] - counts[t]), rng.random()))[:quiz.draw - sum(counts.values())]:
        counts[t] += 1
    chosen: set[str] = set()
    for t, qs in by_type.items():
        ranked = sorted(qs, key=lambda q: (seen.get(q.id, 0), rng.random()))
        chosen.update(q.id for q in ranked[:counts[t]])
    return [q.id for q in bank if q.id in chosen]


def _layout(quiz: m.Quiz, seed: int, seen: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Return the questions drawn for an attempt and the order to show them, their options, items and choices in.

    The layout is stored with the attempt, so the attempt shows and scores the same questions in the same
    order however often it is opened, whatever version of the quiz is published later.
    """
    rng = random.Random(seed)
    drawn = draw_questions(quiz, rng, seen)
    scored = list(drawn)
    if quiz.shuffle:
        rng.shuffle(scored)
    questions = scored + [q.id for q in quiz.questions if not q.scored]  # open questions come last
    layout: dict[str, Any] = {"questions": questions, "options": {}, "items": {}, "rights": {}, "seed": seed}
    for q in quiz.questions:
        if q.id not in questions:
            continue
        if q.options:
            ids = [o.id for o in q.options]
            if quiz.shuffle:
                rng.shuffle(ids)
            layout["options"][q.id] = ids
        if q.items:
            ids = [i.id for i in q.items]
            shuffled = ids[:]
            rng.shuffle(shuffled)
            if shuffled == ids and len(ids) > 1:  # never show an ordering task already solved
                shuffled = ids[1:] + ids[:1]
            layout["items"][q.id] = shuffled
        if q.pairs:
            ids = [p.id for p in q.pairs]
            rng.shuffle(ids)
            layout["rights"][q.id] = ids
    return layout


def questions_seen(attempts: list[QuizAttempt]) -> dict[str, int]:
    """Return how many earlier attempts showed each question id."""
    seen: dict[str, int] = {}
    for attempt in attempts:
        for qid in (attempt.layout or {}).get("questions", []):
            seen[qid] = seen.get(qid, 0) + 1
    return seen


def shown_questions(quiz: m.Quiz, attempt: QuizAttempt) -> tuple[m.Question, ...]:
    """Return the questions an attempt shows, in its order (every question for attempts without a layout)."""
    ids = (attempt.layout or {}).get("questions")
    if not ids:
        return quiz.questions
    known = {q.id: q for q in quiz.questions}
    return tuple(known[qid] for qid in ids if qid in known)


def state_for_new(session: ToolSession, module_id: str) -> tuple[m.Quiz, list[QuizAttempt]]:
    """Return the current quiz and the user's attempts, checking the module exists."""
    _package, module = module_of(module_id)
    return module.quiz, attempts_of(session, module_id)


def open_attempt(session: ToolSession, module_id: str, lang: str | None = None) -> QuizAttempt:
    """Return the attempt in progress, or start a new one under the current package version. Flushes.

    Raises:
        NoAttemptsLeft: Every allowed attempt was used.
    """
    package, module = module_of(module_id, lang)
    attempts = attempts_of(session, module_id)
    for attempt in attempts:
        if attempt.state == AttemptState.IN_PROGRESS:
            return attempt
    quiz = module.quiz
    if quiz.max_attempts is not None and len(attempts) >= quiz.max_attempts:
        raise NoAttemptsLeft(_l("%(used)s of %(allowed)s attempts used.", used=len(attempts), allowed=quiz.max_attempts))
    ensure_snapshot(package)
    number = len(attempts) + 1
    attempt = QuizAttempt(context_id=session.context_id, user_id=session.user_id,
                          resource_link_id=session.resource_link_id, module_id=module_id, quiz_id=quiz.id,
                          package_id=package.id, package_version=package.version, lang=package.lang, number=number,
                          layout=_layout(quiz, random.SystemRandom().randrange(2**31),
                                                 questions_seen(attempts)), answers={})
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # The same person started an attempt in another tab at the same moment: use that one.
        found = [a for a in attempts_of(session, module_id) if a.state == AttemptState.IN_PROGRESS]
        if found:
            return found[0]
        raise
    log.info("user %s started attempt %s of quiz %s (%s %s)", session.user_id, number, quiz.id, package.id,
             package.version)
    return attempt


def answers_from_form(quiz: m.Quiz, attempt: QuizAttempt, form: Mapping[str, Any]) -> dict[str, Any]:
    """Read the answers of every question from a submitted form (``werkzeug`` MultiDict or plain dict)."""
    getlist = getattr(form, "getlist", lambda key: [form[key]] if key in form else [])
    answers: dict[str, Any] = {}
    for q in shown_questions(quiz, attempt):
        name = f"q-{q.id}"
        if q.type in ("single_choice", "true_false"):
            value = form.get(name)
            valid = {o.id for o in q.options} if q.type == "single_choice" else {"true", "false"}
            if value in valid:
                answers[q.id] = value
        elif q.type == "multiple_choice":
            valid = {o.id for o in q.options}
            chosen = sorted({v for v in getlist(name) if v in valid})
            if chosen:
                answers[q.id] = chosen
        elif q.type == "ordering":
            shown = attempt.layout.get("items", {}).get(q.id) or [i.id for i in q.items]
            positions = []
            for index, item_id in enumerate(shown):
                try:
                    pos = int(form.get(f"{name}-pos-{item_id}", index + 1))
                except (TypeError, ValueError):
                    pos = index + 1
                positions.append((pos, index, item_id))
            answers[q.id] = [item_id for _pos, _i, item_id in sorted(positions)]
        elif q.type == "matching":
            valid = {p.id for p in q.pairs}
            chosen = {p.id: form.get(f"{name}-{p.id}") for p in q.pairs}
            chosen = {k: v for k, v in chosen.items() if v in valid}
            if chosen:
                answers[q.id] = chosen
        elif q.type == "short_answer":
            text = str(form.get(name) or "").strip()[:MAX_TEXT]
            if text:
                answers[q.id] = text
    return answers


def _editable(attempt: QuizAttempt) -> None:
    if attempt.state != AttemptState.IN_PROGRESS:
        raise AttemptSubmitted(_l("Attempt %(number)s was submitted on %(when)s (%(zone)s).", number=attempt.number,
                                  when=format_datetime(attempt.submitted_at, "short"), zone=str(get_timezone())))


def save_answers(attempt: QuizAttempt, answers: dict[str, Any]) -> QuizAttempt:
    """Keep the answers given so far ("finish later"). Flushes.

    Raises:
        AttemptSubmitted: The attempt was already submitted.
    """
    _editable(attempt)
    attempt.answers = answers
    attempt.saved_at = utcnow()
    db.session.flush()
    return attempt


def submit(session: ToolSession, attempt: QuizAttempt, answers: dict[str, Any]) -> QuizAttempt:
    """Score the questions drawn for the attempt, under the version it started with, and apply the keep policy.

    Flushes.

    The submit is a conditional UPDATE, so two submits racing (two tabs, a double click) cannot both win.

    Raises:
        AttemptSubmitted: The attempt was already submitted.
    """
    _editable(attempt)
    _package, _module, quiz = quiz_of(attempt)
    result = score_quiz(quiz, answers, [q.id for q in shown_questions(quiz, attempt)])
    now = utcnow()
    won = db.session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                                       QuizAttempt.submitted_at.is_(None))
                             .values(submitted_at=now).execution_options(synchronize_session=False)).rowcount
    if not won:
        db.session.refresh(attempt)
        raise AttemptSubmitted(_l("This attempt was submitted a moment ago."))
    attempt.submitted_at = now
    attempt.answers = answers
    attempt.points, attempt.max_points, attempt.percent = result.points, result.max_points, result.percent
    attempt.passed = result.passed
    attempt.results = {r.question_id: r.as_json() for r in result.results}
    db.session.flush()
    _apply_keep(session, attempt, quiz.keep)
    log.info("user %s submitted attempt %s of quiz %s: %s%%", session.user_id, attempt.number, quiz.id,
             attempt.percent)
    return attempt


def _apply_keep(session: ToolSession, attempt: QuizAttempt, keep: str) -> None:
    """Mark the attempt whose result counts: the highest (earliest on a tie) or the latest."""
    done = [a for a in attempts_of(session, attempt.module_id, attempt.user_id) if a.submitted_at is not None]
    if keep == "latest":
        kept = max(done, key=lambda a: a.number)
    else:
        kept = max(done, key=lambda a: (a.percent or 0.0, -a.number))
    for a in done:
        a.kept = a.id == kept.id
    db.session.flush()


def kept_attempt(attempts: list[QuizAttempt]) -> QuizAttempt | None:
    """Return the attempt whose result counts, if any."""
    return next((a for a in attempts if a.kept), None)


def attempts_used(session: ToolSession, module_id: str) -> int:
    """Return how many attempts the user started at a module's quiz."""
    return db.session.execute(select(func.count()).select_from(QuizAttempt).where(
        QuizAttempt.context_id == session.context_id, QuizAttempt.user_id == session.user_id,
        QuizAttempt.module_id == module_id)).scalar_one()
