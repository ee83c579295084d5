"""Lookups, refs, translations and counts of the content library."""

from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool.content.errors import ContentNotFound, ContentPackageError
from lti_tool.content.library import load_library

from .conftest import COURSE, edit


def test_lookups(tree: Path) -> None:
    library = load_library(tree)
    module = library.module("m01-basics")
    assert [p.id for p in module.pages] == ["m01-start", "m01-more"] and module.words >= 1200
    assert module.activity.case == "demo-cases/c01-alex" and module.activity.reflection_prompts
    quiz = library.quiz("m01-basics")
    assert quiz.id == "m01-quiz" and len(quiz.questions) == 15 and quiz.max_attempts == 3 and quiz.keep == "highest"
    assert quiz.question("q1").correct_option_ids == {"a"} and not quiz.question("q6").scored
    assert quiz.max_points == 14 and quiz.draw == 8 and quiz.shuffle and quiz.questions_per_attempt == 9
    assert [i.id for i in quiz.question("q4").items] == ["s1", "s2", "s3"]
    assert library.chapter("first-steps").number == 1 and library.manual().glossary[0].term == "Disengagement"
    instrument = library.instrument()
    assert [d.id for d in instrument.required_domains] == ["housing", "income"]
    assert instrument.scales["need"].label("3") == "Urgent"
    assert [a.id for a in instrument.domain("housing").actions_for("3")] == ["housing-urgent"]
    case = library.case("c01-alex")
    assert case.fictional and case.reference_profile["housing"].need == "2" and case.person.age == 30
    assert library.package("demo-course").version == "1.0.0" and library.package("demo-course").content_hash
    with pytest.raises(ContentNotFound):
        library.module("m99")


def test_resolve_ref(tree: Path) -> None:
    library = load_library(tree)
    target = library.resolve_ref("ref:demo-course/m01-quiz")
    assert (target.kind, target.parent_id, target.item.id) == ("quiz", "m01-basics", "m01-quiz")
    assert library.resolve_ref("demo-instrument/housing").kind == "domain"
    assert library.resolve_ref("demo-cases/c01-alex").item.title.startswith("Alex")
    with pytest.raises(ContentNotFound):
        library.resolve_ref("demo-course/nothing")


def test_ref_urls_come_from_the_features(tree: Path) -> None:
    library = load_library(tree)
    html = library.chapter("first-steps").html
    assert 'href="#ref-demo-course-m01-basics"' in library.html(html)
    library.set_ref_resolver("course", lambda t: f"/courses/{t.parent_id or t.item_id}/{t.item_id}")
    assert 'href="/courses/m01-basics/m01-basics"' in library.html(html)
    assert 'href="#ref-demo-instrument-housing"' in library.html(html)


def test_translation_overlay_and_direction(tree: Path) -> None:
    library = load_library(tree)
    arabic = library.for_language("ar")
    pages = arabic.module("m01-basics").pages
    assert [(p.id, p.lang, p.direction) for p in pages] == [("m01-start", "ar", "rtl"), ("m01-more", "en", "ltr")]
    assert pages[0].title == "من أين تبدأ" and 'aria-label="نقطة أساسية"' in pages[0].html
    assert arabic.direction == "rtl" and arabic.package("demo-course").direction == "rtl"
    assert library.module("m01-basics").pages[0].lang == "en"
    assert library.package("demo-course", "ar-EG").lang == "ar"
    assert library.package("demo-manual", "ar").lang == "en"  # no Arabic manual: source language
    assert library.languages() == ("ar", "en")


def test_counts(tree: Path) -> None:
    counts = {c.id: c for c in load_library(tree).counts()}
    assert counts["demo-course"].numbers == {"modules": 1, "pages": 2, "words": 1223, "questions": 15}
    assert counts["demo-course"].languages == ("en", "ar")
    assert counts["demo-instrument"].numbers == {"domains": 2, "optional_domains": 1}
    assert counts["demo-cases"].numbers == {"cases": 1, "fictional": 1}


def test_load_raises_with_every_issue(tree: Path) -> None:
    edit(tree / COURSE / "module.yaml", "number: 1", "number: one")
    edit(tree / "demo-manual/manual.yaml", "title: Demo guide", "titel: Demo guide")
    with pytest.raises(ContentPackageError) as caught:
        load_library(tree)
    message = str(caught.value)
    assert message.startswith("Invalid content packages demo-course, demo-manual: 3 problems")
    assert f"  {COURSE}/module.yaml:2: number: must be a whole number, not 'one'" in message
    assert "  demo-manual/manual.yaml:1: titel: unknown field" in message


def test_library_is_cached_until_a_file_changes(tree: Path) -> None:
    first = load_library(tree)
    assert load_library(tree).module("m01-basics") is first.module("m01-basics")
    edit(tree / COURSE / "module.yaml", 'title: "Basics: the first module"', 'title: "Basics, renamed"')
    assert load_library(tree).module("m01-basics").title == "Basics, renamed"
    assert first.module("m01-basics").title == "Basics: the first module"
