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
