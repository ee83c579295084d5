"""Training-quality checks that ``content validate`` runs on top of the loading checks.

* Quizzes must test judgement, not test-taking tricks: per quiz it measures the share of single-choice
  questions whose correct option is the longest, where the correct options sit, the true/false balance,
  and the score of the "longest option / all but the last option / false" strategy, over the whole bank
  and over the luckiest draw an attempt could get. The strategy must pass no quiz and score under 40 %
  over the whole course.
* Item banks: at least 15 questions per quiz, mostly scenarios, with a draw smaller than the bank so a
  retake asks different questions.
* Case exercises must reward judgement: a profile with the same need and strength in every domain must
  score under 40 % on every case (notes left empty); every reference domain says what it saw (``reason``);
  every case is used by a course activity. How often a profile says "not known" is reported.

These checks do not stop the app from starting (the loading checks do): they stop a release.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Iterable

from . import model as m
from .errors import ContentIssue

STRATEGY = 'longest option / all but the last option / "false"'
STRATEGY_LIMIT = 0.40  # overall share of points the strategy may earn (under)
MAX_LONGEST_SHARE = 0.40  # share of single-choice questions whose correct option is the longest (at most)
MAX_POSITION_SHARE = 0.40  # share of correct single-choice options in any one position (at most)
TRUE_FALSE_BALANCE = (0.3, 0.7)  # share of "true" answers among true/false questions
MIN_BANK = 15
MIN_SCENARIO_SHARE = 0.5


@dataclass(frozen=True)
class QuizReport:
    """The bias measures of one quiz (its whole bank)."""

    module_id: str
    quiz_id: str
    file: str
    bank: int
    scored: int
    draw: int | None
    scenarios: int
    single: int
    longest_correct: int
    shortest_correct: int
    positions: tuple[int, ...]  # correct single-choice options per position 1..4
    multiple: int
    all_but_last: int
    true_answers: int
    false_answers: int
    strategy_points: float
    max_points: float
    best_draw_percent: float
    pass_mark: float

    @property
    def strategy_percent(self) -> float:
        return 100 * self.strategy_points / self.max_points if self.max_points else 0.0

    @property
    def strategy_passes(self) -> bool:
        return max(self.strategy_percent, self.best_draw_percent) + 1e-9 >= self.pass_mark * 100


def strategy_answer(question: m.Question) -> Any:
    """Return the answer of the "longest / all but last / false" strategy (None: it cannot answer)."""
    if question.type == "single_choice":
        longest = max(len(o.text) for o in question.options)
        return next(o.id for o in question.options if len(o.text) == longest)
    if question.type == "multiple_choice":
        return [o.id for o in question.options[:-1]]
    if question.type == "true_false":
        return "false"
    return None  # ordering and matching are shown shuffled: no shortcut


def strategy_correct(question: m.Question) -> bool:
    """Tell whether the strategy gets a scored question right."""
    answer = strategy_answer(question)
    if answer is None:
        return False
    if question.type == "single_choice":
        return answer in question.correct_option_ids
    if question.type == "multiple_choice":
        return frozenset(answer) == question.correct_option_ids
    return question.answer is False


def _best_draw(quiz: m.Quiz) -> float:
    """Return the strategy's percentage on the luckiest set an attempt could draw (the draw is stratified by type)."""
    bank = list(quiz.scored_questions)
    if not bank:
        return 0.0
    if quiz.draw is None or quiz.draw >= len(bank):
        total = sum(q.points for q in bank)
        return 100 * sum(q.points for q in bank if strategy_correct(q)) / total
    by_type: dict[str, list[m.Question]] = {}
    for q in bank:
        by_type.setdefault(q.type, []).append(q)
    shares = {t: quiz.draw * len(qs) / len(bank) for t, qs in by_type.items()}
    floors = {t: int(share) for t, share in shares.items()}
    extra = quiz.draw - sum(floors.values())
    fractional = [t for t in shares if shares[t] > floors[t]]
    best = 0.0
    for picked in itertools.combinations(fractional, extra) if extra else [()]:
        got = total = 0.0
        for t, qs in by_type.items():
            k = floors[t] + (1 if t in picked else 0)
            right = sorted((q.points for q in qs if strategy_correct(q)), reverse=True)
            wrong = sorted(q.points for q in qs if not strategy_correct(q))
            take_right = right[:k]
            take_wrong = wrong[:k - len(take_right)]
            got += sum(take_right)
            total += sum(take_right) + sum(take_wrong)
        best = max(best, 100 * got / total if total else 0.0)
    return best


def quiz_report(quiz: m.Quiz, file: str = "") -> QuizReport:
    """Measure one quiz's bank."""
    singles = [q for q in quiz.questions if q.type == "single_choice"]
    longest = shortest = 0
    positions = [0, 0, 0, 0]
    for q in singles:
        lengths = [len(o.text) for o in q.options]
        index = next(i for i, o in enumerate(q.options) if o.correct)
        longest += lengths[index] == max(lengths)
        shortest += lengths[index] == min(lengths)
        positions[min(index, 3)] += 1
    multiples = [q for q in quiz.questions if q.type == "multiple_choice"]
    all_but_last = sum(1 for q in multiples if frozenset(o.id for o in q.options[:-1]) == q.correct_option_ids)
    tf = [q for q in quiz.questions if q.type == "true_false"]
    scored = quiz.scored_questions
    return QuizReport(
        module_id=quiz.module_id, quiz_id=quiz.id, file=file, bank=len(quiz.questions), scored=len(scored),
        draw=quiz.draw, scenarios=sum(1 for q in quiz.questions if q.scenario), single=len(singles),
        longest_correct=longest, shortest_correct=shortest, positions=tuple(positions), multiple=len(multiples), all_but_last=all_but_last,
        true_answers=sum(1 for q in tf if q.answer), false_answers=sum(1 for q in tf if not q.answer),
        strategy_points=float(sum(q.points for q in scored if strategy_correct(q))),
        max_points=float(sum(q.points for q in scored)), best_draw_percent=_best_draw(quiz),
        pass_mark=quiz.pass_mark)


def quiz_issues(report: QuizReport) -> list[str]:
    """Return what is wrong with one quiz's bank, as plain sentences."""
    problems: list[str] = []
    if report.strategy_passes:
        problems.append(f"the {STRATEGY} strategy passes this quiz ({report.strategy_percent:.0f} % of the bank, "
                        f"{report.best_draw_percent:.0f} % on the luckiest draw; pass mark "
                        f"{report.pass_mark * 100:.0f} %): rebalance the wording")
    if report.single and report.longest_correct / report.single > MAX_LONGEST_SHARE:
        problems.append(f"the correct option is the longest in {report.longest_correct} of {report.single} "
                        f"single-choice questions (at most {MAX_LONGEST_SHARE:.0%})")
    if report.single >= 4 and report.shortest_correct / report.single > MAX_LONGEST_SHARE:
        problems.append(f"the correct option is the shortest in {report.shortest_correct} of {report.single} "
                        f"single-choice questions (at most {MAX_LONGEST_SHARE:.0%}): do not over-correct")
    if report.single >= 4 and max(report.positions) / report.single > MAX_POSITION_SHARE:
        spread = "-".join(map(str, report.positions))
        problems.append(f"the correct single-choice options bunch in one position ({spread} in positions 1-2-3-4; "
                        f"at most {MAX_POSITION_SHARE:.0%} in any one)")
    tf = report.true_answers + report.false_answers
    low, high = TRUE_FALSE_BALANCE
    if tf >= 4 and not low <= report.true_answers / tf <= high:
        problems.append(f"{report.true_answers} of {tf} true/false answers are \"true\" (keep between "
                        f"{low:.0%} and {high:.0%})")
    if report.bank < MIN_BANK:
        problems.append(f"the bank has {report.bank} questions; a module's bank needs at least {MIN_BANK}")
    if report.draw is None or report.draw >= report.scored:
        problems.append("set `draw` below the number of scored questions, so each attempt draws its own set")
    if report.bank and report.scenarios / report.bank < MIN_SCENARIO_SHARE:
        problems.append(f"{report.scenarios} of {report.bank} questions are scenarios (`scenario: true`); "
                        f"the bank should be mostly scenarios")
    return problems


@dataclass(frozen=True)
class CaseReport:
    """How the uniform ratings do on one case."""

    case_id: str
    file: str
    used_by: tuple[str, ...]  # activity ids
    worst: tuple[str, str]  # the uniform (need, strength) that scores best
    worst_share: float
    not_known: int
    missing_reasons: tuple[str, ...]


def case_report(case: m.Case, instrument: m.Instrument, used_by: Iterable[str], file: str = "") -> CaseReport:
    """Score every uniform rating on a case (empty notes) and note what the profile is missing."""
    from ..assessment.training import uniform_scores

    scores = uniform_scores(case.reference_profile, instrument.scales["need"].value_ids,
                            instrument.scales["strength"].value_ids, [d.id for d in instrument.domains])
    worst = max(scores, key=lambda pair: scores[pair])
    not_known = sum((r.need == "not_known") + (r.strength == "not_known") for r in case.reference_profile.values())
    missing = tuple(d for d, r in case.reference_profile.items() if not r.reason)
    return CaseReport(case.id, file, tuple(used_by), worst, scores[worst], not_known, missing)


def case_issues(report: CaseReport) -> list[str]:
    """Return what is wrong with one case exercise, as plain sentences."""
    from ..assessment.training import UNIFORM_LIMIT

    problems: list[str] = []
    if report.worst_share >= UNIFORM_LIMIT:
        need, strength = report.worst
        problems.append(f"rating need {need} and strength {strength} in every domain scores "
                        f"{report.worst_share:.0%} (must be under {UNIFORM_LIMIT:.0%}): vary the reference ratings "
                        "and use \"not_known\" where the story gives no evidence")
    if report.missing_reasons:
        problems.append(f"no `reason` (what the reference saw and why) for: {', '.join(report.missing_reasons)}")
    if not report.used_by:
        problems.append("no course activity uses this case (`case:` in an activity's front matter), and no guide "
                        "chapter sets it as an exercise (a ref: link, e.g. in the session plans)")
    return problems


@dataclass(frozen=True)
class Quality:
    """Every report and the issues they raise."""

    quizzes: list[QuizReport]
    cases: list[CaseReport]
    issues: list[ContentIssue]

    @property
    def strategy_overall(self) -> float:
        """Return the strategy's share of all scored points, over every bank, in percent."""
        total = sum(r.max_points for r in self.quizzes)
        return 100 * sum(r.strategy_points for r in self.quizzes) / total if total else 0.0


def check_quality(packages: Iterable[m.Package]) -> Quality:
    """Run every training-quality check on the course and the case set."""
    packages = list(packages)
    course = next((p for p in packages if p.kind == "course"), None)
    cases = next((p for p in packages if p.kind == "case-set"), None)
    instrument = next((p for p in packages if p.kind == "instrument"), None)
    issues: list[ContentIssue] = []
    quizzes: list[QuizReport] = []
    case_reports: list[CaseReport] = []
    if course is not None:
        assert isinstance(course.body, m.Course)
        for module in course.body.modules:
            file = f"{course.id}/modules/{module.id}/quiz.yaml"
            report = quiz_report(module.quiz, file)
            quizzes.append(report)
            issues.extend(ContentIssue(file, "questions", problem) for problem in quiz_issues(report))
        overall = Quality(quizzes, [], []).strategy_overall
        if quizzes and overall >= STRATEGY_LIMIT * 100:
            issues.append(ContentIssue(f"{course.id}/course.yaml", "modules",
                                       f"the {STRATEGY} strategy scores {overall:.0f} % over all quiz banks "
                                       f"(must be under {STRATEGY_LIMIT:.0%})"))
    if cases is not None and instrument is not None:
        assert isinstance(cases.body, m.CaseSet) and isinstance(instrument.body, m.Instrument)
        users: dict[str, list[str]] = {}
        if course is not None:
            assert isinstance(course.body, m.Course)
            for module in course.body.modules:
                ref = module.activity.case
                if ref and ref.partition("/")[0] == cases.id:
                    users.setdefault(ref.partition("/")[2], []).append(module.activity.id)
        # Eight modules have one activity each; other cases are exercises the facilitator's session plans
        # set (a ref: link in a guide chapter), which trainers place as graded case exercises.
        manual = next((p for p in packages if p.kind == "manual"), None)
        if manual is not None:
            assert isinstance(manual.body, m.Manual)
            linked = re.compile(rf'data-ref="{re.escape(cases.id)}/([a-z0-9-]+)"')
            for chapter in manual.body.chapters:
                for case_id in dict.fromkeys(linked.findall(chapter.html)):
                    users.setdefault(case_id, []).append(chapter.id)
        for case in cases.body.cases:
            file = f"{cases.id}/{case.file}"
            report = case_report(case, instrument.body, users.get(case.id, ()), file)
            case_reports.append(report)
            issues.extend(ContentIssue(file, "reference_profile", problem) for problem in case_issues(report))
    return Quality(quizzes, case_reports, sorted(issues, key=ContentIssue.sort_key))


def translated_quiz_issues(library: Any) -> list[ContentIssue]:
    """The quiz checks on every translated course: a translation must not give an answer away either.

    Only length can change in translation (positions, true/false answers and the bank are the source's), so
    this is where a translated option that grew much longer than its siblings is caught.
    """
    issues: list[ContentIssue] = []
    for package in library.packages():
        if package.kind != "course":
            continue
        for lang, translated in sorted(library.loaded(package.id).translations.items()):
            for module in translated.body.modules:
                file = f"{package.id}/i18n/{lang}/modules/{module.id}/quiz.yaml"
                issues.extend(ContentIssue(file, "questions", problem)
                              for problem in quiz_issues(quiz_report(module.quiz, file)))
    return issues


def report_lines(quality: Quality) -> list[str]:
    """Return the table ``content validate`` prints."""
    lines: list[str] = []
    if quality.quizzes:
        lines.append(f"Quiz banks (strategy: {STRATEGY}):")
        lines.append(f"  {'QUIZ':10} {'BANK':>4} {'DRAW':>4} {'SCEN':>4} {'LONGEST':>8} {'SHORTEST':>8} {'POSITIONS':>10} "
                     f"{'T/F':>5} {'ALL-BUT-LAST':>12} {'STRATEGY':>8} {'BEST DRAW':>9} {'PASS':>5}")
        for r in quality.quizzes:
            lines.append(f"  {r.quiz_id:10} {r.bank:>4} {str(r.draw or '-'):>4} {r.scenarios:>4} "
                         f"{f'{r.longest_correct}/{r.single}':>8} {f'{r.shortest_correct}/{r.single}':>8} "
                         f"{'-'.join(map(str, r.positions)):>10} "
                         f"{f'{r.true_answers}/{r.false_answers}':>5} {f'{r.all_but_last}/{r.multiple}':>12} "
                         f"{r.strategy_percent:>7.1f}% {r.best_draw_percent:>8.1f}% {r.pass_mark * 100:>4.0f}%")
        passed = sum(1 for r in quality.quizzes if r.strategy_passes)
        lines.append(f"  Strategy over all banks: {quality.strategy_overall:.1f} % (must be under "
                     f"{STRATEGY_LIMIT:.0%}); quizzes it passes: {passed} of {len(quality.quizzes)}.")
        lines.append("  LONGEST, SHORTEST: correct option is the longest (shortest) / single-choice questions; "
                     "POSITIONS: correct single-choice options in positions 1-2-3-4; T/F: true/false answers.")
    if quality.cases:
        lines.append("Case exercises (the best-scoring uniform rating, notes empty):")
        for c in quality.cases:
            need, strength = c.worst
            lines.append(f"  {c.case_id:14} {c.worst_share * 100:5.1f}% (need {need} / strength {strength}); "
                         f"\"not known\" {c.not_known}x; used by {', '.join(c.used_by) or 'no activity'}")
    return lines
