"""Versions protect history: old versions stay available, silent changes to a version are refused in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool import create_app
from lti_tool.content.errors import ContentNotFound, ContentVersionError
from lti_tool.content.library import load_library
from lti_tool.content.models import ContentSnapshot
from lti_tool.content.snapshots import record_snapshots
from lti_tool.extensions import db

from .conftest import COURSE, edit


@pytest.fixture(autouse=True)
def _close_restarted_apps():
    yield
    while _STARTED:
        app = _STARTED.pop()
        hotpath = app.extensions["r2com"].get("hotpath")
        if hotpath is not None:
            hotpath.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


_STARTED: list[Flask] = []


def restart(app: Flask) -> Flask:
    """Build a second app on the same settings and database, as a new deployment would."""
    started = create_app(dict(app.config["R2COM"]), env={})
    _STARTED.append(started)
    return started


def _rows(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [(r.package_id, r.version) for r in db.session.scalars(select(ContentSnapshot).order_by(
            ContentSnapshot.package_id, ContentSnapshot.version))]


def _publish_1_1_0(tree: Path) -> None:
    """Replace question q8 by q9, reword q1 and rename the module, then bump the version."""
    quiz = tree / COURSE / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    quiz.write_text(text.replace("  - id: q8", "  - id: q9").replace("Which of these is a behaviour?",
                                                                     "Which one describes a behaviour?"),
                    encoding="utf-8")
    edit(tree / COURSE / "module.yaml", 'title: "Basics: the first module"', 'title: "Basics, renamed"')
    edit(tree / "demo-course/package.yaml", "version: 1.0.0", "version: 1.1.0")


def test_startup_records_each_version_once(content_app) -> None:
    second = restart(content_app)
    assert _rows(second) == [("demo-cases", "1.0.0"), ("demo-course", "1.0.0"), ("demo-instrument", "1.0.0"),
                             ("demo-manual", "1.0.0")]
    with second.app_context():
        assert record_snapshots(second.extensions["r2com"]["content"], "testing") == []
    assert len(_rows(restart(content_app))) == 4


def test_old_version_is_rebuilt_from_its_snapshot(content_app, tree: Path) -> None:
    restart(content_app)  # records 1.0.0
    _publish_1_1_0(tree)
    new = restart(content_app)
    library = new.extensions["r2com"]["content"]
    assert ("demo-course", "1.1.0") in _rows(new) and ("demo-course", "1.0.0") in _rows(new)
    current = library.quiz("m01-basics")
    assert [q.id for q in current.questions][:8] == ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q9"]
    with new.app_context():
        old = library.get_version("demo-course", "1.0.0")
        assert library.get_version("demo-course", "1.1.0") is library.package("demo-course")
        with pytest.raises(ContentNotFound):
            library.get_version("demo-course", "0.1.0")
    old_quiz = old.body.module("m01-basics").quiz
    assert [q.id for q in old_quiz.questions][7] == "q8" and len(old_quiz.questions) == 15
    assert old_quiz.question("q1").prompt == "Which of these is a behaviour?"
    assert old.body.module("m01-basics").title == "Basics: the first module"
    assert old.version == "1.0.0" and old.content_hash != library.package("demo-course").content_hash
    assert old.body.module("m01-basics").pages[0].html  # old pages still render
    with new.app_context():
        assert library.get_version("demo-course", "1.0.0") is old  # rebuilt once, then cached


def test_change_without_version_bump(content_app, tree: Path, caplog) -> None:
    restart(content_app)
    edit(tree / COURSE / "quiz.yaml", "Which of these is a behaviour?", "Which one is a behaviour?")
    changed = restart(content_app)  # testing: warns and replaces the snapshot
    assert "demo-course 1.0.0 changed without a version bump: raise the version in package.yaml" in caplog.text
    edit(tree / COURSE / "quiz.yaml", "Which one is a behaviour?", "Which is a behaviour?")
    library = load_library(tree)
    with changed.app_context(), pytest.raises(ContentVersionError) as caught:
        record_snapshots(library, "production")
    assert str(caught.value) == ("demo-course 1.0.0 changed without a version bump: raise the version in "
                                 "package.yaml")
