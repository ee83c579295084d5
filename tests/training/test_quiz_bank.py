"""Item banks: each attempt draws its own stratified set, shows it shuffled, keeps it, and is scored on it alone."""

from __future__ import annotations

import random
import re
from collections import Counter

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.training.models import QuizAttempt
from lti_tool.training.quiz import _layout, draw_questions
from lti_tool.training.scoring import score_quiz

from .conftest import correct_form


def _quiz(world, module_id="m01-foundations"):
    return world.app.extensions["r2com"]["content"].module(module_id).quiz


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _types(quiz, ids):
    return Counter(quiz.question(qid).type for qid in ids)


def test_every_shipped_quiz_draws_a_stratified_set_from_a_bank(world):
    for module in world.app.extensions["r2com"]["content"].course().modules:
        quiz = module.quiz
        bank = quiz.scored_questions
        assert len(quiz.questions) >= 15 and quiz.shuffle and quiz.draw is not None and quiz.draw < len(bank)
        drawn = draw_questions(quiz, random.Random(1))
        assert len(drawn) == quiz.draw and len(set(drawn)) == quiz.draw
        assert all(quiz.question(qid).scored for qid in drawn)
        counts, sizes = _types(quiz, drawn), Counter(q.type for q in bank)
        for kind, size in sizes.items():  # each type gets its share of the draw, rounded down or up
            share = quiz.draw * size / len(bank)
            assert int(share) <= counts.get(kind, 0) <= int(share) + 1, (module.id, kind)


def test_a_retake_draws_the_questions_not_seen_before(world):
    quiz = _quiz(world)
    first = draw_questions(quiz, random.Random(7))
    second = draw_questions(quiz, random.Random(8), {qid: 1 for qid in first})
    by_type = Counter(q.type for q in quiz.scored_questions)
    for kind, size in by_type.items():
        unseen = {q.id for q in quiz.scored_questions if q.type == kind and q.id not in first}
        taken = [qid for qid in second if quiz.question(qid).type == kind]
        # the unseen questions of each type come first; seen ones only fill what is left
        assert set(taken) >= unseen or set(taken) <= unseen, kind
    assert len(set(second) - set(first)) >= len(quiz.scored_questions) - quiz.draw - 1


def test_layout_is_stable_for_a_seed_and_shuffles_options(world):
    quiz = _quiz(world)
    assert _layout(quiz, 42) == _layout(quiz, 42)
    layouts = [_layout(quiz, seed) for seed in range(40)]
    positions = Counter()
    for layout in layouts:
        scored = [qid for qid in layout["questions"] if quiz.question(qid).scored]
        assert len(scored) == quiz.draw and layout["questions"][-1] == "q11"  # the open question comes last
        for qid, order in layout["options"].items():
            question = quiz.question(qid)
            assert sorted(order) == sorted(o.id for o in question.options)
            if question.type == "single_choice":
                positions[order.index(next(iter(question.correct_option_ids)))] += 1
    assert len(positions) == 4 and min(positions.values()) > 0  # the right answer turns up in every position
    assert len({tuple(layout["questions"]) for layout in layouts}) > 30  # sets and orders differ per attempt


def test_only_the_drawn_questions_are_scored(world):
    quiz = _quiz(world)
    drawn = draw_questions(quiz, random.Random(3))
    answers = {}
    for q in quiz.questions:  # right on the drawn questions, wrong (or missing) on all the others
        right = q.id in drawn
        if q.type == "single_choice":
            answers[q.id] = next(o.id for o in q.options if o.correct == right)
        elif q.type == "multiple_choice":
            answers[q.id] = sorted(o.id for o in q.options if o.correct == right)
        elif q.type == "true_false":
            answers[q.id] = "true" if q.answer == right else "false"
        elif q.type == "matching" and right:
            answers[q.id] = {p.id: p.id for p in q.pairs}
    result = score_quiz(quiz, answers, drawn)
    assert result.max_points == quiz.draw and result.percent == 100 and result.passed
    assert [r.question_id for r in result.results] == drawn


def test_attempt_keeps_its_draw_and_order_and_a_retake_differs(world, client):
    token = world.session("ana")
    quiz = _quiz(world)
    intro = _text(client.get("/training/modules/m01-foundations/quiz", query_string={"ltik": token}))
    assert "drawn for each attempt from a bank of 17" in intro and "different order in each attempt" in intro
    start = client.post("/training/modules/m01-foundations/quiz/start", data={"ltik": token})
    url = start.headers["Location"].split("?")[0]
    with world.app.app_context():
        attempt = db.session.execute(select(QuizAttempt)).scalar_one()
        layout = dict(attempt.layout)
    shown = re.findall(r'id="q-(q\d+)"', _text(client.get(url, query_string={"ltik": token})))
    assert shown == layout["questions"] and len(shown) == quiz.draw + 1
    again = _text(client.get(url, query_string={"ltik": token}))
    assert re.findall(r'id="q-(q\d+)"', again) == shown  # reopening shows the same questions in the same order
    first_single = next(qid for qid in shown if quiz.question(qid).type == "single_choice")
    option_order = re.findall(rf'name="q-{first_single}" id="q-{first_single}-[a-z]" value="([a-z])"', again)
    assert option_order == layout["options"][first_single]  # options in the recorded order
    done = client.post(url, data=dict(correct_form(quiz), ltik=token, action="submit"))
    assert done.status_code == 303
    with world.app.app_context():
        attempt = db.session.execute(select(QuizAttempt)).scalar_one()
        assert attempt.max_points == quiz.draw and attempt.percent == 100
        assert set(attempt.results) == set(layout["questions"])
    retake = client.post("/training/modules/m01-foundations/quiz/start", data={"ltik": token})
    assert retake.status_code == 303
    with world.app.app_context():
        second = db.session.execute(select(QuizAttempt).where(QuizAttempt.number == 2)).scalar_one()
        new = set(second.layout["questions"]) - set(layout["questions"])
    # 16 scored questions, 10 drawn: the retake brings in every one of the 6 not asked before
    assert len(new) == len(quiz.scored_questions) - quiz.draw


def test_activity_debrief_shows_after_the_learner_saves_a_reflection(world, client):
    token = world.session("ana")
    before = _text(client.get("/training/modules/m01-foundations/activity", query_string={"ltik": token}))
    assert "Save your reflection to see a model answer" in before and "Model sort" not in before
    empty = _text(client.post("/training/modules/m01-foundations/activity", data={"ltik": token, "reflection-0": " "}))
    assert "Model sort" not in empty  # an empty reflection does not open the debrief
    saved = _text(client.post("/training/modules/m01-foundations/activity",
                              data={"ltik": token, "reflection-0": "Statement 4 was hard."}))
    assert "Debrief: a model answer and commentary" in saved and "Model sort" in saved
    later = _text(client.get("/training/modules/m01-foundations/activity", query_string={"ltik": token}))
    assert "Model sort" in later  # it stays available once the learner has answered


def test_every_activity_has_a_debrief_and_none_relies_on_a_live_session(world):
    for module in world.app.extensions["r2com"]["content"].course().modules:
        activity = module.activity
        assert len(activity.debrief_html) > 500, module.id
        assert "live session" not in (activity.html + activity.debrief_html).lower(), module.id
