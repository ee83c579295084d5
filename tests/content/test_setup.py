"""Startup: the app refuses invalid content, and a broken copy on disk never touches the running app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.content.errors import ContentPackageError
from lti_tool.content.models import ContentSnapshot
from lti_tool.content.snapshots import record_snapshots
from lti_tool.extensions import db
from support import drop_app, make_app

from .conftest import COURSE, edit


def test_app_loads_the_library_once(content_app) -> None:
    library = content_app.extensions["r2com"]["content"]
    assert library.module("m01-basics").title == "Basics: the first module"
    assert "content.asset" in content_app.view_functions


def test_app_refuses_to_start_with_an_invalid_package(tmp_path: Path, tree: Path) -> None:
    edit(tree / COURSE / "quiz.yaml", "pass_mark: 0.7", "pass_mark: 0.7\npassmark: 0.8")
    with pytest.raises(ContentPackageError) as caught:
        make_app(tmp_path, CONTENT_DIR=str(tree))
    assert caught.value.packages == ["demo-course"]
    assert f"{COURSE}/quiz.yaml:4: passmark: unknown field" in str(caught.value)


def test_broken_copy_leaves_the_running_app_and_snapshots_untouched(content_app, tmp_path: Path,
                                                                    tree: Path) -> None:
    with content_app.app_context():
        library = content_app.extensions["r2com"]["content"]
        record_snapshots(library, "testing")
        before = [(s.package_id, s.version, s.content_hash) for s in db.session.scalars(select(ContentSnapshot))]
    assert len(before) == 4
    # Break the live folder itself, and validate it while the app runs.
    edit(tree / COURSE / "module.yaml", 'title: "Basics: the first module"', "title: [broken")
    result = content_app.test_cli_runner().invoke(args=["content", "validate"])
    assert result.exit_code == 1 and f"{COURSE}/module.yaml:3: YAML syntax error" in result.output
    assert content_app.extensions["r2com"]["content"] is library
    assert library.module("m01-basics").title == "Basics: the first module"
    with content_app.test_client().get("/content/demo-manual/1.0.0/assets/diagram.png") as resp:
        assert resp.status_code == 200
    with content_app.app_context():
        after = [(s.package_id, s.version, s.content_hash) for s in db.session.scalars(select(ContentSnapshot))]
    assert after == before


def test_snapshots_skip_before_the_tables_exist(tmp_path: Path, tree: Path, caplog) -> None:
    caplog.set_level("INFO", logger="lti_tool.content.snapshots")
    app = make_app(tmp_path, CONTENT_DIR=str(tree))  # create_app runs before create_all
    assert "content snapshots skipped: table content_snapshot does not exist yet" in caplog.text
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    shutil.rmtree(tmp_path / "keys", ignore_errors=True)


def test_content_commands_work_when_the_content_is_broken(tmp_path: Path, tree: Path, monkeypatch) -> None:
    edit(tree / COURSE / "module.yaml", "number: 1", "number: one")
    monkeypatch.setattr("sys.argv", ["flask", "--app", "wsgi", "content", "validate"])
    app = make_app(tmp_path, CONTENT_DIR=str(tree))  # starts anyway, for the content commands only
    try:
        assert app.extensions["r2com"]["content"] is None
        runner = app.test_cli_runner()
        result = runner.invoke(args=["content", "validate"])
        assert result.exit_code == 1
        assert result.output.startswith(f"{COURSE}/module.yaml:2: number: must be a whole number, not 'one'")
        listed = runner.invoke(args=["content", "list"])
        assert listed.exit_code == 1 and f"{COURSE}/module.yaml:2: number" in listed.output
    finally:
        drop_app(app)
