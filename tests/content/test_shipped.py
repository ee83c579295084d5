"""The shipped packages validate and meet the numbers of the issue. No skipping: broken content fails here."""

from __future__ import annotations

from lti_tool.config import PROJECT_ROOT
from lti_tool.content.library import load_library
from lti_tool.content.loader import MIN_CHAPTER_WORDS, MIN_MODULE_WORDS, MIN_QUIZ_QUESTIONS

SHIPPED = PROJECT_ROOT / "content_packages"


def test_shipped_packages_validate() -> None:
    library = load_library(SHIPPED)  # raises ContentPackageError listing every issue
    assert [p.id for p in library.packages()] == ["r2com-cases", "r2com-course", "r2com-instrument", "r2com-manual"]


def test_shipped_course_has_8_modules_with_enough_words_and_questions() -> None:
    course = load_library(SHIPPED).course()
    assert len(course.modules) == 8
    for module in course.modules:
        assert module.words >= MIN_MODULE_WORDS, module.id
        assert len(module.quiz.questions) >= MIN_QUIZ_QUESTIONS, module.id


def test_shipped_manual_instrument_and_cases() -> None:
    library = load_library(SHIPPED)
    chapters = library.manual().chapters
    assert len(chapters) == 22 and all(c.words >= MIN_CHAPTER_WORDS for c in chapters)
    instrument = library.instrument()
    assert len(instrument.required_domains) == 11 and len(instrument.domains) == 12
    assert instrument.domains[-1].id == "networks-pressures"  # interview order: networks last
    cases = library.case_set().cases
    assert len(cases) >= 4 and all(case.fictional for case in cases)


def test_validate_command_passes_on_the_shipped_packages(runner) -> None:
    result = runner.invoke(args=["content", "validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 4 packages valid")


def test_shipped_quizzes_and_cases_pass_the_quality_checks() -> None:
    """Issue 12: the guessing strategy passes no quiz and scores under 40 %; uniform ratings score under 40 %."""
    from lti_tool.content.quality import MIN_BANK, check_quality

    quality = check_quality(load_library(SHIPPED).packages())
    assert quality.issues == []
    assert quality.strategy_overall < 40 and not any(r.strategy_passes for r in quality.quizzes)
    assert len(quality.quizzes) == 8
    for report in quality.quizzes:
        assert report.bank >= MIN_BANK and report.scenarios * 2 > report.bank, report.quiz_id
        assert report.draw is not None and report.draw < report.scored, report.quiz_id
        assert report.longest_correct * 10 <= report.single * 4, report.quiz_id
    assert {c.case_id for c in quality.cases} == {c.id for c in load_library(SHIPPED).case_set().cases}
    assert all(c.worst_share < 0.4 and c.used_by for c in quality.cases)


def _quiz_texts(quiz):
    for q in quiz.questions:
        yield q.prompt
        yield from (text for o in q.options for text in (o.text, o.feedback))
        yield from (text for p in q.pairs for text in (p.left, p.right))
        yield from (t for t in (q.feedback, q.explanation, q.model_answer) if t)


def test_quiz_items_name_domains_as_the_tool_does_and_treat_faith_as_a_strength() -> None:
    import re

    library = load_library(SHIPPED)
    titles = {d.title for d in library.instrument().domains}
    for module in library.course().modules:
        for q in module.quiz.questions:
            if q.type == "matching" and "domain" in q.prompt:
                assert {p.right for p in q.pairs} <= titles, (module.id, q.id)
        texts = list(_quiz_texts(module.quiz))
        for text in texts:
            for named in re.findall(r'domain "([A-Z][^"]+)"', text):
                assert named in titles, (module.id, named)
            lowered = text.lower()
            assert "extremist networks" not in lowered and "old networks" not in lowered, (module.id, text)
            assert "religion is not relevant" not in lowered and "record nothing about it" not in lowered
