"""A learner's module page reads the session and their progress in that module in one statement, on the
hot path's own connections: no ORM session, no pooled connection, so no ping (counted, not timed)."""

from __future__ import annotations

from sqlalchemy import event, select, update

from lti_tool.extensions import db
from lti_tool.training.models import ModuleProgress

M1 = "m01-foundations"


def _pages(app):
    with app.app_context():
        module = app.extensions["r2com"]["content"].module(M1)
    return [p.id for p in module.pages if not p.content_note]


def _done_text(html: str) -> str:
    return html.split('class="progress-text">', 1)[1].split("<", 1)[0]


def test_reading_on_uses_no_pooled_connection_and_sees_other_workers_writes(world, client):
    app = world.app
    pages = _pages(app)
    token = world.session("ana")
    first = client.get(f"/training/modules/{M1}/pages/{pages[0]}", query_string={"ltik": token})
    assert first.status_code == 200 and _done_text(first.get_data(as_text=True)).startswith("1 of ")
    checkouts: list[object] = []
    with app.app_context():
        engine = db.engine

    def count(*args: object) -> None:
        checkouts.append(args)

    event.listen(engine, "checkout", count)
    try:
        again = client.get(f"/training/modules/{M1}/pages/{pages[0]}", query_string={"ltik": token})
        assert again.status_code == 200 and _done_text(again.get_data(as_text=True)).startswith("1 of ")
        assert checkouts == []  # the page was seen and is where to resume: nothing to write, no ORM at all
    finally:
        event.remove(engine, "checkout", count)
    # Another worker process records the next page; this one reads that state with the session.
    with app.app_context():
        db.session.execute(update(ModuleProgress).where(ModuleProgress.module_id == M1)
                           .values(pages_seen=[pages[0], pages[1]], last_page_id=pages[1]))
        db.session.commit()
    back = client.get(f"/training/modules/{M1}/pages/{pages[0]}", query_string={"ltik": token})
    assert _done_text(back.get_data(as_text=True)).startswith("2 of ")
    with app.app_context():  # going back moved the resume point: that one write still happens
        assert db.session.execute(select(ModuleProgress.last_page_id)).scalar_one() == pages[0]


def test_the_prefetched_progress_is_the_learners_own_in_that_module(world, client):
    pages = _pages(world.app)
    ana, ben = world.session("ana"), world.session("ben")
    client.get(f"/training/modules/{M1}/pages/{pages[0]}", query_string={"ltik": ana})
    client.get(f"/training/modules/{M1}/pages/{pages[1]}", query_string={"ltik": ana})
    other = client.get(f"/training/modules/{M1}/pages/{pages[0]}", query_string={"ltik": ben})
    assert _done_text(other.get_data(as_text=True)).startswith("1 of ")  # not Ana's two
    with world.app.app_context():
        rows = db.session.execute(select(ModuleProgress.user_id, ModuleProgress.pages_done)).all()
    assert sorted(done for _u, done in rows) == [1, 2]


def test_the_module_start_page_shows_progress_and_the_result_that_counts(world, client):
    from .conftest import correct_form

    app = world.app
    pages = _pages(app)
    token = world.session("ana")
    start = client.get(f"/training/modules/{M1}", query_string={"ltik": token}).get_data(as_text=True)
    assert "Start the module" in start and "Your result that counts" not in start
    assert _done_text(start).startswith("0 of ") and f"ltik={token}" in start
    client.get(f"/training/modules/{M1}/pages/{pages[1]}", query_string={"ltik": token})
    resume = client.get(f"/training/modules/{M1}", query_string={"ltik": token}).get_data(as_text=True)
    assert "Resume where you left off" in resume and _done_text(resume).startswith("1 of ")
    assert f"/pages/{pages[1]}?ltik={token}" in resume.replace("&amp;", "&")
    other = world.session("ben")  # the shell is shared; the token in it is each learner's own
    assert f"ltik={other}" in client.get(f"/training/modules/{M1}", query_string={"ltik": other}).get_data(
        as_text=True)
    with app.app_context():
        quiz = app.extensions["r2com"]["content"].module(M1).quiz
    started = client.post(f"/training/modules/{M1}/quiz/start", data={"ltik": token}, follow_redirects=True)
    assert started.status_code == 200
    attempt_path = started.request.path
    done = client.post(attempt_path, data=dict(correct_form(quiz), ltik=token, action="submit"),
                       follow_redirects=True)
    assert done.status_code == 200
    after = client.get(f"/training/modules/{M1}", query_string={"ltik": token}).get_data(as_text=True)
    assert "Your result that counts: 100 %." in after
