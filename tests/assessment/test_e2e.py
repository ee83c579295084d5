"""Over real HTTP with the development platform: casework makes zero AGS calls, even from a graded link;
a fictional case exercise delivers its training score to the platform's AGS endpoint."""

from __future__ import annotations

import time
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select
from support import allow_casework, connect, drop_app, serve_tool

from lti_tool.assessment.training import POINTS_PER_DOMAIN
from lti_tool.devplatform.driver import Browser
from lti_tool.devplatform.models import ResourceLink as PlatformLink
from lti_tool.devplatform.server import start_platform
from lti_tool.extensions import db
from lti_tool.services.models import DeliveryStatus, GradeOutbox
from lti_tool.services.worker import DeliveryWorker

from .conftest import DOMAINS, answers_form
from .test_training import REFERENCE, perfect_form

pytestmark = pytest.mark.e2e
COURSE = "course-101"


@pytest.fixture
def connected(tmp_path) -> Iterator[tuple[Any, Any, str, str]]:
    tool = serve_tool(tmp_path)
    platform, running = start_platform(allow_control=True)
    cid, deployments = connect(tool, platform)
    yield tool, platform, cid, deployments[0]
    running.stop()
    tool.stop()
    drop_app(tool.app)


def place(platform: Any, cid: str, link_id: str, custom: dict[str, str], *, graded: bool) -> str | None:
    """Place a deep-linked resource link in the course; optionally give it a line item (as an LMS might)."""
    platform.add_resource_link(PlatformLink(link_id=link_id, course_id=COURSE, title="Activity", client_id=cid,
                                            custom=custom, deep_linked=True))
    if graded:
        return platform.create_line_item(COURSE, cid, "Activity", 100.0, resource_link_id=link_id).item_id
    return None


def launch(platform: Any, cid: str, deployment: str, user: str, link: str) -> tuple[requests.Response, str]:
    """Launch a link as a platform user; return the tool's final response and the session token."""
    browser = Browser()
    resp = browser.launch(platform.url(""), cid, deployment, course=COURSE, user=user, link=link)
    token = parse_qs(urlsplit(resp.url).query)["ltik"][0]
    browser.close()
    return resp, token


def drain(app: Any) -> None:
    """Run the grade delivery worker until no row is pending."""
    worker = DeliveryWorker(app, connect_timeout=1.0, read_timeout=3.0, backoff_base=0.05, backoff_cap=0.2)
    with app.app_context():
        for _ in range(100):
            worker.run_once()
            db.session.expire_all()
            pending = db.session.execute(select(func.count()).select_from(GradeOutbox).where(
                GradeOutbox.status == DeliveryStatus.PENDING)).scalar()
            if not pending:
                return
            time.sleep(0.05)
    raise AssertionError("grades still pending")


def test_casework_sends_nothing_to_the_platform(connected) -> None:
    tool, platform, cid, deployment = connected
    place(platform, cid, "casework", {"r2com_item": "casework"}, graded=True)
    resp, token = launch(platform, cid, deployment, "instructor", "casework")
    assert resp.status_code == 403 and "/assessment/" in resp.url  # a course role opens no casework
    allow_casework(tool.app, "1001", "practitioner")
    before = len(platform.request_log)
    http = requests.Session()

    def post(path: str, data: dict[str, Any]) -> requests.Response:
        return http.post(tool.url + path, data={"ltik": token, **data}, allow_redirects=False, timeout=10)

    resp = post("/assessment/clients/new", {"pseudonym": "Heron-5"})
    assert resp.status_code == 303, resp.text
    client_id = urlsplit(resp.headers["Location"]).path.split("/clients/")[1].split("/")[0]
    post(f"/assessment/clients/{client_id}/information", {"confidentiality_explained": "1",
                                                           "lawful_basis": "consent", "record_consent": "1"})
    for occasion_type, need in (("week-1", "3"), ("month-1", "1")):
        resp = post(f"/assessment/clients/{client_id}/occasions/new", {"occasion_type": occasion_type})
        occasion = urlsplit(resp.headers["Location"]).path.split("/occasions/")[1]
        assert post(f"/assessment/occasions/{occasion}", answers_form(need=need)).status_code == 303
    post(f"/assessment/clients/{client_id}/plan", {"suggestion_id": "housing-advice-referral", "owner": "client"})
    post(f"/assessment/clients/{client_id}/close", {})
    for path in ("/profile", "/change", "/plan", "/plan/print", "/export"):
        assert http.get(f"{tool.url}/assessment/clients/{client_id}{path}", params={"ltik": token},
                        timeout=10).status_code == 200
    drain(tool.app)
    after = platform.request_log[before:]
    assert not [e for e in after if e.path.startswith("/api/ags") or e.path == "/token"], after
    assert platform.scores == []
    with tool.app.app_context():
        assert db.session.execute(select(func.count()).select_from(GradeOutbox)).scalar() == 0


def test_exercise_score_reaches_the_platform_gradebook(connected) -> None:
    tool, platform, cid, deployment = connected
    item_id = place(platform, cid, "exercise", {"r2com_item": "case-exercise", "r2com_case": "c01-daniel"},
                    graded=True)
    resp, token = launch(platform, cid, deployment, "learner", "exercise")
    assert resp.status_code == 200 and "FICTIONAL CASE" in resp.text
    attempt_path = urlsplit(resp.url).path
    resp = requests.post(tool.url + attempt_path, data={"ltik": token, **perfect_form()}, allow_redirects=False,
                         timeout=10)
    assert resp.status_code == 303
    drain(tool.app)
    scores = platform.latest_scores(item_id)
    assert len(scores) == 1
    maximum = POINTS_PER_DOMAIN * len(REFERENCE)
    assert scores[0].score_given == maximum and scores[0].score_maximum == maximum
    assert scores[0].received["activityProgress"] == "Completed"
    assert scores[0].received["gradingProgress"] == "FullyGraded"
    assert len(DOMAINS) >= len(REFERENCE)
