"""Version history: an attempt is scored and shown under the version it started with after a new one is published."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from lti_tool.content.library import load_library
from lti_tool.extensions import db
from lti_tool.training.catalog import course_ref_url, manual_ref_url
from lti_tool.training.models import QuizAttempt
from support import drop_app, make_app

from .conftest import build_world, correct_form

ROOT = Path(__file__).resolve().parents[2] / "content_packages"
QUIZ = "r2com-course/modules/m02-transition/quiz.yaml"


@pytest.fixture
def versioned(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT, content)
    app = make_app(tmp_path, CONTENT_DIR=str(content))
    yield build_world(app), content
    drop_app(app)


NEW = "9.9.0"


def _publish(app, content: Path, removed: str) -> None:
    """Remove question ``removed``, rename a chapter, bump both versions to NEW, and load the new library."""
    # A translated quiz keeps the ids of its source, so the question leaves every translated copy as well.
    source = content / QUIZ
    for quiz in [source, *sorted((content / "r2com-course/i18n").glob("*/" + QUIZ.split("/", 1)[1]))]:
        text = quiz.read_text(encoding="utf-8")
        text = re.sub(rf"\n  - id: {removed}\n.*?(?=\n  - id: |\Z)", "", text, count=1, flags=re.S)
        quiz.write_text(text, encoding="utf-8")
    for package in ("r2com-course", "r2com-manual"):
        path = content / package / "package.yaml"
        path.write_text(re.sub(r"(?m)^version: .*$", f"version: {NEW}", path.read_text(encoding="utf-8")),
                        encoding="utf-8")
    chapter = next((content / "r2com-manual/chapters").glob("04-*.md"))
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("title: Release day and the first days",
                                                                   "title: The day of release"), encoding="utf-8")
    library = load_library(content)
    library.set_ref_resolver("course", course_ref_url)
    library.set_ref_resolver("manual", manual_ref_url)
    app.extensions["r2com"]["content"] = library


def test_attempt_in_flight_survives_a_new_version(versioned):
    world, content = versioned
    app = world.app
    client = app.test_client()
    token = world.session("ana")
    library = app.extensions["r2com"]["content"]
    old_version = library.package("r2com-course").version
    old_quiz = library.module("m02-transition").quiz
    started = client.post("/training/modules/m02-transition/quiz/start", data={"ltik": token})
    attempt_url = started.headers["Location"].split("?")[0]
    with app.app_context():
        first = db.session.execute(select(QuizAttempt)).scalar_one()
        assert (first.package_id, first.package_version) == ("r2com-course", old_version)
        drawn = list(first.layout["questions"])
    removed = drawn[0]  # a question this attempt drew; the new version drops it
    _publish(app, content, removed)
    new_quiz = app.extensions["r2com"]["content"].module("m02-transition").quiz
    assert removed not in [q.id for q in new_quiz.questions]
    page = client.get(attempt_url, query_string={"ltik": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'id="q-{removed}"' in html
    assert [qid for qid in re.findall(r'id="q-(q\d+)"', html)] == drawn  # same questions, same order
    done = client.post(attempt_url, data=dict(correct_form(old_quiz), ltik=token, action="submit"))
    assert done.status_code == 303
    result = client.get(done.headers["Location"])
    assert result.status_code == 200 and "100.0 %" in result.get_data(as_text=True)
    with app.app_context():
        first = db.session.execute(select(QuizAttempt)).scalar_one()
        assert first.percent == 100 and removed in first.results and first.package_version == old_version
        assert sorted(first.results) == sorted(drawn)  # only the drawn questions were scored
        stored = dict(first.results)
    # A second attempt starts under the new version, without the removed question.
    again = client.post("/training/modules/m02-transition/quiz/start", data={"ltik": token})
    second_page = client.get(again.headers["Location"])
    assert f'id="q-{removed}"' not in second_page.get_data(as_text=True)
    with app.app_context():
        second = db.session.execute(select(QuizAttempt).where(QuizAttempt.number == 2)).scalar_one()
        assert second.package_version == NEW
        first = db.session.execute(select(QuizAttempt).where(QuizAttempt.number == 1)).scalar_one()
        assert first.results == stored  # the stored result was not rewritten
    # The renamed chapter shows its new title; progress recorded under 1.0.0 still counts.
    chapter = client.get("/training/manual/chapters/release-day", query_string={"ltik": token, "note": "seen"})
    assert "The day of release" in chapter.get_data(as_text=True)
