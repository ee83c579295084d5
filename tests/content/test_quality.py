"""Training-quality checks of ``content validate``: guessable quizzes and uniform-friendly cases fail."""

from __future__ import annotations

import re
from pathlib import Path

from lti_tool.content.catalog import scan
from lti_tool.content.library import load_library
from lti_tool.content.quality import check_quality, quiz_report, strategy_answer

from .conftest import COURSE, edit


def _quality(tree: Path):
    outcome = scan(tree)
    assert outcome.issues == []  # the packages themselves load; only the quality checks may complain
    return check_quality(lp.package for lp in outcome.packages.values())


def _make_guessable(tree: Path) -> None:
    """Rewrite the fixture quiz the way the old course was written: longest right, last wrong, "false" right."""
    quiz = tree / COURSE / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    text = text.replace("text: Meeting old group members.", "text: Meeting old group members at the station café.")
    for old, new in (("Find a bed for tonight with the person.", "Find a safe bed for tonight and for the rest of the week."),
                     ("Ask what happened and who saw it.", "Ask the author what happened and when and who saw it before noting facts."),
                     ("Show them.", "Show them the notes and explain what each one is for."),
                     ("Call them.", "Call them to ask whether they are all right and want to meet again.")):
        text = text.replace(f"text: {old},", f"text: {new},")
    text = re.sub(r"answer: true", "answer: false", text)
    quiz.write_text(text.replace("draw: 8", "draw: null"), encoding="utf-8")


def test_the_fixture_tree_passes_the_quality_checks(tree: Path) -> None:
    quality = _quality(tree)
    assert quality.issues == []
    [report] = quality.quizzes
    assert (report.bank, report.scored, report.draw, report.scenarios) == (15, 14, 8, 9)
    assert report.positions == (2, 2, 1, 0) and report.longest_correct == 1
    assert (report.true_answers, report.false_answers) == (3, 2)
    assert not report.strategy_passes and report.strategy_percent < 40


def test_strategy_answers() -> None:
    library = load_library(Path(__file__).parent / "fixtures" / "tree")
    quiz = library.quiz("m01-basics")
    assert strategy_answer(quiz.question("q1")) == "a"  # the longest option
    assert strategy_answer(quiz.question("q2")) == ["a", "b"]  # all but the last
    assert strategy_answer(quiz.question("q3")) == "false"
    assert strategy_answer(quiz.question("q4")) is None  # ordering: no shortcut


def test_a_guessable_quiz_fails_and_says_why(tree: Path, content_app) -> None:
    _make_guessable(tree)
    quality = _quality(tree)
    messages = [i.message for i in quality.issues]
    assert any(m.startswith('the longest option / all but the last option / "false" strategy passes this quiz')
               for m in messages), messages
    assert any("strategy scores" in m and "over all quiz banks" in m for m in messages)
    assert "the correct option is the longest in 4 of 5 single-choice questions (at most 40%)" in messages
    assert '0 of 5 true/false answers are "true" (keep between 30% and 70%)' in messages
    assert "set `draw` below the number of scored questions, so each attempt draws its own set" in messages
    report = quality.quizzes[0]
    assert report.strategy_percent >= 70 and report.strategy_passes
    result = content_app.test_cli_runner().invoke(args=["content", "validate"])
    assert result.exit_code == 1
    assert "Quiz banks (strategy: longest option / all but the last option" in result.output
    assert "training-quality problem" in result.output and "quiz.yaml: questions:" in result.output


def test_over_correcting_to_short_right_answers_fails_too(tree: Path) -> None:
    quiz = tree / COURSE / "quiz.yaml"
    edit(quiz, "text: Find a bed for tonight with the person.,", "text: A bed.,")
    messages = [i.message for i in _quality(tree).issues]
    assert ("the correct option is the shortest in 3 of 5 single-choice questions (at most 40%): do not "
            "over-correct") in messages


def test_a_small_bank_without_scenarios_fails(tree: Path) -> None:
    quiz = tree / COURSE / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    quiz.write_text(text[:text.index("  - id: q10")].replace("draw: 8", "draw: null").replace(
        "    scenario: true\n", ""), encoding="utf-8")
    messages = [i.message for i in _quality(tree).issues]
    assert "the bank has 8 questions; a module's bank needs at least 15" in messages
    assert "0 of 8 questions are scenarios (`scenario: true`); the bank should be mostly scenarios" in messages


def test_a_case_that_uniform_ratings_can_pass_fails(tree: Path) -> None:
    case = tree / "demo-cases/cases/c01-alex.yaml"
    edit(case, 'need: "1"\n    strength: "not_known"', 'need: "2"\n    strength: "1"')
    messages = [i.message for i in _quality(tree).issues]
    assert any(m.startswith("rating need 2 and strength 1 in every domain scores 50% (must be under 40%)")
               for m in messages), messages


def test_a_case_without_reasons_or_an_activity_fails(tree: Path) -> None:
    case = tree / "demo-cases/cases/c01-alex.yaml"
    text = case.read_text(encoding="utf-8")
    case.write_text(re.sub(r"    reason: .*\n", "", text), encoding="utf-8")
    edit(tree / COURSE / "activity.md", "case: demo-cases/c01-alex\n", "")
    messages = [i.message for i in _quality(tree).issues]
    assert "no `reason` (what the reference saw and why) for: housing, income" in messages
    assert any(m.startswith("no course activity uses this case") for m in messages)


def test_best_draw_counts_the_luckiest_set(tree: Path) -> None:
    """Drawn sets are stratified by type: the check finds the draw where the strategy does best."""
    library = load_library(tree)
    report = quiz_report(library.quiz("m01-basics"))
    # bank: 5 single (1 guessable), 2 multiple (1), 4 true/false (2 "false"), 1 ordering, 1 matching, 1 more T/F
    assert report.strategy_points == 4 and report.max_points == 14
    assert 40 < report.best_draw_percent < 70
