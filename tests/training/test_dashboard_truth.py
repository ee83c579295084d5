"""The trainer dashboard tells the truth: started, completed and passed are separate; a failed quiz never
completes a module (unless the trainer chose completion on submission); the summary, the chart, the table
and the rows count the same learners; staff and observers are not learners; cancelled picks are not shown."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti.models import ResourceLink
from lti_tool.lti.session import load_session
from lti_tool.services.models import LineItemLink
from lti_tool.training import dashboard as dash
from lti_tool.training.chart import Bar, completion_chart
from lti_tool.training.models import Placement, QuizAttempt
from lti_tool.training.roster import Member, Roster, kind_of_roles

from .conftest import correct_form

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER, INSTRUCTOR, MENTOR = LIS + "membership#Learner", LIS + "membership#Instructor", LIS + "membership#Mentor"
M1 = "m01-foundations"


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _place_m1(world, client, completion: str = "pass") -> str:
    trainer = world.session("tess", role="instructor", lti_roles=INSTRUCTOR)
    done = client.post("/training/link/setup", data={"ltik": trainer, "item": f"module:{M1}", "completion": completion})
    assert done.status_code == 303
    return trainer


def _read_all(world, client, token: str) -> None:
    module = world.app.extensions["r2com"]["content"].module(M1)
    for page in module.pages:
        assert client.get(f"/training/modules/{M1}/pages/{page.id}",
                          query_string={"ltik": token, "note": "seen"}).status_code == 200
    assert client.get(f"/training/modules/{M1}/activity", query_string={"ltik": token, "note": "seen"}).status_code == 200


def _failing_form(quiz) -> dict:
    """Answer only the first scored question right: well under the 70 % pass mark."""
    form = correct_form(quiz)
    scored = [q for q in quiz.questions if q.scored]
    for q in scored[1:]:
        form.pop(f"q-{q.id}", None)
        for key in [k for k in form if k.startswith(f"q-{q.id}-")]:
            form.pop(key)
    return form


def _take(client, token: str, form: dict) -> None:
    start = client.post(f"/training/modules/{M1}/quiz/start", data={"ltik": token})
    url = start.headers["Location"].split("?")[0]
    assert client.post(url, data=dict(form, ltik=token, action="submit", confirm="1")).status_code == 303


def _board(world, trainer: str, **roster) -> dash.Dashboard:
    with world.app.test_request_context("/"):
        return dash.build(load_session(trainer), roster.get("roster")).load_all()


def _assert_everything_agrees(board: dash.Dashboard) -> None:
    learners = board.learners()
    counts = board.counts()
    assert sum(counts.values()) == len(learners)
    for status in dash.STATUSES:
        assert counts[status] == len(dash.filtered(board, status=status)), status
    for activity in board.activities():
        key = activity.column.item.key
        assert activity.completed == len(dash.filtered(board, status=dash.COMPLETED, item_key=key))
        assert activity.started == len(dash.filtered(board, status=dash.IN_PROGRESS, item_key=key))
        assert activity.not_started + activity.started + activity.completed == activity.learners == len(learners)
    assert [(c.item.key, done, total) for c, done, total in board.completion()] == \
        [(a.column.item.key, a.completed, a.learners) for a in board.activities()]


def test_a_failed_best_attempt_is_started_not_completed_and_not_passed(world, client):
    trainer = _place_m1(world, client)
    quiz = world.app.extensions["r2com"]["content"].module(M1).quiz
    ana = world.session("ana", lti_roles=LEARNER)
    _read_all(world, client, ana)
    _take(client, ana, _failing_form(quiz))
    with world.app.app_context():
        (attempt,) = db.session.execute(select(QuizAttempt)).scalars().all()
        assert attempt.kept and attempt.passed is False and attempt.percent < quiz.pass_mark * 100
    ben = world.session("ben", lti_roles="Learner")
    _read_all(world, client, ben)
    _take(client, ben, correct_form(quiz))
    board = _board(world, trainer)
    rows = {r.sub: r for r in board.learners()}
    assert set(rows) == {"sub-ana", "sub-ben"}  # the trainer is not a learner
    ana_cell, ben_cell = rows["sub-ana"].cells[f"module:{M1}"], rows["sub-ben"].cells[f"module:{M1}"]
    assert (ana_cell.state, ana_cell.passed) == (dash.IN_PROGRESS, False)
    assert (ben_cell.state, ben_cell.passed) == (dash.COMPLETED, True)
    assert board.counts() == {dash.NOT_STARTED: 0, dash.IN_PROGRESS: 1, dash.COMPLETED: 1}
    assert board.passed_count() == 1
    _assert_everything_agrees(board)
    page = _text(client.get("/training/dashboard", query_string={"ltik": trainer}))
    assert "2 learners in the course." in page and "1 trainer, administrator or observer is not counted." in page
    assert "1 of 2 learners completed (50 %)" in page  # the chart's description says what the summary says
    ana_row = page[page.index("Ana</a>"):].split("</tr>")[0]
    assert "Started, not completed" in ana_row and "Not passed" in ana_row and "✓" not in ana_row
    summary = page[page.index('aria-labelledby="whole-course"'):].split("</ul>")[0]
    assert re.search(r"Completed</span>: 1<", summary) and re.search(r"Passed every quiz</span>: 1<", summary)


def test_completion_on_submission_is_the_trainers_choice(world, client):
    trainer = _place_m1(world, client, completion="submit")
    with world.app.app_context():
        assert db.session.execute(select(Placement.completion)).scalar_one() == "submit"
    ana = world.session("ana", lti_roles=LEARNER)
    _read_all(world, client, ana)
    _take(client, ana, _failing_form(world.app.extensions["r2com"]["content"].module(M1).quiz))
    board = _board(world, trainer)
    cell = board.learners()[0].cells[f"module:{M1}"]
    assert (cell.state, cell.passed) == (dash.COMPLETED, False)  # completed, and still not passed
    assert board.passed_count() == 0
    _assert_everything_agrees(board)


def test_staff_and_observers_are_not_learners_whatever_the_role_spelling(world, client):
    assert kind_of_roles(("Learner",)) == "learner" and kind_of_roles(("Instructor",)) == "instructor"  # Moodle NRPS
    assert kind_of_roles((LEARNER,)) == "learner" and kind_of_roles((INSTRUCTOR,)) == "instructor"
    assert kind_of_roles((LIS + "membership/Instructor#TeachingAssistant",)) == "instructor"
    assert kind_of_roles((INSTRUCTOR, LEARNER)) == "instructor"
    assert kind_of_roles((LIS + "institution/person#Instructor", LEARNER)) == "learner"  # Canvas adds these
    assert kind_of_roles((MENTOR,)) == "other" and kind_of_roles(()) == "other"
    assert kind_of_roles((LIS + "institution/person#Administrator",)) == "administrator"
    trainer = _place_m1(world, client)
    world.session("ana", lti_roles=LEARNER)
    world.session("ben", lti_roles=MENTOR)  # a Canvas observer who opened the tool
    roster = Roster((Member("sub-ana", "Ana", ("Learner",)), Member("sub-tess", "Tess", ("Instructor",)),
                     Member("sub-ben", "Ben", (MENTOR,)), Member("m-4", "Moodle Teacher", ("Instructor", "Learner")),
                     Member("m-5", "Lee", ("Learner",)), Member("m-6", "Gone", ("Learner",), "Deleted")), 1, time.time())
    board = _board(world, trainer, roster=roster)
    assert sorted(r.sub for r in board.learners()) == ["m-5", "sub-ana"]
    assert {r.sub: r.role for r in board.rows if not r.learner} == {
        "sub-tess": "instructor", "sub-ben": "other", "m-4": "instructor"}
    assert [r.sub for r in dash.filtered(board)] == ["sub-ana", "m-5"]  # learners by default
    assert sorted(r.sub for r in dash.filtered(board, role="staff")) == ["m-4", "sub-tess"]
    assert [r.sub for r in dash.filtered(board, role="other")] == ["sub-ben"]
    assert len(dash.filtered(board, role="all")) == 5
    assert sum(board.counts().values()) == 2
    _assert_everything_agrees(board)
    page = _text(client.get("/training/dashboard", query_string={"ltik": trainer}))  # launched members only here
    assert "Ben</a>" not in page and "Tess</a>" not in page and "Ana</a>" in page
    others = _text(client.get("/training/dashboard", query_string={"ltik": trainer, "role": "all"}))
    assert "Ben</a>" in others and "Tess</a>" in others


def test_a_pick_cancelled_in_the_lms_is_not_a_column_until_the_lms_has_it(world, client):
    trainer = world.session("tess", role="instructor", lti_roles=INSTRUCTOR)
    with world.app.app_context():
        for module in (M1, "m02-transition"):  # picked in the picker; the trainer then cancelled in the LMS
            db.session.add(Placement(context_id=world.contexts["x"], item_kind="module", item_id=module,
                                     report="none", title=module, source="deep_link"))
        db.session.commit()
    board = _board(world, trainer)
    assert board.columns == [] and [c.item.key for c in board.unconfirmed] == [f"module:{M1}", "module:m02-transition"]
    page = _text(client.get("/training/dashboard", query_string={"ltik": trainer}))
    assert "not found in your course yet" in page and "<svg" not in page
    with world.app.app_context():  # m01 is launched from a link in the course...
        link = ResourceLink(context_id=world.contexts["x"], resource_link_id="lms-link-9", title="M1",
                            custom={"r2com_item": "module", "r2com_id": M1})
        # ...and the grade worker found m02's gradebook column on the platform.
        db.session.add_all([link, LineItemLink(context_id=world.contexts["x"], link_key="res:module:m02-transition",
                                               resource_id="module:m02-transition", lineitem_url="https://lms/li/2")])
        db.session.commit()
    board = _board(world, trainer)
    assert [c.item.key for c in board.columns] == [f"module:{M1}", "module:m02-transition"] and not board.unconfirmed
    with world.app.test_request_context("/"):
        listed = dash.build(load_session(trainer), None, None, frozenset({"chapter:release-day"}))
    assert len(listed.columns) == 2  # the platform's own list of line items also counts


def test_chart_labels_are_whole_and_wrapped_not_cut(world):
    long = "Module 12: Working with families, partners and friends after release, and when to step back"
    with world.app.test_request_context("/"):
        svg = str(completion_chart([Bar(long, 3, 7), Bar("Chapter 1: Short", 0, 7)]))
    assert "…" not in svg
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert " ".join(lines[:-1]) == long and lines[-1] == "Chapter 1: Short" and len(lines) >= 3
    assert "3 of 7 learners completed (43 %)" in svg and "43 % (3/7)" in svg
    heights = [int(h) for h in re.findall(r'viewBox="0 0 \d+ (\d+)"', svg)]
    ys = [int(y) for y in re.findall(r'<rect x="0" y="(\d+)"', svg)]
    assert max(ys) < heights[0]  # nothing drawn outside the picture
