"""The casework JSON API used by the tool's own pages (never an export to third parties).

Responses list domains row by row. No response carries a total, average, level or risk (DP-7).
"""

from __future__ import annotations

from flask import Response, jsonify, request

from ..extensions import db
from ..lti.session import session_required
from . import instrument as inst
from .operations import caseload, pseudonym
from .plan import support_actions
from .privacy import audit, default_purpose
from .roles import Action, current_actor, get_client, require_casework
from .schemas import ClientListItemSchema, OccasionSummarySchema, ProfileRowSchema
from .views_common import viewed_change, viewed_profile


def _json(payload: dict) -> Response:
    resp = jsonify(payload)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@session_required
def clients() -> Response:
    """The caller's caseload."""
    actor = current_actor()
    require_casework(actor)
    items = [{"id": c.id, "pseudonym": name, "status": c.status, "opened_at": c.opened_at, "closed_at": c.closed_at}
             for c, name in caseload(actor)]
    audit(actor, "view", "caseload", str(actor.org_id))
    db.session.commit()
    return _json({"clients": ClientListItemSchema(many=True).dump(items)})


@session_required
def profile(client_id: str) -> Response:
    """A client's profile at one occasion (the latest by default): rows per domain."""
    _actor, record, _done, chosen, rows = viewed_profile(client_id, request.args.get("occasion"))
    return _json({
        "client_id": record.id,
        "pseudonym": pseudonym(record),
        "occasion": OccasionSummarySchema().dump(chosen) if chosen else None,
        "rows": ProfileRowSchema(many=True).dump(rows),
        "formulation": chosen.unseal("formulation_enc", "") if chosen else "",
        "statement": inst.get_instrument().statement,
    })


@session_required
def change(client_id: str) -> Response:
    """Each domain's need across occasions with the direction of change."""
    _actor, record, done, rows = viewed_change(client_id)
    return _json({"client_id": record.id, "occasions": OccasionSummarySchema(many=True).dump(done),
                  "domains": [{"domain_id": r["domain_id"], "domain_title": r["domain_title"],
                               "cells": r["cells"]} for r in rows]})


@session_required
def plan(client_id: str) -> Response:
    """The support plan's actions."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.VIEW)
    actions = [{"id": row.id, **{k: data.get(k, "") for k in ("domain_id", "description", "owner", "due_date",
                                                               "status", "outcome_note")}}
               for row, data in support_actions(record)]
    audit(actor, "view", "plan", "", client_id=record.id, purpose=default_purpose(actor, record))
    db.session.commit()
    return _json({"client_id": record.id, "actions": actions, "statement": inst.get_instrument().statement})
