"""Scoring, question type by question type: all or nothing; short answers never count."""

from __future__ import annotations

import pytest

from lti_tool.content.model import Entry, Option, Question, Quiz
from lti_tool.training.scoring import is_answered, is_correct, score_question, score_quiz

SINGLE = Question("s", "single_choice", "?", 2, options=(Option("a", "A", True, "yes"), Option("b", "B", False, "no"),
                                                         Option("c", "C", False, "no")))
MULTI = Question("m", "multiple_choice", "?", options=(Option("a", "A", True, ""), Option("b", "B", True, ""),
                                                       Option("c", "C", False, "")))
TRUE = Question("t", "true_false", "?", answer=True, explanation="e")
FALSE = Question("f", "true_false", "?", answer=False, explanation="e")
ORDER = Question("o", "ordering", "?", items=(Entry("s1", "one"), Entry("s2", "two"), Entry("s3", "three")))
MATCH = Question("x", "matching", "?", pairs=(Entry("p1", left="L1", right="R1"), Entry("p2", left="L2", right="R2")))
SHORT = Question("w", "short_answer", "?", model_answer="model")


@pytest.mark.parametrize("answer, expected", [
    ("a", True), ("b", False), ("c", False), (None, False), ("zz", False), (["a"], False), (1, False)])
def test_single_choice(answer, expected):
    assert is_correct(SINGLE, answer) is expected
    result = score_question(SINGLE, answer)
    assert result.points == (2.0 if expected else 0.0) and result.max_points == 2.0 and result.scored


@pytest.mark.parametrize("answer, expected", [
    (["a", "b"], True), (["b", "a"], True), (["a"], False), (["a", "b", "c"], False), ([], False),
    (["a", "a", "b"], False), ("a", False), (None, False), ([1, 2], False), ({"a": 1}, False)])
def test_multiple_choice_is_all_or_nothing(answer, expected):
    assert is_correct(MULTI, answer) is expected


@pytest.mark.parametrize("question, answer, expected", [
    (TRUE, "true", True), (TRUE, "false", False), (TRUE, True, True), (TRUE, " TRUE ", True), (TRUE, "yes", False),
    (FALSE, "false", True), (FALSE, "true", False), (FALSE, False, True), (FALSE, None, False), (FALSE, 0, False)])
def test_true_false(question, answer, expected):
    assert is_correct(question, answer) is expected


@pytest.mark.parametrize("answer, expected", [
    (["s1", "s2", "s3"], True), (["s2", "s1", "s3"], False), (["s1", "s2"], False), (["s1", "s2", "s3", "s4"], False),
    ("s1s2s3", False), (None, False), ([], False)])
def test_ordering(answer, expected):
    assert is_correct(ORDER, answer) is expected


@pytest.mark.parametrize("answer, expected", [
    ({"p1": "p1", "p2": "p2"}, True), ({"p1": "p2", "p2": "p1"}, False), ({"p1": "p1"}, False),
    ({"p1": "p1", "p2": "p2", "p3": "p3"}, False), (["p1", "p2"], False), (None, False), ({}, False)])
def test_matching(answer, expected):
    assert is_correct(MATCH, answer) is expected


@pytest.mark.parametrize("answer", ["my words", "", None, "   "])
def test_short_answer_is_never_scored(answer):
    result = score_question(SHORT, answer)
    assert result.correct is None and not result.scored and result.points == 0 and result.max_points == 0
    assert result.answered is bool(answer and answer.strip())


def test_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError):
        is_correct(Question("u", "essay", "?"), "x")


def test_is_answered():
    assert not is_answered(SINGLE, None) and not is_answered(SINGLE, "") and is_answered(SINGLE, "a")
    assert not is_answered(MULTI, []) and is_answered(MULTI, ["a"]) and is_answered(TRUE, False)


def _quiz(pass_mark: float = 0.7, questions=(SINGLE, MULTI, TRUE, FALSE, ORDER, MATCH, SHORT)) -> Quiz:
    return Quiz("q", "m", "Quiz", pass_mark, 3, "highest", None, False, tuple(questions))


def test_quiz_score_sums_points_and_ignores_short_answers():
    right = {"s": "a", "m": ["a", "b"], "t": "true", "f": "false", "o": ["s1", "s2", "s3"],
             "x": {"p1": "p1", "p2": "p2"}, "w": "text"}
    result = score_quiz(_quiz(), right)
    assert (result.points, result.max_points, result.percent, result.passed) == (7.0, 7.0, 100.0, True)
    half = dict(right, s="b", m=["a"])  # lose 2 + 1 points
    result = score_quiz(_quiz(), half)
    assert (result.points, result.max_points) == (4.0, 7.0) and result.percent == 57.14 and not result.passed
    assert score_quiz(_quiz(), {}).points == 0


def test_pass_mark_is_inclusive():
    quiz = _quiz(0.5, (TRUE, FALSE))
    assert score_quiz(quiz, {"t": "true"}).passed
    assert not score_quiz(quiz, {"t": "false"}).passed


def test_quiz_of_only_open_questions_counts_as_done():
    result = score_quiz(_quiz(questions=(SHORT,)), {})
    assert result.max_points == 0 and result.percent == 100.0
