"""End to end: the trainer dashboard reads the whole roster over NRPS pages, exports CSV, retries a delivery."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.services.models import DeliveryStatus, GradeOutbox
from lti_tool.services.worker import DeliveryWorker

from .conftest import correct_form, ltik_of, take_quiz
from .test_e2e_deeplink import deep_link


def _nrps_calls(platform) -> list:
    return [e for e in platform.request_log if e.path.startswith("/api/nrps/")]


def test_dashboard_lists_26_members_over_three_nrps_pages(connected, browser):
    tool, platform, cid, dep = connected
    assert platform.nrps_page_size == 10
    deep_link(browser, tool, platform, cid, dep)
    module_link = next(l for l in platform.deep_linked_items() if l.custom.get("r2com_id") == "m01-foundations")
    quiz = tool.app.extensions["r2com"]["content"].module("m01-foundations").quiz
    with type(browser)() as learner:
        landed = learner.launch(platform.base_url, cid, dep, user="1005", link=module_link.link_id)
        result = take_quiz(learner, tool.url, ltik_of(landed), "m01-foundations", correct_form(quiz))
        assert result.status_code == 200
    with type(browser)() as trainer:
        home = trainer.launch(platform.base_url, cid, dep, user="instructor")
        assert "/training/link/setup" in home.url and "trainer" in home.text
        token = ltik_of(home)
        board = trainer.get(f"{tool.url}/training/dashboard", params={"ltik": token})
        assert board.status_code == 200, board.text[:500]
        assert "26 members from the course list (read in 3 pages)" in board.text
        assert len(_nrps_calls(platform)) == 3
        for given, family in (("Lucía", "Moreno"), ("Zainab", "Bello")):
            assert f"{given} {family}" in board.text
        # The instructor and the teaching assistant are neither listed nor counted as learners...
        assert "Amara Okafor" not in board.text and "Mateo Fernández" not in board.text
        assert "24 learners in the course." in board.text and "24 people match." in board.text
        assert "2 trainers, administrators or observers are not counted." in board.text
        staff = trainer.get(f"{tool.url}/training/dashboard", params={"ltik": token, "role": "staff"})
        assert "2 people match." in staff.text  # ...but a filter shows them
        assert "Amara Okafor" in staff.text and "Mateo Fernández" in staff.text
        assert "<svg" in board.text and "<title" in board.text and "<desc" in board.text
        assert "1 of 24 learners completed" not in board.text  # reading pages is part of completion
        cached = trainer.get(f"{tool.url}/training/dashboard", params={"ltik": token})
        assert cached.status_code == 200 and len(_nrps_calls(platform)) == 3  # roster cached briefly
        learners = trainer.get(f"{tool.url}/training/dashboard",
                               params={"ltik": token, "role": "learner", "status": "not_started"})
        assert "23 people match." in learners.text
        one = trainer.get(f"{tool.url}/training/dashboard",
                          params={"ltik": token, "item": "module:m01-foundations", "status": "in_progress"})
        assert "1 person matches." in one.text and "Leila Haddad" in one.text
        export = trainer.get(f"{tool.url}/training/dashboard.csv", params={"ltik": token, "role": "all"})
        assert export.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert len(rows) == 27 and rows[0][:4] == ["Platform user id", "Name", "Role", "Status"]
        assert "@" not in export.text  # no email, even though the platform sends it
        leila = next(r for r in rows if r[0] == "1005")
        assert leila[1] == "Leila Haddad" and "100" in leila
        detail = trainer.get(f"{tool.url}/training/dashboard/learner", params={"ltik": token, "sub": "1005"})
        assert detail.status_code == 200 and "Attempt 1: 100" in detail.text
        never = trainer.get(f"{tool.url}/training/dashboard/learner", params={"ltik": token, "sub": "1020"})
        assert never.status_code == 200 and "has not opened the tool" in never.text


def test_retry_of_a_failed_delivery(connected, browser):
    tool, platform, cid, dep = connected
    deep_link(browser, tool, platform, cid, dep)
    module_link = next(l for l in platform.deep_linked_items() if l.custom.get("r2com_id") == "m02-transition")
    quiz = tool.app.extensions["r2com"]["content"].module("m02-transition").quiz
    with type(browser)() as learner:
        landed = learner.launch(platform.base_url, cid, dep, user="learner", link=module_link.link_id)
        take_quiz(learner, tool.url, ltik_of(landed), "m02-transition", correct_form(quiz))
    platform.ags_fault = {"mode": "500", "count": 1}
    with tool.app.app_context():
        worker = DeliveryWorker(tool.app, max_attempts=1, connect_timeout=1, read_timeout=5)
        worker.run_once()
        row = db.session.execute(select(GradeOutbox)).scalar_one()
        assert row.status == DeliveryStatus.FAILED
        row_id = row.id
    assert platform.scores == []
    with type(browser)() as trainer:
        token = ltik_of(trainer.launch(platform.base_url, cid, dep, user="instructor"))
        board = trainer.get(f"{tool.url}/training/dashboard", params={"ltik": token})
        assert "Retry delivery" in board.text and "Gave up after 1 attempts" in board.text
        retried = trainer.post(f"{tool.url}/training/dashboard/deliveries/{row_id}/retry", data={"ltik": token})
        assert retried.status_code == 200 and "will be sent again" in retried.text
        refused = trainer.post(f"{tool.url}/training/dashboard/deliveries/{row_id + 99}/retry", data={"ltik": token})
        assert refused.status_code == 404
    with tool.app.app_context():
        worker.run_once()
        db.session.expire_all()
        assert db.session.get(GradeOutbox, row_id).status == DeliveryStatus.DELIVERED
        worker.http.close()
    assert len(platform.scores) == 1 and platform.scores[0].received["scoreGiven"] == 100
