"""The person's rights as workflows (DP-9): requests recorded with what was asked and a one-month deadline,
decided with the outcome, reason, change made, who and when, linked to restriction and erasure, all audited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from lti_tool.assessment.models import AuditEvent, Client, RightsRequest
from lti_tool.extensions import db

from .conftest import World, full_case


def text(resp: Any) -> str:
    return resp.get_data(as_text=True)


def record(p: Any, client_id: str, kind: str, asked: str, received_on: str = "") -> Any:
    return p.post(f"/assessment/clients/{client_id}/requests", {"kind": kind, "asked": asked,
                                                                "received_on": received_on})


def request_id(world: World, kind: str) -> str:
    with world.app.app_context():
        return db.session.execute(select(RightsRequest.id).where(RightsRequest.kind == kind)).scalar_one()


def test_a_correction_goes_from_recorded_to_decided_with_its_trail(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    c = case.client_id
    resp = record(p, c, "correction", "My sister does not live in Malmö, she lives in Lund.", "2026-01-31")
    assert resp.status_code == 303
    page = text(p.get(f"/assessment/clients/{c}/requests"))
    # one month, clamped to the month's end; that day has passed, so it says it is overdue
    assert "Overdue: the answer was due on Feb 28, 2026" in page
    rid = request_id(world, "correction")
    # a correction needs the change made
    resp = p.post(f"/assessment/clients/{c}/requests/{rid}/decide", {"outcome": "granted"})
    assert resp.status_code == 422 and "Describe the change made" in text(resp)
    resp = p.post(f"/assessment/clients/{c}/requests/{rid}/decide",
                  {"outcome": "granted", "change_made": "Family evidence note now says Lund."})
    assert resp.status_code == 303
    page = text(p.get(f"/assessment/clients/{c}/requests"))
    assert "Done as asked" in page and "Family evidence note now says Lund." in page
    assert "Decided by Practitioner on" in page and "No open requests." in page
    # deciding twice is refused
    resp = p.post(f"/assessment/clients/{c}/requests/{rid}/decide", {"outcome": "refused", "reason": "x"})
    assert resp.status_code == 422 and "already been decided" in text(resp)
    with world.app.app_context():
        row = db.session.get(RightsRequest, rid)
        assert row.decided_by == world.users["practitioner"] and row.decided_at is not None
        assert row.due_on == dt.date(2026, 2, 28)
        assert b"Lund" not in row.request_enc and b"Lund" not in row.decision_enc  # sealed
        trail = db.session.execute(select(AuditEvent.action).where(AuditEvent.object_id == rid)
                                   .order_by(AuditEvent.id)).scalars().all()
    assert trail == ["request", "decide"]


def test_refusing_needs_a_reason(as_, world: World) -> None:
    p = as_("practitioner")
    c = full_case(p).client_id
    record(p, c, "correction", "Remove the note about my debts.")
    rid = request_id(world, "correction")
    resp = p.post(f"/assessment/clients/{c}/requests/{rid}/decide", {"outcome": "refused"})
    assert resp.status_code == 422 and "Give the reason" in text(resp)


def test_a_granted_restriction_restricts_the_record(as_, world: World) -> None:
    p = as_("practitioner")
    c = full_case(p).client_id
    record(p, c, "restriction", "Please stop using my file until the correction is checked.")
    rid = request_id(world, "restriction")
    assert p.post(f"/assessment/clients/{c}/requests/{rid}/decide", {"outcome": "granted"}).status_code == 303
    with world.app.app_context():
        assert db.session.get(Client, c).restricted
    # requests can still be recorded on a restricted record
    assert record(p, c, "access", "I want a copy.").status_code == 303


def test_erasure_is_decided_by_a_supervisor_and_leads_to_the_erasure_page(as_, world: World) -> None:
    p = as_("practitioner")
    c = full_case(p).client_id
    record(p, c, "erasure", "Delete everything about me.")
    rid = request_id(world, "erasure")
    resp = p.post(f"/assessment/clients/{c}/requests/{rid}/decide", {"outcome": "granted"})
    assert resp.status_code == 403
    assert "A supervisor decides this request." in text(p.get(f"/assessment/clients/{c}/requests"))
    resp = as_("supervisor").post(f"/assessment/clients/{c}/requests/{rid}/decide", {"outcome": "granted"})
    assert resp.status_code == 303 and f"/assessment/clients/{c}/erase" in resp.headers["Location"]


def test_bad_requests_are_clear_4xx(as_, world: World) -> None:
    p = as_("practitioner")
    c = full_case(p).client_id
    assert record(p, c, "gossip", "x").status_code == 422
    assert record(p, c, "correction", "").status_code == 422
    assert record(p, c, "correction", "x", "2999-01-01").status_code == 422
    assert record(p, c, "correction", "x", "not a date").status_code == 422
    assert p.post(f"/assessment/clients/{c}/requests/nope/decide", {"outcome": "granted"}).status_code == 404
    # another organisation cannot see the client or its requests
    assert as_("other_org").get(f"/assessment/clients/{c}/requests").status_code == 404


def test_requests_are_linked_from_the_client_pages(as_, world: World) -> None:
    p = as_("practitioner")
    c = full_case(p).client_id
    assert re.search(rf'href="/assessment/clients/{c}/requests\?', text(p.get(f"/assessment/clients/{c}")))


def test_the_caseload_shows_open_requests_and_their_deadline(as_, world: World) -> None:
    p = as_("practitioner")
    c = full_case(p).client_id
    record(p, c, "correction", "Wrong town.", "2026-01-31")
    caseload = text(p.get("/assessment/"))
    assert "1, answer due by Feb 28, 2026" in caseload and "(overdue)" in caseload
    assert f"/assessment/clients/{c}/requests" in caseload
