"""Quiz pages that fit: the navigator and counter, the compact result with the next module, real time limits."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from lti_tool.extensions import db
from lti_tool.training.models import QuizAttempt
from support import drop_app, make_app

from .conftest import build_world, correct_form, wrong_form

ROOT = Path(__file__).resolve().parents[2]
M1, M2 = "m01-foundations", "m02-transition"


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _quiz(world, module_id=M1):
    return world.app.extensions["r2com"]["content"].module(module_id).quiz


def _start(client, token, module_id=M1) -> str:
    start = client.post(f"/training/modules/{module_id}/quiz/start", data={"ltik": token})
    assert start.status_code == 303, _text(start)[:300]
    return start.headers["Location"].split("?")[0]


def _attempt(world, attempt_id: int) -> QuizAttempt:
    with world.app.app_context():
        return db.session.get(QuizAttempt, attempt_id)


def _backdate(world, url: str, delta: dt.timedelta) -> None:
    with world.app.app_context():
        att = db.session.get(QuizAttempt, int(url.rsplit("/", 1)[-1]))
        att.started_at = att.started_at - delta
        db.session.commit()


def test_navigator_and_counter_follow_the_saved_answers(world, client):
    token = world.session("ana")
    url = _start(client, token)
    page = _text(client.get(url, query_string={"ltik": token}))
    att = _attempt(world, int(url.rsplit("/", 1)[-1]))
    shown = att.layout["questions"]
    assert f"0 of {len(shown)} answered" in page
    nav = page.split('class="quiz-nav"', 1)[1].split("</nav>", 1)[0]
    assert [m for m in re.findall(r'href="#q-([^"]+)"', nav)] == shown  # one link per question, in order
    assert nav.count(", not answered") == len(shown) and 'aria-live="polite"' in nav
    assert f"Question 1 of {len(shown)}" in page and "There is no time limit." in page and "quiz-timer" not in page
    first = _quiz(world).question(shown[0])
    form = {k: v for k, v in correct_form(_quiz(world)).items() if k == f"q-{first.id}" or
            k.startswith(f"q-{first.id}-")}
    client.post(url, data=dict(form, ltik=token, action="save"))
    page = _text(client.get(url, query_string={"ltik": token}))
    assert f"1 of {len(shown)} answered" in page
    nav = page.split('class="quiz-nav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="#q-{first.id}" data-nav="{first.id}" class="nav-answered"' in nav
    assert nav.count(", not answered") == len(shown) - 1


def test_compact_result_folds_the_details_and_leads_to_the_next_module(world, client):
    token = world.session("ana")
    quiz = _quiz(world)
    url = _start(client, token)
    client.post(url, data=dict(correct_form(quiz), ltik=token, action="submit"))
    page = _text(client.get(url + "/result", query_string={"ltik": token}))
    att = _attempt(world, int(url.rsplit("/", 1)[-1]))
    shown = att.layout["questions"]
    assert page.count("<details>") == len(shown) and "<table" not in page
    scored = [qid for qid in shown if quiz.question(qid).scored]
    assert f"{len(scored)} of {len(scored)} questions right." in page
    assert f"/training/modules/{M2}?" in page and "Next module: " in page and "Back to the course" in page
    # Right answers do not repeat the wrong options.
    for qid in shown:
        q = quiz.question(qid)
        if q.type == "single_choice":
            for option in q.options:
                if not option.correct:
                    assert option.text not in page, option.text
    # A wrong answer shows the right one inside its folded details.
    url2 = _start(client, token)
    client.post(url2, data=dict(wrong_form(quiz), ltik=token, action="submit"))
    page = _text(client.get(url2 + "/result", query_string={"ltik": token}))
    assert "The right answer:" in page and "Not right" in page


def test_the_last_module_has_no_next_module(world, client):
    course = world.app.extensions["r2com"]["content"].course()
    last = course.modules[-1]
    token = world.session("ana")
    url = _start(client, token, last.id)
    client.post(url, data=dict(correct_form(last.quiz), ltik=token, action="submit"))
    page = _text(client.get(url + "/result", query_string={"ltik": token}))
    assert "Next module: " not in page and "Back to the course" in page


@pytest.fixture
def timed_world(tmp_path):
    """A world whose module 1 quiz declares a 10-minute time limit (a copy of the shipped content)."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content_packages", content)
    # A translation keeps every number of its source, so each translated copy of the quiz gets the limit too.
    for quiz_file in [content / "r2com-course" / "modules" / M1 / "quiz.yaml",
                      *sorted((content / "r2com-course" / "i18n").glob(f"*/modules/{M1}/quiz.yaml"))]:
        text = quiz_file.read_text(encoding="utf-8")
        assert "time_limit_minutes: null" in text
        quiz_file.write_text(text.replace("time_limit_minutes: null", "time_limit_minutes: 10", 1), encoding="utf-8")
    app = make_app(tmp_path, CONTENT_DIR=str(content))
    yield build_world(app)
    drop_app(app)


def test_time_limit_is_shown_counted_down_and_extra_time_is_granted_by_a_trainer(timed_world):
    world, client = timed_world, timed_world.app.test_client()
    token = world.session("ana")
    quiz_page = _text(client.get(f"/training/modules/{M1}/quiz", query_string={"ltik": token}))
    assert "Time limit: 10 minutes" in quiz_page and "ask your trainer" in quiz_page
    url = _start(client, token)
    page = _text(client.get(url, query_string={"ltik": token}))
    seconds = int(re.search(r'data-seconds="(\d+)"', page).group(1))
    assert 590 <= seconds <= 600 and 'role="timer"' in page and "You have 10 minutes in all" in page
    # Trainers give extra time; learners cannot.
    trainer = world.session("tess", role="instructor")
    listing = _text(client.get("/training/extra-time", query_string={"ltik": trainer}))
    assert "Ana" in listing and "10 minutes" in listing
    assert client.post("/training/extra-time", data={"ltik": token, "user": world.users["ana"],
                                                     "extra": "50"}).status_code == 403
    assert client.post("/training/extra-time", data={"ltik": trainer, "user": world.users["ana"],
                                                     "extra": "33"}).status_code == 400
    assert client.post("/training/extra-time", data={"ltik": trainer, "user": world.users["tess"],
                                                     "extra": "50"}).status_code == 400  # not a learner
    saved = client.post("/training/extra-time", data={"ltik": trainer, "user": world.users["ana"], "extra": "50"})
    assert saved.status_code == 303
    quiz_page = _text(client.get(f"/training/modules/{M1}/quiz", query_string={"ltik": token}))
    assert "Time limit: 15 minutes" in quiz_page and "50 % extra time" in quiz_page
    page = _text(client.get(url, query_string={"ltik": token}))
    assert 890 <= int(re.search(r'data-seconds="(\d+)"', page).group(1)) <= 900
    # Other modules keep no limit.
    other = _start(client, token, M2)
    assert "quiz-timer" not in _text(client.get(other, query_string={"ltik": token}))


def test_answers_after_the_deadline_do_not_count_but_nothing_saved_is_lost(timed_world):
    world, client = timed_world, timed_world.app.test_client()
    token = world.session("ana")
    quiz = _quiz(world)
    url = _start(client, token)
    client.post(url, data=dict(correct_form(quiz), ltik=token, action="save"))
    _backdate(world, url, dt.timedelta(minutes=11))
    late = client.post(url, data=dict(wrong_form(quiz), ltik=token, action="submit"))
    assert late.status_code == 303 and "late=1" in late.headers["Location"]
    att = _attempt(world, int(url.rsplit("/", 1)[-1]))
    assert att.submitted_at is not None and att.passed is True  # the saved (right) answers, not the late ones
    result = _text(client.get(late.headers["Location"]))
    assert "The time was up, so the answers saved in time were submitted." in result
    # Opening an attempt whose time ran out closes it the same way.
    url2 = _start(client, token)
    _backdate(world, url2, dt.timedelta(minutes=12))
    opened = client.get(url2, query_string={"ltik": token})
    assert opened.status_code == 303 and "late=1" in opened.headers["Location"]
    assert _attempt(world, int(url2.rsplit("/", 1)[-1])).submitted_at is not None


def test_a_submit_within_the_grace_counts(timed_world):
    world, client = timed_world, timed_world.app.test_client()
    token = world.session("ana")
    quiz = _quiz(world)
    url = _start(client, token)
    _backdate(world, url, dt.timedelta(minutes=10, seconds=10))
    done = client.post(url, data=dict(correct_form(quiz), ltik=token, action="submit"))
    assert done.status_code == 303 and "late" not in done.headers["Location"]
    assert _attempt(world, int(url.rsplit("/", 1)[-1])).passed is True
