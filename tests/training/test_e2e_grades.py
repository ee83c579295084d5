"""End to end over real HTTP: what a chapter completion puts into the platform's gradebook.

By default (the picker's recommended choice) a chapter marked as read reaches the platform as 1 of 1,
``FullyGraded``, which Moodle stores as a grade and Canvas as a graded submission. Completion only
(``NotReady``, no score) stays available, and the development platform stores it as Moodle does: a null grade.
"""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.services.models import DeliveryStatus, GradeOutbox
from lti_tool.services.worker import DeliveryWorker

from .conftest import ltik_of
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
