"""Casework views: concerns for consultation (a separate route to a supervisor) and the audit log."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Forbidden
from ..extensions import db
from ..lti.models import LtiUser
from ..lti.session import session_required
from . import plan as plan_ops
from .errors import CaseworkError
from .models import AuditEvent, Client
from .operations import pseudonym
from .org import user_label
from .privacy import audit
from .roles import Action, ToolRole, caseload_query, current_actor, get_client, require_casework
from .views_common import form_int, go, page


def _pseudonym_of(client_id: str) -> str:
    record = db.session.get(Client, client_id)
    return pseudonym(record) if record is not None else ""


def _user(user_id: int | None) -> str:
    return user_label(db.session.get(LtiUser, user_id)) if user_id else ""


def _supervisor_choices(actor) -> list[tuple[int, str]]:
    ids = plan_ops.supervisors(actor)
    return [(uid, user_label(db.session.get(LtiUser, uid))) for uid in ids]


@session_required
def new_concern(client_id: str) -> Response:
    """Record a concern for consultation with a named supervisor (at any time, never prompted by ratings)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.RAISE_CONCERN)
    error = None
    if request.method == "POST":
        try:
            plan_ops.raise_concern(actor, record, category=request.form.get("category", ""),
                                   text=request.form.get("text", ""), supervisor_id=form_int("supervisor_id") or 0)
        except CaseworkError as exc:
            db.session.rollback()
            error = exc.detail
        else:
            db.session.commit()
            return go("assessment.client", "concern_raised", client_id=record.id)
    return page("assessment/concern_new.html", status=422 if error else 200, actor=actor, client=record,
                pseudonym=pseudonym(record), categories=plan_ops.CONCERN_CATEGORIES,
                supervisors=_supervisor_choices(actor), error=error, form=request.form)


@session_required
def concerns() -> Response:
    """The concerns the user may read: supervisors for their caseload, practitioners the ones they raised."""
    actor = current_actor()
    require_casework(actor)
    items = plan_ops.visible_concerns(actor)
    rows = [(c, c.unseal("data_enc", {}), _pseudonym_of(c.client_id)) for c in items]
    audit(actor, "view", "concerns", "", purpose="safeguarding consultation")
    db.session.commit()
    return page("assessment/concerns.html", actor=actor, rows=rows, categories=plan_ops.CONCERN_CATEGORIES)


@session_required
def concern(concern_id: str) -> Response:
    """One concern; a supervisor records the decision, its legal basis and whether the person was told."""
    actor = current_actor()
    require_casework(actor)
    item = plan_ops.get_concern(actor, concern_id)
    error = None
    if request.method == "POST":
        f = request.form
        try:
            plan_ops.decide_concern(actor, item, decision=f.get("decision", ""), legal_basis=f.get("legal_basis", ""),
                                    client_informed=f.get("client_informed", ""), note=f.get("note", ""))
        except CaseworkError as exc:
            db.session.rollback()
            error = exc.detail
        else:
            db.session.commit()
            return go("assessment.concern", "concern_decided", concern_id=item.id)
    audit(actor, "view", "concern", item.id, client_id=item.client_id, purpose="safeguarding consultation")
    context = dict[str, Any](actor=actor, item=item, data=item.unseal("data_enc", {}),
                             decision=item.unseal("decision_enc"), pseudonym=_pseudonym_of(item.client_id),
                             categories=plan_ops.CONCERN_CATEGORIES, informed=plan_ops.CLIENT_INFORMED, error=error,
                             form=request.form, raised_by=_user(item.raised_by), supervisor=_user(item.supervisor_id))
    db.session.commit()
    return page("assessment/concern.html", status=422 if error else 200, **context)


@session_required
def audit_log() -> Response:
    """The audit log for supervisors: who viewed, changed, exported or shared what, when and why."""
    actor = current_actor()
    require_casework(actor)
    if not actor.has(ToolRole.SUPERVISOR):
        raise Forbidden(_("The audit log is for supervisors."), code="audit_supervisors_only")
    client_id = request.args.get("client")
    query = select(AuditEvent).where(AuditEvent.organisation_id == actor.org_id)
    if client_id:
        get_client(actor, client_id, Action.READ_AUDIT)
        query = query.where(AuditEvent.client_id == client_id)
    elif actor.team:
        visible = caseload_query(actor).with_only_columns(Client.id)
        query = query.where(AuditEvent.client_id.in_(visible))
    events = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(500)).scalars().all()
    users = {e.user_id: user_label(db.session.get(LtiUser, e.user_id)) for e in events if e.user_id}
    audit(actor, "view", "audit_log", client_id or "", client_id=client_id, purpose="supervision")
    db.session.commit()
    return page("assessment/audit.html", actor=actor, events=events, users=users, client_id=client_id)
