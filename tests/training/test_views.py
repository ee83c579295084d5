"""Learner and trainer pages in process: routing, the player, the attempts policy, scoping, the manual."""

from __future__ import annotations

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.services.models import GradeOutbox
from lti_tool.training.models import ModuleProgress, Placement, QuizAttempt

from .conftest import correct_form, wrong_form

AGS = {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score",
                 "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"],
       "lineitems": "https://lms.test/ags/lineitems", "lineitem": "https://lms.test/ags/lineitems/7"}
M1 = {"r2com_item": "module", "r2com_id": "m01-foundations"}


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _quiz(world, module_id="m01-foundations"):
    return world.app.extensions["r2com"]["content"].module(module_id).quiz


def _submit(client, token, form, module_id="m01-foundations"):
    start = client.post(f"/training/modules/{module_id}/quiz/start", data={"ltik": token})
    assert start.status_code == 303, _text(start)[:300]
    url = start.headers["Location"].split("?")[0]
    return url, client.post(url, data=dict(form, ltik=token, action="submit"))


# -- launch routing ------------------------------------------------------------------------------
def test_link_without_item_learner_is_told_kindly_and_trainer_sets_it_up(world, client):
    learner = world.session("ana")
    resp = client.get("/lti/home", query_string={"ltik": learner})
    assert resp.status_code == 200 and "not set up yet" in _text(resp) and "learner" in _text(resp)
    trainer = world.session("tess", role="instructor")
    resp = client.get("/lti/home", query_string={"ltik": trainer})
    assert resp.status_code == 303 and "/training/link/setup" in resp.headers["Location"]
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200 and "trainer" in _text(page) and 'value="module:m01-foundations"' in _text(page)
    assert client.post("/training/link/setup", data={"ltik": trainer}).status_code == 400
    done = client.post("/training/link/setup", data={"ltik": trainer, "item": "module:m02-transition"})
    assert done.status_code == 303 and "/training/modules/m02-transition" in done.headers["Location"]
    again = client.get("/lti/home", query_string={"ltik": world.session("ben")})
    assert "/training/modules/m02-transition" in again.headers["Location"]
    assert client.post("/training/link/setup", data={"ltik": learner, "item": "manual"}).status_code == 403


def test_custom_parameters_and_target_link_choose_the_item(world, client):
    cases = [({"r2com_item": "chapter", "r2com_id": "release-day"}, "/training/manual/chapters/release-day"),
             ({"r2com_item": "manual"}, "/training/manual"),
             (M1, "/training/modules/m01-foundations"),
             ({"r2com_item": "casework"}, "/assessment/"),
             ({"r2com_item": "case-exercise", "r2com_case": "c01-daniel"}, "/assessment/training/cases/c01-daniel")]
    for custom, where in cases:
        resp = client.get("/lti/home", query_string={"ltik": world.session("ana", custom=custom)})
        assert resp.status_code == 303 and where in resp.headers["Location"], (custom, resp.headers.get("Location"))
    by_target = world.session("ana", data={"target_link_uri": "http://tool.test/lti/launch?r2com_item=manual"})
    assert "/training/manual" in client.get("/lti/home", query_string={"ltik": by_target}).headers["Location"]
    board = world.session("tess", role="instructor", custom={"r2com_item": "dashboard"})
    assert "/training/dashboard" in client.get("/lti/home", query_string={"ltik": board}).headers["Location"]
    missing = world.session("ana", custom={"r2com_item": "module", "r2com_id": "no-such-module"})
    follow = client.get(client.get("/lti/home", query_string={"ltik": missing}).headers["Location"])
    assert follow.status_code == 404 and "item_not_found" in _text(follow)


def test_picker_needs_a_deep_linking_trainer_and_respects_accept_multiple(world, client):
    learner = world.session("ana")
    assert client.get("/training/pick", query_string={"ltik": learner}).status_code == 403
    trainer = world.session("tess", role="instructor")
    assert "not_deep_linking" in _text(client.get("/training/pick", query_string={"ltik": trainer}))
    settings = {"deep_link_return_url": "https://lms.test/dl", "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["window"], "accept_multiple": False, "data": "x"}
    dl = world.session("tess", role="instructor", message="LtiDeepLinkingRequest", link=False,
                       data={"deep_linking_settings": settings})
    page = client.get("/training/pick", query_string={"ltik": dl})
    assert page.status_code == 200 and 'type="radio" name="item"' in _text(page)
    assert 'value="iframe"' not in _text(page) and 'value="window"' in _text(page)
    two = client.post("/training/pick", data={"ltik": dl, "item": ["manual", "module:m01-foundations"],
                                              "action": "add"})
    assert two.status_code == 400 and "one item" in _text(two)
    none = client.post("/training/pick", data={"ltik": dl, "action": "add"})
    assert none.status_code == 400
    bad = client.post("/training/pick", data={"ltik": dl, "item": "module:nope", "action": "add"})
    assert bad.status_code == 404
    ok = client.post("/training/pick", data={"ltik": dl, "item": "manual", "action": "add"})
    assert ok.status_code == 200 and 'action="https://lms.test/dl"' in _text(ok) and 'name="JWT"' in _text(ok)
    files = dict(settings, accept_types=["file"])
    no_links = world.session("tess", role="instructor", message="LtiDeepLinkingRequest", link=False,
                             data={"deep_linking_settings": files})
    assert "does not accept tool activities" in _text(client.get("/training/pick", query_string={"ltik": no_links}))


# -- module player -------------------------------------------------------------------------------
def test_pages_progress_resume_and_revalidation(world, client):
    token = world.session("ana", custom=M1)
    module = world.app.extensions["r2com"]["content"].module("m01-foundations")
    first, second = module.pages[0].id, module.pages[1].id
    start = client.get("/training/modules/m01-foundations", query_string={"ltik": token})
    assert "Start the module" in _text(start) and f"pages/{first}" in _text(start)
    page = client.get(f"/training/modules/m01-foundations/pages/{second}", query_string={"ltik": token})
    body = _text(page)
    assert page.status_code == 200 and '<progress id="module-progress"' in body and 'value="1"' in body
    assert f"ltik={token}" in body and 'rel="prev"' in body and 'rel="next"' in body
    assert page.headers["Cache-Control"] == "private, no-cache" and page.headers["ETag"]
    again = client.get(f"/training/modules/m01-foundations/pages/{second}", query_string={"ltik": token},
                       headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    resume = client.get("/training/modules/m01-foundations", query_string={"ltik": token})
    assert "Resume where you left off" in _text(resume) and f"pages/{second}" in _text(resume).split("Resume")[0]
    with world.app.app_context():
        row = db.session.execute(select(ModuleProgress)).scalar_one()
        version = world.app.extensions["r2com"]["content"].package("r2com-course").version
        assert row.pages_seen == [second] and row.package_version == version and row.pages_done == 1


def test_content_note_comes_first_and_can_be_skipped(world, client):
    token = world.session("ana")
    note = client.get("/training/modules/m03-trust-ethics/pages/confidentiality", query_string={"ltik": token})
    if note.status_code == 404:  # page ids come from front matter; find it
        module = world.app.extensions["r2com"]["content"].module("m03-trust-ethics")
        page_id = next(p.id for p in module.pages if p.content_note)
        note = client.get(f"/training/modules/m03-trust-ethics/pages/{page_id}", query_string={"ltik": token})
    text = _text(note)
    assert "Content note" in text and "Show the page" in text and "Skip this page for now" in text
    with world.app.app_context():
        assert db.session.execute(select(func.count()).select_from(ModuleProgress)).scalar_one() == 0


def test_reflection_stays_private(world, client):
    token = world.session("ana")
    saved = client.post("/training/modules/m01-foundations/activity",
                        data={"ltik": token, "reflection-0": "A private thought"})
    assert saved.status_code == 200 and "A private thought" in _text(saved) and "Only you can see it" in _text(saved)
    other = client.get("/training/modules/m01-foundations/activity", query_string={"ltik": world.session("ben")})
    assert "A private thought" not in _text(other)


# -- quizzes ---------------------------------------------------------------------------------------
def test_attempts_policy_keep_highest_and_scores_queued_once(world, client):
    token = world.session("ana", custom=M1, ags=AGS)
    quiz = _quiz(world)
    assert quiz.max_attempts == 3 and quiz.keep == "highest"
    _url, first = _submit(client, token, correct_form(quiz))
    assert first.status_code == 303
    _url, second = _submit(client, token, wrong_form(quiz))
    result = client.get(second.headers["Location"])
    assert "Another attempt is the one that counts" in _text(result) and "Not right" in _text(result)
    _url, third = _submit(client, token, wrong_form(quiz))
    refused = client.post("/training/modules/m01-foundations/quiz/start", data={"ltik": token})
    assert refused.status_code == 409 and "no_attempts_left" in _text(refused)
    page = client.get("/training/modules/m01-foundations/quiz", query_string={"ltik": token})
    assert "You have used every attempt" in _text(page)
    with world.app.app_context():
        attempts = db.session.execute(select(QuizAttempt).order_by(QuizAttempt.number)).scalars().all()
        assert [a.kept for a in attempts] == [True, False, False] and attempts[0].percent == 100
        rows = db.session.execute(select(GradeOutbox)).scalars().all()
        assert len(rows) == 1 and rows[0].payload["scoreGiven"] == 100 and rows[0].resource_id == "module:m01-foundations"
        assert rows[0].lineitem_url == AGS["lineitem"] and rows[0].tag == "quiz"


def test_save_then_submit_and_submitting_twice_is_refused(world, client):
    token = world.session("ana")
    quiz = _quiz(world, "m02-transition")
    start = client.post("/training/modules/m02-transition/quiz/start", data={"ltik": token})
    url = start.headers["Location"].split("?")[0]
    form = correct_form(quiz)
    saved = client.post(url, data=dict(form, ltik=token, action="save"))
    assert "saved=1" in saved.headers["Location"]
    page = _text(client.get(saved.headers["Location"]))
    assert "Your answers are saved" in page and "checked" in page
    resumed = client.post("/training/modules/m02-transition/quiz/start", data={"ltik": token})
    assert resumed.headers["Location"].split("?")[0] == url  # the open attempt, not a new one
    assert client.post(url, data=dict(form, ltik=token, action="submit")).status_code == 303
    twice = client.post(url, data=dict(form, ltik=token, action="submit"))
    assert twice.status_code == 409 and "attempt_already_submitted" in _text(twice)
    with world.app.app_context():
        attempt = db.session.execute(select(QuizAttempt)).scalar_one()
        assert attempt.percent == 100 and attempt.state == "submitted"
        # Not placed in the course and not launched from its link: the result stays in the tool.
        assert db.session.execute(select(func.count()).select_from(GradeOutbox)).scalar_one() == 0


def test_ordering_without_javascript_uses_position_selects(world, client):
    token = world.session("ana")
    quiz = _quiz(world, "m02-transition")
    ordering = next(q for q in quiz.questions if q.type == "ordering")
    start = client.post("/training/modules/m02-transition/quiz/start", data={"ltik": token})
    page = _text(client.get(start.headers["Location"]))
    for item in ordering.items:
        assert f'name="q-{ordering.id}-pos-{item.id}"' in page
    assert 'data-dir="up" hidden' in page  # buttons appear only with JavaScript
    reversed_form = {f"q-{ordering.id}-pos-{item.id}": str(len(ordering.items) - i)
                     for i, item in enumerate(ordering.items)}
    url = start.headers["Location"].split("?")[0]
    client.post(url, data=dict(reversed_form, ltik=token, action="submit"))
    with world.app.app_context():
        attempt = db.session.execute(select(QuizAttempt)).scalar_one()
        assert attempt.answers[ordering.id] == [i.id for i in reversed(ordering.items)]
        assert attempt.results[ordering.id]["correct"] is False


def test_trainer_preview_sends_nothing(world, client):
    token = world.session("tess", role="instructor", custom=M1, ags=AGS)
    _url, done = _submit(client, token, correct_form(_quiz(world)))
    assert done.status_code == 303
    with world.app.app_context():
        assert db.session.execute(select(func.count()).select_from(GradeOutbox)).scalar_one() == 0


# -- scoping ---------------------------------------------------------------------------------------
def test_learners_see_only_their_own_attempts_in_their_own_course(world, client):
    ana_x = world.session("ana", course="x")
    url, done = _submit(client, ana_x, correct_form(_quiz(world)))
    result_url = done.headers["Location"].split("?")[0]
    assert client.get(result_url, query_string={"ltik": ana_x}).status_code == 200
    ana_y = world.session("ana", course="y")
    ben_x = world.session("ben", course="x")
    for token in (ana_y, ben_x):
        assert client.get(result_url, query_string={"ltik": token}).status_code == 404
        assert client.get(url, query_string={"ltik": token}).status_code == 404
        assert client.post(url, data={"ltik": token, "action": "submit"}).status_code == 404
    course_y = _text(client.get("/training/modules/m01-foundations/quiz", query_string={"ltik": ana_y}))
    assert "Your attempts" not in course_y  # course X's attempt does not leak into course Y
    assert client.get("/training/dashboard", query_string={"ltik": ben_x}).status_code == 403
    trainer_y = world.session("tess", course="y", role="instructor")
    assert client.get(result_url, query_string={"ltik": trainer_y}).status_code == 404
    trainer_x = world.session("tess", course="x", role="instructor")
    review = client.get(result_url, query_string={"ltik": trainer_x})
    assert review.status_code == 200 and "Result of this attempt" in _text(review)


# -- manual ----------------------------------------------------------------------------------------
def test_manual_contents_search_read_and_completion(world, client):
    chapter = {"r2com_item": "chapter", "r2com_id": "about-this-guide", "r2com_report": "score"}
    token = world.session("ana", custom=chapter, ags=AGS)
    contents = _text(client.get("/training/manual", query_string={"ltik": token}))
    chapters = len(world.app.extensions["r2com"]["content"].manual().chapters)
    assert "Contents" in contents and f"0 of {chapters} done" in contents and 'role="search"' in contents
    found = client.get("/training/manual/search", query_string={"ltik": token, "q": "release"})
    assert found.status_code == 200 and "<mark>" in _text(found) and "chapters found" in _text(found)
    nothing = _text(client.get("/training/manual/search", query_string={"ltik": token, "q": "qwxzzy"}))
    assert "0 chapters found" in nothing
    page = _text(client.get("/training/manual/chapters/about-this-guide", query_string={"ltik": token}))
    assert "I have read this chapter" in page and 'rel="next"' in page
    read = client.post("/training/manual/chapters/about-this-guide/read", data={"ltik": token})
    assert read.status_code == 303
    after = _text(client.get(read.headers["Location"]))
    assert "You have read this chapter" in after and f"1 of {chapters} done" in after
    assert client.get("/training/manual/glossary", query_string={"ltik": token}).status_code == 200
    with world.app.app_context():
        (row,) = db.session.execute(select(GradeOutbox)).scalars().all()
        assert row.payload["scoreGiven"] == 1 and row.payload["scoreMaximum"] == 1
        assert row.payload["activityProgress"] == "Completed" and row.payload["gradingProgress"] == "FullyGraded"
    # Reading another chapter of a link that reports nothing sends nothing.
    quiet = world.session("ben", custom={"r2com_item": "chapter", "r2com_id": "about-this-guide"}, ags=AGS)
    client.post("/training/manual/chapters/about-this-guide/read", data={"ltik": quiet})
    with world.app.app_context():
        assert db.session.execute(select(func.count()).select_from(GradeOutbox)).scalar_one() == 1


def test_completion_only_has_no_score(world, client):
    custom = {"r2com_item": "chapter", "r2com_id": "about-this-guide", "r2com_report": "completion"}
    token = world.session("ana", custom=custom, ags=AGS)
    client.post("/training/manual/chapters/about-this-guide/read", data={"ltik": token})
    with world.app.app_context():
        (row,) = db.session.execute(select(GradeOutbox)).scalars().all()
        assert "scoreGiven" not in row.payload and row.payload["activityProgress"] == "Completed"


def test_ref_links_carry_the_session(world, client):
    token = world.session("ana")
    page = _text(client.get("/training/manual/chapters/about-this-guide", query_string={"ltik": token}))
    assert "/training/modules/" in page and f"ltik={token}" in page and "__R2COM_LTIK__" not in page
    other = world.session("ben")
    again = _text(client.get("/training/manual/chapters/about-this-guide", query_string={"ltik": other}))
    assert f"ltik={other}" in again and f"ltik={token}" not in again


def test_placements_are_listed_for_the_course(world, client):
    trainer = world.session("tess", role="instructor")
    client.post("/training/link/setup", data={"ltik": trainer, "item": "chapter:release-day", "report": "score"})
    with world.app.app_context():
        row = db.session.execute(select(Placement)).scalar_one()
        assert (row.item_kind, row.item_id, row.report, row.source) == ("chapter", "release-day", "score", "tool")
