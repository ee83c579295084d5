"""End to end over real HTTP: what a chapter completion puts into the platform's gradebook.

By default (the picker's recommended choice) a chapter marked as read reaches the platform as 1 of 1,
``FullyGraded``, which Moodle stores as a grade and Canvas as a graded submission. Completion only
(``NotReady``, no score) stays available, and the development platform stores it as Moodle does: a null grade.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.services.models import DeliveryStatus, GradeOutbox
from lti_tool.services.worker import DeliveryWorker

from .conftest import correct_form, ltik_of, take_quiz
from .test_e2e_deeplink import CONTENT_ITEMS, deep_link

CHAPTER = "release-day"


def _read_chapter_and_deliver(tool, platform, cid, dep, browser):
    """Launch the placed chapter as the learner, mark it as read, run a worker; return the platform's records."""
    (link,) = [lnk for lnk in platform.deep_linked_items() if lnk.custom.get("r2com_id") == CHAPTER]
    with type(browser)() as learner:
        landed = learner.launch(platform.base_url, cid, dep, user="learner", link=link.link_id)
        assert landed.status_code == 200 and f"/training/manual/chapters/{CHAPTER}" in landed.url
        token = ltik_of(landed)
        read = learner.post(f"{tool.url}/training/manual/chapters/{CHAPTER}/read", data={"ltik": token})
        assert read.status_code == 200 and "You have read this chapter" in read.text
    with tool.app.app_context():
        worker = DeliveryWorker(tool.app, connect_timeout=1, read_timeout=5)
        try:
            worker.run_once()
        finally:
            worker.close()
        (row,) = db.session.execute(select(GradeOutbox)).scalars().all()
        assert row.status == DeliveryStatus.DELIVERED, row.reason
    (record,) = platform.scores
    assert platform.line_items[record.item_id].resource_link_id == link.link_id
    return record


def test_picker_default_sends_a_chapter_as_one_of_one_fully_graded(connected, browser):
    tool, platform, cid, dep = connected
    picker = browser.launch(platform.base_url, cid, dep, user="instructor", message="deeplink")
    assert 'id="report-score" value="score" checked' in picker.text
    assert "Moodle will not mark the activity complete; Canvas will list a submission to grade." in picker.text
    done = deep_link(browser, tool, platform, cid, dep, items=[f"chapter:{CHAPTER}"], report=None)  # no choice made
    assert done.status_code == 200
    (item,) = platform.last_deep_link_payload[CONTENT_ITEMS]
    assert item["custom"]["r2com_report"] == "score"
    assert item["lineItem"]["scoreMaximum"] == 1 and item["lineItem"]["resourceId"] == f"chapter:{CHAPTER}"
    record = _read_chapter_and_deliver(tool, platform, cid, dep, browser)
    body = record.received
    assert body["scoreGiven"] == 1 and body["scoreMaximum"] == 1
    assert body["gradingProgress"] == "FullyGraded" and body["activityProgress"] == "Completed"
    assert record.score_given == 1.0  # stored as a grade (Moodle keeps scoreGiven only when FullyGraded)


def test_completion_only_when_the_trainer_chooses_it(connected, browser):
    tool, platform, cid, dep = connected
    deep_link(browser, tool, platform, cid, dep, items=[f"chapter:{CHAPTER}"], report="completion")
    (item,) = platform.last_deep_link_payload[CONTENT_ITEMS]
    assert item["custom"]["r2com_report"] == "completion" and item["lineItem"]["scoreMaximum"] == 1
    record = _read_chapter_and_deliver(tool, platform, cid, dep, browser)
    body = record.received
    assert "scoreGiven" not in body and "scoreMaximum" not in body
    assert body["gradingProgress"] == "NotReady" and body["activityProgress"] == "Completed"
    assert record.score_given is None  # what the picker warns about: no grade in the gradebook


def test_unpublished_assignment_waits_and_arrives_after_publishing_without_trainer_action(connected, browser):
    tool, platform, cid, dep = connected
    deep_link(browser, tool, platform, cid, dep, items=["module:m01-foundations"])
    (link,) = platform.deep_linked_items()
    quiz = tool.app.extensions["r2com"]["content"].module("m01-foundations").quiz
    with type(browser)() as learner:
        landed = learner.launch(platform.base_url, cid, dep, user="learner", link=link.link_id)
        take_quiz(learner, tool.url, ltik_of(landed), "m01-foundations", correct_form(quiz))
    platform.ags_fault = {"mode": "422"}  # Canvas: deep-linked assignments start unpublished
    with tool.app.app_context():
        worker = DeliveryWorker(tool.app, connect_timeout=1, read_timeout=5, waiting_first=0.5)
        try:
            worker.run_once()
            row = db.session.execute(select(GradeOutbox)).scalar_one()
            assert row.status == DeliveryStatus.WAITING and row.last_status == 422
            with type(browser)() as trainer:
                token = ltik_of(trainer.launch(platform.base_url, cid, dep, user="instructor"))
                board = trainer.get(f"{tool.url}/training/dashboard", params={"ltik": token}).text
                assert "Scores waiting for the assignment to be published" in board
                assert "1 score waiting for the assignment to be published" in board and "Send now" in board
                assert "score not delivered" not in board and "Gave up" not in board
                assert "None. Every result that should go to the gradebook has been sent" in board  # nothing failed
                platform.ags_fault = None  # the teacher publishes the assignment; nobody presses anything
                time.sleep(0.6)
                worker.run_once()
                db.session.expire_all()
                assert db.session.get(GradeOutbox, row.id).status == DeliveryStatus.DELIVERED
                after = trainer.get(f"{tool.url}/training/dashboard", params={"ltik": token}).text
                assert "waiting for the assignment to be published" not in after
        finally:
            worker.close()
    (record,) = platform.scores
    assert record.received["scoreGiven"] == 100 and record.score_given == 100


def test_a_pick_cancelled_in_the_lms_is_not_on_the_dashboard(connected, browser):
    tool, platform, cid, dep = connected
    deep_link(browser, tool, platform, cid, dep, items=["module:m01-foundations", "module:m02-transition"])
    for item in list(platform.line_items.values()):  # Moodle: the trainer abandoned the "add activity" form
        if item.resource_id == "module:m02-transition":
            platform.line_items.pop(item.item_id)
    with type(browser)() as learner:  # a launch records the course's grade service for the tool
        learner.launch(platform.base_url, cid, dep, user="learner")
    with type(browser)() as trainer:
        token = ltik_of(trainer.launch(platform.base_url, cid, dep, user="instructor"))
        board = trainer.get(f"{tool.url}/training/dashboard", params={"ltik": token}).text
    table = board[board.index('class="roster"'):]
    assert "Module 1:" in table and "Module 2:" not in table  # never launched, no line item: not a column
    note = board[board.index("not found in your course yet"):].split("</div>")[0]
    assert "Module 2:" in note and "Module 1:" not in note
