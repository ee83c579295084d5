"""Each learner's progress summary is kept on write and always equals a full recomputation from the progress
rows: after any mix of page reads, chapters marked read or unread and quiz attempts, under concurrent writes
of the same learner, and when the migration back-fills it from rows written before it existed."""

from __future__ import annotations

import threading

import pytest
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.lti.models import Context, Deployment, LtiUser, Platform
from lti_tool.lti.session import load_session
from lti_tool.training import dashboard as dash
from lti_tool.training.models import ChapterProgress, ModuleProgress, ProgressSummary, QuizAttempt
from lti_tool.training.summary import recompute_all, summarise

from .conftest import correct_form, wrong_form

MODULES = ("m01-foundations", "m02-transition")


def _stored(app) -> dict:
    with app.app_context():
        return {(c, u): (states, cells) for c, u, states, cells in db.session.execute(select(
            ProgressSummary.context_id, ProgressSummary.user_id, ProgressSummary.states, ProgressSummary.cells))}


def _recomputed(app) -> dict:
    with app.app_context():
        return recompute_all(db.session.connection())


def _assert_summaries_true(app) -> None:
    stored, expected = _stored(app), _recomputed(app)
    assert stored == expected
    assert stored, "nothing was summarised"


def _content(world):
    return world.app.extensions["r2com"]["content"]


def _read_page(client, token: str, module, index: int) -> None:
    pages = [p.id for p in module.pages]
    if index < len(pages):
        url = f"/training/modules/{module.id}/pages/{pages[index]}"
    else:
        url = f"/training/modules/{module.id}/activity"
    assert client.get(url, query_string={"ltik": token, "note": "seen"}).status_code == 200


def _mark_chapter(client, token: str, chapter_id: str, read: bool) -> None:
    done = client.post(f"/training/manual/chapters/{chapter_id}/read", data={"ltik": token, "read": "1" if read else "0"})
    assert done.status_code in (200, 303), done.status_code


def _take_quiz(client, token: str, module, passing: bool) -> None:
    start = client.post(f"/training/modules/{module.id}/quiz/start", data={"ltik": token})
    if start.status_code != 303:  # every attempt used
        assert start.status_code in (200, 409), start.status_code
        return
    url = start.headers["Location"].split("?")[0]
    form = correct_form(module.quiz) if passing else wrong_form(module.quiz)
    assert client.post(url, data=dict(form, ltik=token, action="submit", confirm="1")).status_code == 303


_step = st.one_of(
    st.tuples(st.just("page"), st.sampled_from(("ana", "ben")), st.sampled_from(("x", "y")),
              st.sampled_from(MODULES), st.integers(0, 12)),
    st.tuples(st.just("chapter"), st.sampled_from(("ana", "ben")), st.sampled_from(("x", "y")),
              st.integers(0, 3), st.booleans()),
    st.tuples(st.just("quiz"), st.sampled_from(("ana", "ben")), st.sampled_from(("x", "y")),
              st.sampled_from(MODULES), st.booleans()),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_step, min_size=1, max_size=8))
def test_summary_equals_a_full_recomputation_after_any_mix_of_writes(world, client, steps):
    library = _content(world)
    chapters = [c.id for c in library.manual().chapters]
    tokens: dict[tuple[str, str], str] = {}
    for kind, user, course, what, how in steps:
        token = tokens.get((user, course)) or tokens.setdefault((user, course), world.session(user, course=course))
        if kind == "page":
            module = library.module(what)
            _read_page(client, token, module, how % (len(module.pages) + 1))
        elif kind == "chapter":
            _mark_chapter(client, token, chapters[what], how)
        else:
            _take_quiz(client, token, library.module(what), how)
        assert _stored(world.app) == _recomputed(world.app), (kind, user, course, what, how)
    _assert_summaries_true(world.app)


def test_states_are_canonical_so_equal_progress_shares_one_text():
    a = summarise([("m1", 3, 5, False), ("m2", 5, 5, True)], [("m2", 2, 1, 80.0, 1)], ["c2", "c1"])
    b = summarise([("m2", 5, 5, True), ("m1", 3, 5, False)], [("m2", 2, 1, 80.0, 1)], ["c1", "c2", "c1"])
    assert a == b
    assert a[0] == "c:c1 c:c2 m:m1:s m:m2:srup"
    assert summarise([], [("m1", 1, 0, None, None)], [])[0] == "m:m1:s"  # an attempt opened, not handed in


def test_concurrent_writes_of_one_learner_leave_a_true_summary(world):
    """Three tabs of the same learner write at once: pages, chapters and a quiz (SQLite and PostgreSQL)."""
    library = _content(world)
    token = world.session("ana")
    module, other = library.module(MODULES[0]), library.module(MODULES[1])
    chapters = [c.id for c in library.manual().chapters][:6]
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run(work):
        client = world.app.test_client()
        try:
            barrier.wait()
            work(client)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def pages(client):
        for index in range(len(module.pages) + 1):
            _read_page(client, token, module, index)

    def marks(client):
        for chapter_id in chapters:
            _mark_chapter(client, token, chapter_id, True)
        _mark_chapter(client, token, chapters[0], False)

    def quiz(client):
        for index in range(len(other.pages) + 1):
            _read_page(client, token, other, index)
        _take_quiz(client, token, other, True)

    threads = [threading.Thread(target=run, args=(w,)) for w in (pages, marks, quiz)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    _assert_summaries_true(world.app)
    states = _stored(world.app)[(world.contexts["x"], world.users["ana"])][0].split()
    assert f"m:{module.id}:sr" in states and f"m:{other.id}:srup" in states
    assert {f"c:{c}" for c in chapters[1:]} <= set(states) and f"c:{chapters[0]}" not in states


def test_the_dashboard_counts_equal_the_rows_built_from_the_summaries(world, client):
    """Counts come from a GROUP BY over summary states; rows are built per person: both agree."""
    library = _content(world)
    trainer = world.session("tess", role="instructor")
    module = library.module(MODULES[0])
    assert client.post("/training/link/setup", data={"ltik": trainer, "item": f"module:{module.id}"}).status_code == 303
    ana, ben = world.session("ana"), world.session("ben")
    for index in range(len(module.pages) + 1):
        _read_page(client, ana, module, index)
    _take_quiz(client, ana, module, True)
    _read_page(client, ben, module, 0)
    with world.app.test_request_context("/"):
        board = dash.build(load_session(trainer), None)
        counts, activities, passed = board.counts(), board.activities(), board.passed_count()
        rows = dash.filtered(board)
    assert counts == {dash.NOT_STARTED: 0, dash.IN_PROGRESS: 1, dash.COMPLETED: 1} and passed == 1
    assert [(a.not_started, a.started, a.completed, a.passed, a.learners) for a in activities] == [(0, 1, 1, 1, 2)]
    assert sorted((r.sub, r.status) for r in rows) == [("sub-ana", dash.COMPLETED), ("sub-ben", dash.IN_PROGRESS)]
    page = client.get("/training/dashboard", query_string={"ltik": trainer, "status": dash.COMPLETED})
    assert page.status_code == 200 and "1 person matches." in page.get_data(as_text=True)
    csv = client.get("/training/dashboard.csv", query_string={"ltik": trainer})
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert csv.status_code == 200 and len(lines) == 3
    assert "Content-Length" not in csv.headers  # streamed, a few hundred rows at a time


def test_the_migration_back_fills_summaries_from_rows_written_before_it(tmp_path):
    """Rows written at the previous revision (no summary table yet) are summarised by the upgrade."""
    from test_migrations import unmigrated_app

    with unmigrated_app(tmp_path) as app:
        with app.app_context():
            upgrade(revision="i18n01")
            now = utcnow()
            with db.engine.begin() as conn:  # Core inserts: the ORM hook would write to a table not made yet
                def add(model, **values):
                    return conn.execute(insert(model.__table__).values(**values)).inserted_primary_key[0]

                platform = add(Platform, name="P", issuer="https://lms.test", client_id="c",
                               auth_login_url="https://x/a", auth_token_url="https://x/t", key_set_url="https://x/k")
                deployment = add(Deployment, platform_id=platform, deployment_id="d1")
                ctx = add(Context, deployment_id=deployment, context_id="course")
                ana = add(LtiUser, platform_id=platform, sub="ana")
                ben = add(LtiUser, platform_id=platform, sub="ben")
                common = {"context_id": ctx, "package_id": "r2com-course", "package_version": "1.0.0"}
                add(ModuleProgress, user_id=ana, module_id="m1", pages_seen=["a", "b"], pages_done=2, pages_total=2,
                    read_at=now, **common)
                add(ModuleProgress, user_id=ben, module_id="m1", pages_seen=["a"], pages_done=1, pages_total=2,
                    **common)
                for number, (percent, passed, kept) in enumerate([(40.0, False, False), (90.0, True, True)], 1):
                    add(QuizAttempt, user_id=ana, module_id="m1", quiz_id="q1", number=number, layout={},
                        answers={}, submitted_at=now, percent=percent, passed=passed, kept=kept, **common)
                add(ChapterProgress, user_id=ben, chapter_id="c1", completed_at=now, **common)
                add(ChapterProgress, user_id=ben, chapter_id="c2", **common)  # opened, not read
            upgrade()
            stored = {(c, u): (states, cells) for c, u, states, cells in db.session.execute(select(
                ProgressSummary.context_id, ProgressSummary.user_id, ProgressSummary.states, ProgressSummary.cells))}
            assert stored == recompute_all(db.session.connection())
            assert stored == {(ctx, ana): ("m:m1:srup", {"m1": [2, 2, 2, 90.0]}),
                              (ctx, ben): ("c:c1 m:m1:s", {"m1": [1, 2, 0, None]})}


def test_a_listed_person_without_a_name_shows_the_name_they_launched_with(world):
    from lti_tool.training.roster import Member, Roster

    trainer = world.session("tess", role="instructor")
    world.session("ana")
    learner = ("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",)
    roster = Roster((Member("sub-ana", None, learner), Member("sub-zoe", None, learner)), 1, 0.0)
    with world.app.test_request_context("/"):
        board = dash.build(load_session(trainer), roster)
        assert [(r.sub, r.name) for r in dash.filtered(board)] == [("sub-ana", "Ana"), ("sub-zoe", None)]
        assert [r.sub for r in dash.filtered(board, query="an")] == ["sub-ana"]
        assert [r.sub for r in dash.filtered(board, role="staff")] == ["sub-tess"]  # launched, not listed
        assert board.learner_total() == 2 and board.others() == 1
