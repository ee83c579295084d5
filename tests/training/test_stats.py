"""Trainer question statistics: facility, discrimination, the most chosen wrong answer, small groups, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.lti.models import LtiUser
from lti_tool.training.models import QuizAttempt
from lti_tool.training.scoring import score_quiz
from lti_tool.training.stats import point_biserial


MODULE = "m01-foundations"


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _quiz(world):
    return world.app.extensions["r2com"]["content"].module(MODULE).quiz


def _answers(quiz, right: bool, wrong_pick: int = 0) -> dict:
    """Answers to every question: all right, or every choice question wrong (the ``wrong_pick``-th wrong option)."""
    answers = {}
    for q in quiz.questions:
        if q.type == "single_choice":
            wrong = [o.id for o in q.options if not o.correct]
            answers[q.id] = next(o.id for o in q.options if o.correct) if right else wrong[wrong_pick % len(wrong)]
        elif q.type == "multiple_choice":
            answers[q.id] = sorted(o.id for o in q.options if o.correct)
        elif q.type == "true_false":
            answers[q.id] = ("true" if q.answer else "false") if right else ("false" if q.answer else "true")
        elif q.type == "ordering":
            answers[q.id] = [i.id for i in q.items]
        elif q.type == "matching":
            answers[q.id] = {p.id: p.id for p in q.pairs}
        elif q.type == "short_answer":
            answers[q.id] = "words"
    return answers


def _attempts(world, patterns: list[tuple[bool, int]], *, when: dt.datetime | None = None, number: int = 1):
    """Store one submitted attempt per pattern (right?, which wrong option) by a new learner each, every question shown."""
    quiz = _quiz(world)
    ids = [q.id for q in quiz.questions]
    with world.app.app_context():
        for index, (right, pick) in enumerate(patterns):
            name = f"learner-{len(world.users)}"
            user = LtiUser(platform_id=world.platform_id, sub=f"sub-{name}", name=name)
            db.session.add(user)
            db.session.flush()
            world.users[name] = user.id
            answers = _answers(quiz, right, pick)
            score = score_quiz(quiz, answers, ids)
            db.session.add(QuizAttempt(
                context_id=world.contexts["x"], user_id=user.id, module_id=MODULE, quiz_id=quiz.id,
                package_id="r2com-course", package_version="1.1.0", number=number,
                layout={"questions": ids, "options": {q.id: [o.id for o in reversed(q.options)]
                                                      for q in quiz.questions if q.options}},
                answers=answers, submitted_at=when or utcnow(), points=score.points, max_points=score.max_points,
                percent=score.percent, passed=score.passed, kept=True,
                results={r.question_id: r.as_json() for r in score.results}))
        db.session.commit()


def test_point_biserial():
    assert point_biserial([1, 1, 0, 0], [90, 80, 40, 30]) == pytest.approx(50 / 2600 ** 0.5)
    assert point_biserial([1, 0, 1, 0], [10, 90, 20, 80]) < -0.9
    assert point_biserial([1, 1, 1], [10, 20, 30]) is None  # everyone right: undefined
    assert point_biserial([1, 0], [50, 50]) is None  # no spread in the other scores


def test_small_groups_show_no_figures_per_question(world, client):
    _attempts(world, [(True, 0), (False, 0), (False, 1)])
    trainer = world.session("tess", role="instructor")
    page = _text(client.get(f"/training/stats/{MODULE}", query_string={"ltik": trainer}))
    assert "3 attempts by 3 learners." in page and "Too few learners to show" in page
    assert "too few learners to show" in page and "Average result" not in page and "<svg" not in page
    rows = list(csv.reader(io.StringIO(_text(client.get(f"/training/stats/{MODULE}.csv",
                                                         query_string={"ltik": trainer})).lstrip("\ufeff"))))
    assert all(row[4] == "too few learners to show" for row in rows[1:])


def test_facility_discrimination_and_the_most_chosen_wrong_answer(world, client):
    quiz = _quiz(world)
    _attempts(world, [(True, 0), (True, 0), (True, 0), (False, 0), (False, 0), (False, 1)])
    trainer = world.session("tess", role="instructor")
    resp = client.get(f"/training/stats/{MODULE}", query_string={"ltik": trainer})
    page = _text(resp)
    assert resp.status_code == 200 and "6 attempts by 6 learners." in page and "Too few learners" not in page
    assert "<svg" in page and 'role="img"' in page and "<desc" in page and "Question 1: " in page
    single = next(q for q in quiz.questions if q.type == "single_choice")
    wrong = [o for o in single.options if not o.correct]
    rows = list(csv.reader(io.StringIO(_text(client.get(f"/training/stats/{MODULE}.csv",
                                                         query_string={"ltik": trainer})).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Question", "Type", "Attempts", "Learners", "Facility (% right)"]
    row = next(r for r in rows[1:] if r[8] == single.prompt)
    assert row[2] == "6" and row[4] == "50"
    assert float(row[5]) > 0.9  # the right answers come from the stronger attempts
    # Counted by option id: the first wrong option (twice), though the attempt showed options reversed.
    assert row[6] == wrong[0].text and row[7] == "2"
    open_q = next((r for r in rows[1:] if r[1] == "short_answer"), None)
    if open_q is not None:
        assert open_q[4] == "" and open_q[6] == ""
    # The index lists the quiz with its counts; learners cannot see statistics.
    index = _text(client.get("/training/stats", query_string={"ltik": trainer}))
    assert "6 submitted attempts by 6 learners" in index
    assert client.get(f"/training/stats/{MODULE}", query_string={"ltik": world.session("ana")}).status_code == 403


def test_date_filter_and_first_attempts(world, client):
    old = utcnow() - dt.timedelta(days=40)
    _attempts(world, [(True, 0)] * 3 + [(False, 0)] * 3, when=old)
    trainer = world.session("tess", role="instructor")
    since = (utcnow() - dt.timedelta(days=7)).date().isoformat()
    page = _text(client.get(f"/training/stats/{MODULE}", query_string={"ltik": trainer, "from": since}))
    assert "0 attempts by 0 learners." in page
    until = (old + dt.timedelta(days=1)).date().isoformat()
    page = _text(client.get(f"/training/stats/{MODULE}", query_string={"ltik": trainer, "to": until}))
    assert "6 attempts by 6 learners." in page
    csv_link = client.get(f"/training/stats/{MODULE}", query_string={"ltik": trainer, "to": until, "attempts": "all"})
    assert f"to={until}" in _text(csv_link) and "attempts=all" in _text(csv_link)
    bad = client.get(f"/training/stats/{MODULE}", query_string={"ltik": trainer, "from": "last week"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in _text(bad)
    upside = client.get(f"/training/stats/{MODULE}", query_string={"ltik": trainer, "from": "2026-05-01",
                                                                   "to": "2026-04-01"})
    assert upside.status_code == 400


def test_retakes_count_only_with_every_attempt(world, client):
    _attempts(world, [(True, 0)] * 5)
    with world.app.app_context():
        first = db.session.query(QuizAttempt).order_by(QuizAttempt.id).first()
        retake = QuizAttempt(context_id=first.context_id, user_id=first.user_id, module_id=MODULE,
                             quiz_id=first.quiz_id, package_id=first.package_id,
                             package_version=first.package_version, number=2, layout=first.layout,
                             answers=first.answers, submitted_at=utcnow(), points=first.points,
                             max_points=first.max_points, percent=first.percent, passed=True,
                             results=first.results)
        db.session.add(retake)
        db.session.commit()
    trainer = world.session("tess", role="instructor")
    assert "5 attempts by 5 learners." in _text(client.get(f"/training/stats/{MODULE}",
                                                           query_string={"ltik": trainer}))
    assert "6 attempts by 5 learners." in _text(client.get(f"/training/stats/{MODULE}",
                                                           query_string={"ltik": trainer, "attempts": "all"}))
