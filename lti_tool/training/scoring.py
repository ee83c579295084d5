"""Quiz scoring: pure functions, all-or-nothing per question; short answers are never scored.

Answers are plain JSON values, as stored on the attempt:

- ``single_choice``: the chosen option id (``str``)
- ``multiple_choice``: the chosen option ids (``list[str]``)
- ``true_false``: ``"true"`` or ``"false"``
- ``ordering``: item ids in the learner's order (``list[str]``)
- ``matching``: ``{pair id of the left item: pair id of the chosen right item}``
- ``short_answer``: the learner's text (``str``); completion only
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..content.model import Question, Quiz


@dataclass(frozen=True)
class QuestionResult:
    """The outcome of one question.

    Attributes:
        question_id: The question.
        scored: False for short answers (they never count).
        correct: True/False for scored questions; None for short answers.
        points: Points earned (0 or the question's points).
        max_points: The question's points if scored, else 0.
        answered: Whether an answer was given at all.
    """

    question_id: str
    scored: bool
    correct: bool | None
    points: float
    max_points: float
    answered: bool

    def as_json(self) -> dict[str, Any]:
        """Return the stored form."""
        return {"correct": self.correct, "points": self.points, "max": self.max_points, "answered": self.answered}


@dataclass(frozen=True)
class QuizScore:
    """The outcome of a whole attempt."""

    points: float
    max_points: float
    percent: float
    passed: bool
    results: tuple[QuestionResult, ...]


def is_answered(question: Question, answer: Any) -> bool:
    """Tell whether an answer was given (an untouched ordering or matching still counts as an answer)."""
    if answer is None:
        return False
    if isinstance(answer, (str, list, dict)):
        return bool(answer if not isinstance(answer, str) else answer.strip())
    return True


def _as_bool(answer: Any) -> bool | None:
    if isinstance(answer, bool):
        return answer
    if isinstance(answer, str) and answer.strip().lower() in ("true", "false"):
        return answer.strip().lower() == "true"
    return None


def is_correct(question: Question, answer: Any) -> bool | None:
    """Return whether ``answer`` is fully right; None for question types that are not scored."""
    kind = question.type
    if kind == "short_answer":
        return None
    if answer is None:
        return False
    if kind == "single_choice":
        return isinstance(answer, str) and answer in question.correct_option_ids
    if kind == "multiple_choice":
        if isinstance(answer, str):
            answer = [answer]
        if not isinstance(answer, (list, tuple)) or not all(isinstance(a, str) for a in answer):
            return False
        return len(set(answer)) == len(answer) and frozenset(answer) == question.correct_option_ids
    if kind == "true_false":
        given = _as_bool(answer)
        return given is not None and given == question.answer
    if kind == "ordering":
        return isinstance(answer, (list, tuple)) and list(answer) == [item.id for item in question.items]
    if kind == "matching":
        if not isinstance(answer, Mapping):
            return False
        return len(answer) == len(question.pairs) and all(answer.get(p.id) == p.id for p in question.pairs)
    raise ValueError(f"unknown question type {kind!r}")


def score_question(question: Question, answer: Any) -> QuestionResult:
    """Score one question: all or nothing."""
    correct = is_correct(question, answer)
    scored = question.scored
    maximum = float(question.points) if scored else 0.0
    return QuestionResult(question.id, scored, correct, maximum if correct else 0.0, maximum,
                          is_answered(question, answer))


def score_quiz(quiz: Quiz, answers: Mapping[str, Any], question_ids: Iterable[str] | None = None) -> QuizScore:
    """Score the questions of ``quiz`` (the version the attempt started under) against ``answers``.

    ``question_ids`` are the questions the attempt drew from the bank (default: every question).
    """
    questions = quiz.questions if question_ids is None else tuple(quiz.question(qid) for qid in question_ids)
    results = tuple(score_question(q, answers.get(q.id)) for q in questions)
    points = sum(r.points for r in results)
    maximum = sum(r.max_points for r in results)
    percent = round(points / maximum * 100, 2) if maximum else 100.0
    return QuizScore(points, maximum, percent, percent + 1e-9 >= quiz.pass_mark * 100, results)
