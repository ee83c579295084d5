"""Question statistics for trainers: per quiz and question, how learners in a course answered.

For each question, over the submitted attempts that showed it (questions are drawn from a bank, so not every
attempt shows every question):

- **attempts**: how many attempts showed it, and how many different learners;
- **facility**: the share of those attempts that got it right (questions are scored all or nothing);
- **discrimination**: the *corrected point-biserial correlation* between getting this question right (1/0) and
  the attempt's score on its *other* scored questions (in percent). It runs from -1 to 1: near 0 the question
  does not separate stronger from weaker attempts, below 0 stronger attempts get it wrong more often (check the
  key or the wording); around 0.2 or more is usually fine. "Corrected" means the question itself is left out of
  the score it is compared with, so it cannot correlate with itself. Undefined (shown as "—") when everyone got
  it right, or wrong, or all other scores are equal;
- **most chosen wrong answer**: for choice and true/false questions, the wrong option picked most often,
  counted by the option ids stored in the attempt (options are shuffled per attempt, positions mean nothing).

By default each learner's first submitted attempt counts (a retake after reading the feedback measures
something else); "all attempts" counts every submitted attempt.

Privacy: with fewer than :data:`MIN_LEARNERS` different learners in the selection, nothing per question is
shown but the counts, so a trainer cannot work out how one person answered. The same applies per question.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from ..content import model as m
from ..extensions import db
from .models import QuizAttempt

#: Below this many different learners, per-question figures are not shown.
MIN_LEARNERS = 5


@dataclass
class QuestionStats:
    """Statistics of one question (see the module docstring for what each figure means)."""

    question_id: str
    number: int
    prompt: str
    type: str
    scored: bool
    attempts: int = 0
    learners: int = 0
    correct: int = 0
    facility: float | None = None
    discrimination: float | None = None
    wrong_answer: str | None = None
    wrong_count: int = 0
    hidden: bool = False  # too few learners to show


@dataclass
class QuizStats:
    """Statistics of one quiz in one course, for a date range."""

    module: m.Module
    attempts: int
    learners: int
    mean_percent: float | None
    pass_rate: float | None
    questions: list[QuestionStats] = field(default_factory=list)

    @property
    def too_few(self) -> bool:
        """Tell whether too few learners are in the selection to show anything per question."""
        return self.learners < MIN_LEARNERS


def point_biserial(flags: list[int], scores: list[float]) -> float | None:
    """Return the Pearson correlation of 0/1 ``flags`` with ``scores``, or None when it is undefined."""
    n = len(flags)
    if n < 2 or len(set(flags)) < 2:
        return None
    mean_f, mean_s = sum(flags) / n, sum(scores) / n
    cov = sum((f - mean_f) * (s - mean_s) for f, s in zip(flags, scores))
    var_f = sum((f - mean_f) ** 2 for f in flags)
    var_s = sum((s - mean_s) ** 2 for s in scores)
    if var_s == 0:
        return None
    return cov / math.sqrt(var_f * var_s)


def submitted_attempts(context_id: int, module_id: str, *, since: dt.date | None = None,
                       until: dt.date | None = None, first_only: bool = True) -> list[QuizAttempt]:
    """Return the submitted attempts at a module's quiz in a course, submitted within [since, until]."""
    query = select(QuizAttempt).where(QuizAttempt.context_id == context_id, QuizAttempt.module_id == module_id,
                                      QuizAttempt.submitted_at.is_not(None))
    if since is not None:
        query = query.where(QuizAttempt.submitted_at >= dt.datetime.combine(since, dt.time(), dt.timezone.utc))
    if until is not None:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
        query = query.where(QuizAttempt.submitted_at < end)
    attempts = list(db.session.execute(query.order_by(QuizAttempt.user_id, QuizAttempt.number)).scalars())
    if first_only:
        seen: set[int] = set()
        firsts = []
        for attempt in attempts:
            if attempt.user_id not in seen:
                seen.add(attempt.user_id)
                firsts.append(attempt)
        attempts = firsts
    return attempts


def _answer_label(q: m.Question, value: Any) -> list[str]:
    """Return the wrong choices in an answer, as keys (option ids, or "true"/"false")."""
    if q.type == "single_choice":
        return [value] if isinstance(value, str) and value not in q.correct_option_ids else []
    if q.type == "multiple_choice":
        return [v for v in (value or []) if isinstance(v, str) and v not in q.correct_option_ids]
    if q.type == "true_false":
        right = "true" if q.answer else "false"
        return [value] if value in ("true", "false") and value != right else []
    return []


def _label_of(q: m.Question, key: str) -> str:
    if q.type == "true_false":
        return _("True") if key == "true" else _("False")
    return next((o.text for o in q.options if o.id == key), key)


def quiz_stats(context_id: int, module: m.Module, attempts: Iterable[QuizAttempt]) -> QuizStats:
    """Return the statistics of a module's quiz over ``attempts`` (see :func:`submitted_attempts`)."""
    attempts = list(attempts)
    quiz = module.quiz
    learners = len({a.user_id for a in attempts})
    percents = [a.percent for a in attempts if a.percent is not None]
    stats = QuizStats(module=module, attempts=len(attempts), learners=learners,
                      mean_percent=round(sum(percents) / len(percents), 1) if percents else None,
                      pass_rate=round(sum(1 for a in attempts if a.passed) * 100 / len(attempts), 1)
                      if attempts else None)
    for number, q in enumerate(quiz.questions, start=1):
        row = QuestionStats(q.id, number, q.prompt, q.type, q.scored)
        flags: list[int] = []
        rests: list[float] = []
        users: set[int] = set()
        wrong: Counter[str] = Counter()
        for attempt in attempts:
            result = (attempt.results or {}).get(q.id)
            if result is None:  # not drawn in this attempt
                continue
            row.attempts += 1
            users.add(attempt.user_id)
            wrong.update(_answer_label(q, (attempt.answers or {}).get(q.id)))
            if not q.scored:
                continue
            flag = 1 if result.get("correct") else 0
            flags.append(flag)
            other_max = (attempt.max_points or 0) - float(result.get("max") or 0)
            other_points = (attempt.points or 0) - float(result.get("points") or 0)
            rests.append(other_points * 100 / other_max if other_max > 0 else 0.0)
        row.learners = len(users)
        row.correct = sum(flags)
        if q.scored and flags:
            row.facility = round(row.correct * 100 / len(flags), 1)
            r = point_biserial(flags, rests)
            row.discrimination = None if r is None else round(r, 2)
        if wrong:
            key, row.wrong_count = wrong.most_common(1)[0]
            row.wrong_answer = _label_of(q, key)
        row.hidden = stats.too_few or row.learners < MIN_LEARNERS
        if row.hidden:
            row.correct, row.facility, row.discrimination, row.wrong_answer, row.wrong_count = 0, None, None, None, 0
        stats.questions.append(row)
    return stats


def csv_rows(stats: QuizStats) -> tuple[list[str], list[list[Any]]]:
    """Return the header and rows of the statistics CSV (hidden figures are written as "too few learners")."""
    header = [_("Question"), _("Type"), _("Attempts"), _("Learners"), _("Facility (%(percent)s right)", percent="%"),
              _("Discrimination (corrected point-biserial)"), _("Most chosen wrong answer"),
              _("Times chosen"), _("Text")]
    few = _("too few learners to show")
    rows = []
    for q in stats.questions:
        if q.hidden:
            rows.append([q.number, q.type, q.attempts, q.learners, few, few, few, few, q.prompt])
            continue
        rows.append([q.number, q.type, q.attempts, q.learners, "" if q.facility is None else f"{q.facility:g}",
                     "" if q.discrimination is None else f"{q.discrimination:g}", q.wrong_answer or "",
                     q.wrong_count or "", q.prompt])
    return header, rows


def facility_chart(stats: QuizStats, *, chart_id: str = "facility-chart") -> Markup:
    """Return an SVG bar chart of the facility of each shown question, with a title and a text description.

    Each bar has its number written beside it, so nothing depends on colour; the table below the chart holds
    the same figures.
    """
    rows = [q for q in stats.questions if q.facility is not None and not q.hidden]
    if not rows:
        return Markup("")
    bar_h, gap, label_w, bar_w, value_w = 20, 10, 60, 300, 90
    width, height = label_w + bar_w + value_w, len(rows) * (bar_h + gap) + gap
    title = _("Share of attempts that got each question right")
    desc = "; ".join(_("Question %(n)s: %(p)s %% right", n=q.number, p=format(q.facility, "g")) for q in rows)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(desc)}</desc>']
    for index, q in enumerate(rows):
        y = gap + index * (bar_h + gap)
        filled = round(bar_w * (q.facility or 0) / 100)
        parts.append(f'<g><text x="{label_w - 8}" y="{y + bar_h * 0.72:.0f}" text-anchor="end" class="chart-label">'
                     f'{escape(_("Q%(n)s", n=q.number))}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{bar_h}" class="chart-track"/>'
                     f'<rect x="{label_w}" y="{y}" width="{filled}" height="{bar_h}" class="chart-bar"/>'
                     f'<text x="{label_w + bar_w + 8}" y="{y + bar_h * 0.72:.0f}" class="chart-value">'
                     f'{q.facility:g} %</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
