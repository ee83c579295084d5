"""Translations against their source: ``content validate`` reports what is missing, out of date or not stamped,
and ``content stamp`` records which source version a translation follows."""

from __future__ import annotations

from pathlib import Path

import yaml

from lti_tool.content.freshness import check_tree

from .conftest import COURSE, edit, issues_of

START = "modules/m01-basics/01-start.md"


def _course_ar(tree: Path):
    (result,) = [r for r in check_tree(tree) if r.package == "demo-course"]
    return result


def test_validate_reports_missing_and_unstamped_files_per_language(content_app) -> None:
    result = content_app.test_cli_runner().invoke(args=["content", "validate"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = lines.index("Translations (against the current source files):")
    assert lines[at + 1] == "  demo-course ar (partial): 1 of 6 files translated"
    assert lines[at + 2] == ("    missing (5): course.yaml, modules/m01-basics/02-more.md, modules/m01-basics/activity.md, "
                             "modules/m01-basics/module.yaml, modules/m01-basics/quiz.yaml")
    assert lines[at + 3] == f"    not stamped (1): {START}"


def test_a_stamp_makes_a_file_current_until_its_source_changes(content_app, tree: Path) -> None:
    runner = content_app.test_cli_runner()
    stamped = runner.invoke(args=["content", "stamp", "demo-course", "ar"])
    assert stamped.exit_code == 0, stamped.output
    assert stamped.output.strip() == "Stamped 1 file of demo-course in ar (i18n/ar.yaml)."
    recorded = yaml.safe_load((tree / "demo-course/i18n/ar.yaml").read_text(encoding="utf-8"))
    assert recorded["language"] == "ar" and list(recorded["files"]) == [START]
    assert _course_ar(tree).translated == [START] and not _course_ar(tree).unstamped
    # The stamp file is not content: the package still loads without an issue.
    assert issues_of(tree) == []

    edit(tree / COURSE / "01-start.md", "---\n\n", "---\n\nA new first sentence.\n\n")
    assert _course_ar(tree).outdated == [START]
    out = runner.invoke(args=["content", "validate"]).output
    assert f"    out of date (1): {START}" in out
    # The translator checks the file again and stamps it alone.
    assert runner.invoke(args=["content", "stamp", "demo-course", "ar", START]).exit_code == 0
    assert _course_ar(tree).outdated == []


def test_a_complete_translation_that_is_not_whole_is_called_out(content_app, tree: Path) -> None:
    edit(tree / "demo-course/package.yaml", "status: partial", "status: complete")
    out = content_app.test_cli_runner().invoke(args=["content", "validate"]).output
    assert "  demo-course ar (complete): 1 of 6 files translated" in out
    assert "    declared complete: translate or stamp the files above, or set status: partial" in out


def test_stamp_names_what_is_wrong(content_app, tree: Path) -> None:
    runner = content_app.test_cli_runner()
    unknown = runner.invoke(args=["content", "stamp", "demo-nothing", "ar"])
    assert unknown.exit_code == 1 and "demo-nothing: no package.yaml there" in unknown.output
    no_folder = runner.invoke(args=["content", "stamp", "demo-course", "fr"])
    assert no_folder.exit_code == 1 and "demo-course: no translation folder i18n/fr/" in no_folder.output
    not_translated = runner.invoke(args=["content", "stamp", "demo-course", "ar", "course.yaml"])
    assert not_translated.exit_code == 1
    assert "not a translated file of demo-course in ar: course.yaml" in not_translated.output
    # A package folder path works as well as an id.
    assert runner.invoke(args=["content", "stamp", str(tree / "demo-course"), "ar"]).exit_code == 0


def test_shipped_translations_declared_complete_are_whole() -> None:
    shipped = Path(__file__).resolve().parents[2] / "content_packages"
    for result in check_tree(shipped):
        if result.status == "complete":
            assert result.whole, result.lines()
        assert not result.outdated and not result.unstamped, result.lines()


def test_a_translated_quiz_that_gives_answers_away_by_length_fails_validate(content_app, tree: Path) -> None:
    source = tree / COURSE / "quiz.yaml"
    translated = tree / "demo-course/i18n/ar/modules/m01-basics/quiz.yaml"
    quiz = yaml.safe_load(source.read_text(encoding="utf-8"))
    for question in quiz["questions"]:
        if question["type"] == "single_choice":
            for option in question["options"]:
                if option["correct"]:
                    option["text"] += " — وهذا هو الجواب الذي يشرح كل شيء بتفصيل طويل جدا"
    translated.write_text(yaml.safe_dump(quiz, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = content_app.test_cli_runner().invoke(args=["content", "validate"])
    assert result.exit_code == 1
    assert ("demo-course/i18n/ar/modules/m01-basics/quiz.yaml: questions: the correct option is the longest in"
            in result.output), result.output
