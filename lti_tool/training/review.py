"""A submitted attempt question by question, in words: for the compact result page and the result PDF.

Options are named by the ids stored in the attempt (its layout and answers), never by position, so shuffled
options and questions drawn from a bank read back the same way they were shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..content import model as m


@dataclass(frozen=True)
class QuestionReview:
    """One question of a submitted attempt.

    Attributes:
        number: 1-based position in the attempt.
        question: The question as the attempt showed it.
        correct: True, False, or None for an unscored question.
        given: The learner's answer in words (one line per part).
        right: The right answer in words (one line per part); the model answer for short answers.
        feedback: The feedback that applies: the chosen options' feedback, or the question's feedback.
    """

    number: int
    question: m.Question
    correct: bool | None
    given: tuple[str, ...]
    right: tuple[str, ...]
    feedback: tuple[str, ...]


def _option_text(q: m.Question, oid: str) -> str:
    return next((o.text for o in q.options if o.id == oid), oid)


def review(questions: list[m.Question], layout: dict[str, Any], answers: dict[str, Any],
           results: dict[str, Any]) -> list[QuestionReview]:
    """Return the review of each question of an attempt, in the attempt's order."""
    out: list[QuestionReview] = []
    none = _("(no answer)")
    for number, q in enumerate(questions, start=1):
        given_raw = answers.get(q.id)
        result = results.get(q.id, {})
        correct = result.get("correct")
        given: tuple[str, ...] = ()
        right: tuple[str, ...] = ()
        feedback: tuple[str, ...] = ()
        if q.type in ("single_choice", "multiple_choice"):
            chosen = [given_raw] if isinstance(given_raw, str) else list(given_raw or [])
            order = layout.get("options", {}).get(q.id) or [o.id for o in q.options]
            chosen = [oid for oid in order if oid in chosen]
            given = tuple(_option_text(q, oid) for oid in chosen)
            right = tuple(_option_text(q, oid) for oid in order if oid in q.correct_option_ids)
            feedback = tuple(o.feedback for oid in chosen for o in q.options if o.id == oid and o.feedback)
        elif q.type == "true_false":
            given = ((_("True") if given_raw == "true" else _("False")),) if given_raw in ("true", "false") else ()
            right = (_("True") if q.answer else _("False"),)
            feedback = (q.explanation,) if q.explanation else ()
        elif q.type == "ordering":
            texts = {i.id: i.text for i in q.items}
            given = tuple(texts.get(i, i) for i in (given_raw or []))
            right = tuple(i.text for i in q.items)
            feedback = (q.feedback,) if q.feedback else ()
        elif q.type == "matching":
            rights = {p.id: p.right for p in q.pairs}
            mine = given_raw or {}
            given = tuple(f"{p.left} → {rights.get(mine.get(p.id), none) if mine.get(p.id) else none}"
                          for p in q.pairs)
            right = tuple(f"{p.left} → {p.right}" for p in q.pairs)
            feedback = (q.feedback,) if q.feedback else ()
        elif q.type == "short_answer":
            given = (str(given_raw),) if given_raw else ()
            right = (q.model_answer,) if q.model_answer else ()
        out.append(QuestionReview(number, q, correct, given or (none,), right, feedback))
    return out
