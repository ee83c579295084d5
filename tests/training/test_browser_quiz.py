"""The quiz page's script in a real browser: the counter and navigator follow the answers, time up submits.

Debian's Chromium; the server keeps the real deadline (tests in test_quiz_pages.py), this checks what the
learner sees and that the page hands in the answers on it when the countdown reaches zero.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from lti_tool.extensions import db
from lti_tool.training.models import QuizAttempt
from support import drop_app, serve_tool

from .conftest import build_world

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
M1 = "m01-foundations"


@pytest.fixture
def timed(tmp_path: Path) -> Iterator[tuple[Any, Any, str]]:
    """The tool over HTTP with module 1's quiz limited to 10 minutes; yields (tool, world, learner token)."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content_packages", content)
    # A translation keeps every number of its source, so each translated copy of the quiz gets the limit too.
    for quiz_file in [content / "r2com-course" / "modules" / M1 / "quiz.yaml",
                      *sorted((content / "r2com-course" / "i18n").glob(f"*/modules/{M1}/quiz.yaml"))]:
        quiz_file.write_text(quiz_file.read_text(encoding="utf-8").replace("time_limit_minutes: null",
                                                                            "time_limit_minutes: 10", 1),
                             encoding="utf-8")
    tool = serve_tool(tmp_path, CONTENT_DIR=str(content))
    world = build_world(tool.app)
    yield tool, world, world.session("ana")
    tool.stop()
    drop_app(tool.app)


@pytest.fixture
def page() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = chromium.new_context(viewport={"width": 360, "height": 740})
        yield context.new_page()
        chromium.close()


def test_counter_follows_answers_and_the_page_hands_in_when_time_is_up(timed, page):
    tool, world, token = timed
    client = tool.app.test_client()
    start = client.post(f"/training/modules/{M1}/quiz/start", data={"ltik": token})
    attempt_path = start.headers["Location"].split("?")[0]
    attempt_id = int(attempt_path.rsplit("/", 1)[-1])
    with tool.app.app_context():
        att = db.session.get(QuizAttempt, attempt_id)
        att.started_at = att.started_at - dt.timedelta(minutes=10) + dt.timedelta(seconds=12)
        db.session.commit()
        shown = att.layout["questions"]
    quiz = tool.app.extensions["r2com"]["content"].module(M1).quiz
    page.goto(f"{tool.url}{attempt_path}?ltik={token}")
    counter = page.locator("#answered-count")
    assert counter.inner_text() == f"0 of {len(shown)} answered"
    assert page.locator('#timer-text[role="timer"]').inner_text().startswith("0 min")
    first = next(quiz.question(qid) for qid in shown if quiz.question(qid).type in ("single_choice", "true_false"))
    value = (next(o.id for o in first.options if o.correct) if first.type == "single_choice"
             else ("true" if first.answer else "false"))
    page.locator(f"#q-{first.id}-{value}").check()
    assert counter.inner_text() == f"1 of {len(shown)} answered"
    link = page.locator(f'.quiz-nav a[data-nav="{first.id}"]')
    assert "answered" in link.get_attribute("class") and link.locator(".nav-state").inner_text() == ", answered"
    # The navigator moves focus to the question it names.
    page.locator(f'.quiz-nav a[data-nav="{shown[-1]}"]').click()
    page.wait_for_function(f"document.activeElement && document.activeElement.closest('#q-{shown[-1]}') !== null")
    # When the countdown reaches zero the page submits what is on it; the server takes it (within the grace).
    page.wait_for_url("**/result**", timeout=30000)
    assert "Your result" in page.locator("h1").inner_text()
    with tool.app.app_context():
        att = db.session.get(QuizAttempt, attempt_id)
        assert att.submitted_at is not None and att.results[first.id]["correct"] is True
        assert att.answers[first.id] == value
