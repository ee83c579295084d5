"""``flask content validate`` and ``flask content list``."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import COURSE, edit


def test_validate_passes_on_a_valid_tree(content_app) -> None:
    result = content_app.test_cli_runner().invoke(args=["content", "validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 4 packages valid (demo-cases 1.0.0, demo-course 1.0.0, demo-instrument "
                                    "1.0.0, demo-manual 1.0.0)")


def test_validate_lists_every_issue_and_exits_1(content_app, tmp_path: Path, tree: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tree, broken)
    edit(broken / COURSE / "module.yaml", "number: 1", "number: one")
    edit(broken / COURSE / "02-more.md", "---\n\n", "---\n\n<script>x()</script>\n\n")
    result = content_app.test_cli_runner().invoke(args=["content", "validate", str(broken)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:2] == [
        f"{COURSE}/02-more.md:7: body: raw HTML is not allowed (it is removed): '<script>x()</script>'",
        f"{COURSE}/module.yaml:2: number: must be a whole number, not 'one'",
    ]
    assert "2 problems in 2 files" in result.output


def test_validate_one_package_folder_against_the_others(content_app, tmp_path: Path, tree: Path) -> None:
    manual = tmp_path / "elsewhere" / "demo-manual"
    shutil.copytree(tree / "demo-manual", manual)
    runner = content_app.test_cli_runner()
    ok = runner.invoke(args=["content", "validate", str(manual)])
    assert ok.exit_code == 0 and ok.output.startswith("OK: demo-manual 1.0.0 is valid (references checked against: "
                                                      "demo-cases, demo-course, demo-instrument)")
    edit(manual / "chapters/01-first-steps.md", "(ref:demo-course/m01-basics)", "(ref:demo-course/m02-missing)")
    result = runner.invoke(args=["content", "validate", str(manual)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == ("demo-manual/chapters/01-first-steps.md:10: body: "
                                             "'ref:demo-course/m02-missing' does not resolve: package demo-course "
                                             "has no item 'm02-missing'")


def test_list_shows_packages_versions_and_counts(content_app) -> None:
    result = content_app.test_cli_runner().invoke(args=["content", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["PACKAGE", "KIND", "VERSION", "LANGUAGES", "CONTENTS"]
    assert "demo-course        course      1.0.0    en,ar      1 modules, 2 pages, 1,223 words, 15 questions" in lines
    assert any(line.split()[:2] == ["m01-basics", "2"] and "15 questions" in line for line in lines)
    assert "demo-instrument    instrument  1.0.0    en         2 (+1) domains" in lines
    assert "demo-cases         case-set    1.0.0    en         1 cases (1 fictional)" in lines
