"""The person's rights as workflows (DP-9): requests to see, correct, restrict or erase their record.

A request is recorded with what the person asked and the day it arrived; the answer is due one month later
(GDPR Art. 12(3)). Deciding records the outcome, the reason, the change made, who decided and when. A granted
restriction restricts the record at once; a granted erasure leads to the erasure page (a supervisor's step);
a granted access request leads to the person's copy of their record. Every step is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..db import utcnow
from ..errors import Forbidden, NotFound
from ..extensions import db
from .errors import CaseworkError
from .models import AuditEvent, Client, RightsRequest
from .operations import set_restricted
from .privacy import add_months, audit
from .roles import Action, Actor, actions_for

KINDS = {
    "correction": _l("Correct something in the record (Art. 16)"),
    "restriction": _l("Stop using the record for now (restriction, Art. 18)"),
    "erasure": _l("Delete the record (erasure, Art. 17)"),
    "access": _l("A copy of the record (access, Art. 15)"),
}
OUTCOMES = {"granted": _l("Done as asked"), "partly": _l("Partly done"), "refused": _l("Refused")}
DEADLINE_MONTHS = 1


@dataclass(frozen=True)
class RequestView:
    """A request, decrypted for display, with its deadline state and audit trail."""

    row: RightsRequest
    asked: str
    reason: str
    change_made: str
    overdue: bool
    trail: list[AuditEvent]


def _audit(actor: Actor, request: RightsRequest, action: str) -> None:
    audit(actor, action, "rights_request", request.id, client_id=request.client_id,
          purpose=f"{request.kind} request of the person")


def record_request(actor: Actor, client: Client, *, kind: str, asked: str, received_on: str | None) -> RightsRequest:
    """Record a request of the person (allowed whatever the record's state: rights do not wait)."""
    if kind not in KINDS:
        raise CaseworkError(_("Choose what the person asks for."), code="request_kind")
    if not asked.strip():
        raise CaseworkError(_("Write down what the person asked, in their words where you can."),
                            code="request_asked")
    try:
        received = dt.date.fromisoformat(received_on) if received_on else utcnow().date()
    except ValueError as exc:
        raise CaseworkError(_("Write the date the request came in as a date (YYYY-MM-DD)."),
                            code="request_date") from exc
    if received > utcnow().date():
        raise CaseworkError(_("The date the request came in cannot be in the future."), code="request_date")
    row = RightsRequest(organisation_id=actor.org_id, client_id=client.id, kind=kind, status="open",
                        received_on=received, recorded_by=actor.user_id,
                        due_on=add_months(dt.datetime.combine(received, dt.time()), DEADLINE_MONTHS).date())
    row.seal("request_enc", {"asked": asked.strip()[:4000]})
    db.session.add(row)
    db.session.flush()
    _audit(actor, row, "request")
    return row


def get_request(actor: Actor, client: Client, request_id: str) -> RightsRequest:
    """Load a request of this client, or raise NotFound."""
    row = db.session.execute(select(RightsRequest).where(RightsRequest.id == request_id,
                                                         RightsRequest.client_id == client.id,
                                                         RightsRequest.organisation_id == actor.org_id)).scalar()
    if row is None:
        raise NotFound(code="request_not_found")
    return row


def decide_request(actor: Actor, client: Client, request: RightsRequest, *, outcome: str, reason: str,
                   change_made: str) -> RightsRequest:
    """Record the decision on a request; a granted restriction takes effect at once."""
    if request.status != "open":
        raise CaseworkError(_("This request has already been decided."), code="request_decided")
    needed = Action.ERASE if request.kind == "erasure" else Action.CLOSE
    if needed not in actions_for(actor, client):
        raise Forbidden(_("Your role does not allow deciding this request. A supervisor decides on erasure."),
                        code="request_decide_forbidden")
    if outcome not in OUTCOMES:
        raise CaseworkError(_("Choose the decision."), code="request_outcome")
    if outcome != "granted" and not reason.strip():
        raise CaseworkError(_("Give the reason when a request is refused or only partly done. The person is told "
                              "the reason and that they can complain to the data protection authority."),
                            code="request_reason")
    if request.kind == "correction" and outcome != "refused" and not change_made.strip():
        raise CaseworkError(_("Describe the change made to the record."), code="request_change")
    request.seal("decision_enc", {"reason": reason.strip()[:4000], "change_made": change_made.strip()[:4000]})
    request.outcome, request.status = outcome, "decided"
    request.decided_by, request.decided_at = actor.user_id, utcnow()
    db.session.flush()
    _audit(actor, request, "decide")
    if request.kind == "restriction" and outcome == "granted" and not client.restricted:
        set_restricted(actor, client, True)
    return request


def requests_for(actor: Actor, client: Client) -> list[RequestView]:
    """Return the client's requests, open ones first (by deadline), each with its audit trail."""
    rows = db.session.execute(select(RightsRequest).where(RightsRequest.client_id == client.id,
                                                          RightsRequest.organisation_id == actor.org_id)).scalars()
    today = utcnow().date()
    views = []
    for row in rows:
        asked = row.unseal("request_enc", {}).get("asked", "")
        decision: dict[str, Any] = row.unseal("decision_enc", {}) or {}
        trail = list(db.session.execute(select(AuditEvent).where(
            AuditEvent.organisation_id == actor.org_id, AuditEvent.object_type == "rights_request",
            AuditEvent.object_id == row.id).order_by(AuditEvent.id)).scalars())
        views.append(RequestView(row, asked, decision.get("reason", ""), decision.get("change_made", ""),
                                 row.status == "open" and row.due_on < today, trail))
    return sorted(views, key=lambda v: (v.row.status != "open", v.row.due_on, v.row.recorded_at))


def open_requests(clients: list[Client]) -> dict[str, tuple[int, dt.date]]:
    """For the caseload: per client id, how many requests are open and the earliest due date."""
    if not clients:
        return {}
    rows = db.session.execute(select(RightsRequest.client_id, RightsRequest.due_on).where(
        RightsRequest.client_id.in_([c.id for c in clients]), RightsRequest.status == "open",
        RightsRequest.organisation_id == clients[0].organisation_id)).all()
    out: dict[str, tuple[int, dt.date]] = {}
    for client_id, due in rows:
        count, first = out.get(client_id, (0, due))
        out[client_id] = (count + 1, min(first, due))
    return out
