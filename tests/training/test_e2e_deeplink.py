"""End to end over real HTTP: deep-link two modules and a chapter, launch them, take a quiz, deliver the score."""

from __future__ import annotations

import re

import jwt
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.services.models import DeliveryStatus, GradeOutbox
from lti_tool.services.worker import DeliveryWorker
from lti_tool.training.models import Placement, QuizAttempt

from .conftest import correct_form, ltik_of

CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
PICKED = ["module:m01-foundations", "module:m02-transition", "chapter:release-day"]


def deep_link(browser, tool, platform, cid, dep, items=PICKED, **fields):
    """Open the picker as the instructor, pick ``items`` and follow the response to the platform."""
    picker = browser.launch(platform.base_url, cid, dep, user="instructor", message="deeplink")
    assert picker.status_code == 200 and "/training/pick" in picker.url, picker.text[:400]
    form = {"ltik": ltik_of(picker), "item": items, "report": "score", "presentation": "iframe", "action": "add"}
    form.update(fields)
    answer = browser.post(tool.url + "/training/pick", data=form)
    assert answer.status_code == 200 and 'id="lti-autosubmit"' in answer.text
    return browser.follow_forms(answer)


def test_instructor_deep_links_two_modules_and_a_chapter(connected, browser):
    tool, platform, cid, dep = connected
    done = deep_link(browser, tool, platform, cid, dep)
    assert done.status_code == 200, done.text[:500]
    payload = platform.last_deep_link_payload
    assert payload is not None, "the platform did not accept the response"
    assert payload["iss"] == cid and payload["aud"] == platform.issuer and payload["azp"] == cid
    assert payload["exp"] - payload["iat"] == 300 and payload["nonce"]
    assert payload["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert payload["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == dep
    assert payload["https://purl.imsglobal.org/spec/lti-dl/claim/data"].startswith("DL-")
    items = payload[CONTENT_ITEMS]
    assert [i["custom"]["r2com_item"] for i in items] == ["module", "module", "chapter"]
    for item in items:
        assert item["type"] == "ltiResourceLink" and item["custom"] and item["title"] and item["text"]
        assert item["iframe"] == {"width": 1000, "height": 800}
    m1, m2, chapter = items
    assert m1["custom"] == {"r2com_item": "module", "r2com_id": "m01-foundations"}
    assert m1["lineItem"] == {"scoreMaximum": 100, "label": m1["title"], "resourceId": "module:m01-foundations",
                              "tag": "quiz"}
    assert chapter["custom"] == {"r2com_item": "chapter", "r2com_id": "release-day", "r2com_report": "score"}
    assert chapter["lineItem"]["scoreMaximum"] == 1 and chapter["lineItem"]["resourceId"] == "chapter:release-day"
    header = jwt.get_unverified_header(_last_jwt(browser))
    assert header["alg"] == "RS256" and header["kid"] == tool.app.extensions["r2com"]["keyring"].signing_key().kid
    links = platform.deep_linked_items()
    assert len(links) == 3
    with tool.app.app_context():
        placed = db.session.execute(select(Placement)).scalars().all()
        assert {(p.item_kind, p.item_id) for p in placed} == {("module", "m01-foundations"),
                                                              ("module", "m02-transition"), ("chapter", "release-day")}


def _last_jwt(browser) -> str:
    for response in reversed(browser.history):
        body = response.request.body
        if isinstance(body, str) and body.startswith("JWT="):
            from urllib.parse import unquote_plus

            return unquote_plus(body[4:])
    raise AssertionError("no JWT was posted")


def test_window_presentation_and_casework_has_no_line_item(connected, browser):
    tool, platform, cid, dep = connected
    done = deep_link(browser, tool, platform, cid, dep, items=["casework", "manual"], presentation="window",
                     report="none")
    assert done.status_code == 200, done.text[:400]
    casework, manual = platform.last_deep_link_payload[CONTENT_ITEMS]
    assert casework["title"] == "Casework workspace" and "lineItem" not in casework
    assert casework["custom"] == {"r2com_item": "casework"} and casework["window"] == {"targetName": "_blank"}
    assert "lineItem" not in manual and manual["custom"]["r2com_report"] == "none"


def test_cancel_sends_an_empty_answer(connected, browser):
    tool, platform, cid, dep = connected
    done = deep_link(browser, tool, platform, cid, dep, action="cancel")
    assert done.status_code == 200
    assert platform.last_deep_link_payload[CONTENT_ITEMS] == []


def test_learner_cannot_open_the_picker(connected, browser):
    tool, platform, cid, dep = connected
    refused = browser.launch(platform.base_url, cid, dep, user="learner", message="deeplink")
    assert refused.status_code == 403 and "deep_linking_instructor_only" in refused.text


def test_placed_links_open_their_items_and_a_quiz_score_reaches_the_platform(connected, browser):
    tool, platform, cid, dep = connected
    deep_link(browser, tool, platform, cid, dep)
    links = {lnk.custom.get("r2com_id"): lnk for lnk in platform.deep_linked_items()}
    with type(browser)() as learner:
        chapter = learner.launch(platform.base_url, cid, dep, user="learner", link=links["release-day"].link_id)
        assert chapter.status_code == 200 and "/training/manual/chapters/release-day" in chapter.url
        m2 = learner.launch(platform.base_url, cid, dep, user="learner", link=links["m02-transition"].link_id)
        assert "/training/modules/m02-transition" in m2.url
        start = learner.launch(platform.base_url, cid, dep, user="learner", link=links["m01-foundations"].link_id)
        assert start.status_code == 200 and "/training/modules/m01-foundations" in start.url
        token = ltik_of(start)
        module = tool.app.extensions["r2com"]["content"].module("m01-foundations")
        for page in module.pages:
            seen = learner.get(f"{tool.url}/training/modules/m01-foundations/pages/{page.id}",
                               params={"ltik": token, "note": "seen"})
            assert seen.status_code == 200 and "progress" in seen.text
        activity = learner.get(f"{tool.url}/training/modules/m01-foundations/activity",
                               params={"ltik": token, "note": "seen"})
        assert activity.status_code == 200
        attempt = learner.post(f"{tool.url}/training/modules/m01-foundations/quiz/start", data={"ltik": token})
        assert attempt.status_code == 200 and "/training/attempts/" in attempt.url
        form = dict(correct_form(module.quiz), ltik=token, action="submit")
        result = learner.post(attempt.url.split("?")[0], data=form)
        assert result.status_code == 200 and "/result" in result.url and "100" in result.text
        again = learner.post(attempt.url.split("?")[0], data=form)
        assert again.status_code == 409 and "attempt_already_submitted" in again.text
    with tool.app.app_context():
        row = db.session.execute(select(GradeOutbox)).scalar_one()
        attempt_row = db.session.execute(select(QuizAttempt)).scalar_one()
        assert row.lineitem_url and row.source_id == str(attempt_row.id)
        worker = DeliveryWorker(tool.app, connect_timeout=1, read_timeout=5)
        worker.run_once()
        db.session.expire_all()
        assert db.session.get(GradeOutbox, row.id).status == DeliveryStatus.DELIVERED
        worker.http.close()
    (score,) = platform.scores
    body = score.received
    assert body["userId"] == "1003" and body["scoreGiven"] == 100 and body["scoreMaximum"] == 100
    assert body["activityProgress"] == "Completed" and body["gradingProgress"] == "FullyGraded"
    assert set(body["submission"]) == {"startedAt", "submittedAt"}
    ms = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")
    assert ms.match(body["timestamp"]) and ms.match(body["submission"]["submittedAt"])
    item = platform.line_items[score.item_id]
    assert item.resource_link_id == links["m01-foundations"].link_id and item.resource_id == "module:m01-foundations"
