"""Casework views: the person's requests about their record (see, correct, restrict, erase), one page per client."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from ..extensions import db
from ..lti.models import LtiUser
from ..lti.session import session_required
from . import rights
from .errors import CaseworkError
from .operations import pseudonym
from .org import user_label
from .privacy import audit, default_purpose
from .roles import Action, actions_for, current_actor, get_client
from .views_common import go, page


def _page(actor: Any, record: Any, error: str | None, status: int = 200) -> Response:
    views = rights.requests_for(actor, record)
    people = {uid: user_label(db.session.get(LtiUser, uid)) for v in views for uid in
              {v.row.recorded_by, v.row.decided_by, *(e.user_id for e in v.trail)} if uid}
    audit(actor, "view", "rights_requests", "", client_id=record.id, purpose=default_purpose(actor, record))
    context = dict[str, Any](actor=actor, client=record, pseudonym=pseudonym(record), requests=views, people=people,
                             kinds=rights.KINDS, outcomes=rights.OUTCOMES, allowed=actions_for(actor, record),
                             error=error, form=request.form)
    db.session.commit()
    return page("assessment/requests.html", status=status, **context)


@session_required
def requests(client_id: str) -> Response:
    """The person's requests with their deadlines and trail; POST records a new one."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.VIEW)
    if request.method == "POST":
        try:
            rights.record_request(actor, record, kind=request.form.get("kind", ""),
                                  asked=request.form.get("asked", ""), received_on=request.form.get("received_on"))
        except CaseworkError as exc:
            db.session.rollback()
            return _page(actor, record, exc.detail, 422)
        db.session.commit()
        return go("assessment.requests", "request_recorded", client_id=record.id)
    return _page(actor, record, None)


@session_required
def decide(client_id: str, request_id: str) -> Response:
    """Record the decision on a request."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.VIEW)
    row = rights.get_request(actor, record, request_id)
    try:
        rights.decide_request(actor, record, row, outcome=request.form.get("outcome", ""),
                              reason=request.form.get("reason", ""), change_made=request.form.get("change_made", ""))
    except CaseworkError as exc:
        db.session.rollback()
        return _page(actor, record, exc.detail, 422)
    db.session.commit()
    if row.kind == "erasure" and row.outcome == "granted":
        return go("assessment.erase", client_id=record.id)
    return go("assessment.requests", "request_decided", client_id=record.id)
