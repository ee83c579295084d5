"""Casework views: caseload, client record, information and consents, identity vault, close, erase."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from ..db import utcnow
from ..extensions import db
from ..lti.session import session_required
from . import operations as ops
from . import selfaccess
from .errors import CaseworkError
from .occasions import occasions
from .plan import directory, overdue_counts
from .rights import open_requests
from .privacy import audit, default_purpose, scrub_storage
from .roles import Action, actions_for, current_actor, get_client, require_casework
from .views_common import form_bool, form_int, go, page


@session_required
def caseload() -> Response:
    """The casework workspace: the clients the user can see."""
    actor = current_actor()
    if actor.can_manage_org and not actor.has_case_role:
        return go("assessment.org_start")  # an administrator opening casework comes to set it up
    if not actor.has_case_role or not actor.organisation.casework_enabled:
        return page("assessment/no_access.html", status=403, actor=actor)
    clients = ops.caseload(actor)
    overdue = overdue_counts([c for c, _name in clients if c.status == "open"])
    requests = open_requests([c for c, _name in clients])
    audit(actor, "view", "caseload", str(actor.org_id))
    db.session.commit()
    return page("assessment/caseload.html", actor=actor, clients=clients, overdue=overdue, requests=requests,
                today=utcnow().date())


@session_required
def new_client() -> Response:
    """Open a client record under a pseudonym."""
    actor = current_actor()
    require_casework(actor)
    error = None
    if request.method == "POST":
        try:
            client = ops.create_client(actor, request.form.get("pseudonym", ""))
        except CaseworkError as exc:
            db.session.rollback()
            error = exc.detail
        else:
            db.session.commit()
            return go("assessment.information", "client_created", client_id=client.id)
    return page("assessment/client_new.html", status=422 if error else 200, actor=actor, error=error,
                value=request.form.get("pseudonym", ""))


@session_required
def client(client_id: str) -> Response:
    """A client's record: status, consents, occasions and what can be done next."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.VIEW)
    audit(actor, "view", "client", record.id, client_id=record.id, purpose=default_purpose(actor, record))
    context = dict[str, Any](actor=actor, client=record, pseudonym=ops.pseudonym(record),
                             allowed=actions_for(actor, record), consents=ops.consents(record),
                             information=ops.information_records(record), occasions=occasions(record),
                             block=ops.processing_block(record), bases=ops.LAWFUL_BASES,
                             legal_conditions=ops.legal_conditions(record, actor.organisation),
                             codes=selfaccess.codes(record) if actor.organisation.self_access_enabled else [],
                             now=utcnow())
    db.session.commit()
    return page("assessment/client.html", **context)


@session_required
def information(client_id: str) -> Response:
    """Record what the person was told (privacy notice, confidentiality) and what they agreed to."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EDIT)
    error = None
    if request.method == "POST":
        f = request.form
        try:
            if record.status != "open":
                raise CaseworkError(ops.processing_block(record) or "", code="processing_blocked")
            ops.record_information(actor, record, notice_version=actor.organisation.privacy_notice_version,
                                   notice_language=f.get("notice_language", ""), easy_read=form_bool("easy_read"),
                                   interpreter_used=form_bool("interpreter_used"),
                                   confidentiality_explained=form_bool("confidentiality_explained"),
                                   lawful_basis=f.get("lawful_basis", ""), record_consent=form_bool("record_consent"),
                                   family_consent=form_bool("family_consent"), note=f.get("note", ""))
        except CaseworkError as exc:
            db.session.rollback()
            error = exc.detail
        else:
            db.session.commit()
            return go("assessment.client", "information_recorded", client_id=record.id)
    return page("assessment/information.html", status=422 if error else 200, actor=actor, client=record,
                pseudonym=ops.pseudonym(record), bases=ops.LAWFUL_BASES, error=error, form=request.form)


@session_required
def add_consent(client_id: str) -> Response:
    """Record a separate consent (a referral recipient, family involvement, keeping a record)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EDIT)
    f = request.form
    try:
        if record.status != "open":
            raise CaseworkError(ops.processing_block(record) or "", code="processing_blocked")
        ops.add_consent(actor, record, kind=f.get("kind", ""), purpose=f.get("purpose", ""),
                        service_id=form_int("service_id"), note=f.get("note", ""))
    except CaseworkError as exc:
        db.session.rollback()
        return page("assessment/consent_new.html", status=422, actor=actor, client=record,
                    pseudonym=ops.pseudonym(record), services=directory(actor), error=exc.detail, form=f)
    db.session.commit()
    return go("assessment.client", "consent_added", client_id=record.id)


@session_required
def consent_form(client_id: str) -> Response:
    """The form to record a new consent."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EDIT)
    return page("assessment/consent_new.html", actor=actor, client=record, pseudonym=ops.pseudonym(record),
                services=directory(actor), error=None, form=request.args)


@session_required
def withdraw_consent(client_id: str, consent_id: str) -> Response:
    """Withdraw a consent (allowed even when the record is restricted or closed)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.VIEW)
    ops.withdraw_consent(actor, record, consent_id)
    db.session.commit()
    return go("assessment.client", "consent_withdrawn", client_id=record.id)


@session_required
def identity(client_id: str) -> Response:
    """The identity vault entry: only with the identity permission, and only if the organisation uses it."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.IDENTITY)
    if request.method == "POST":
        ops.save_identity(actor, record, {k: request.form.get(k, "") for k in ops.IDENTITY_FIELDS})
        db.session.commit()
        return go("assessment.client", "identity_saved", client_id=record.id)
    values = ops.read_identity(actor, record)
    db.session.commit()
    return page("assessment/identity.html", actor=actor, client=record, pseudonym=ops.pseudonym(record),
                values=values, fields=ops.IDENTITY_FIELDS)


@session_required
def close(client_id: str) -> Response:
    """Close a case (the retention period starts)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.CLOSE)
    if request.form.get("reopen"):
        ops.reopen_client(actor, record)
        notice = "reopened"
    else:
        ops.close_client(actor, record)
        notice = "closed"
    db.session.commit()
    return go("assessment.client", notice, client_id=record.id)


@session_required
def restrict(client_id: str) -> Response:
    """Restrict processing at the person's request, or lift the restriction."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.CLOSE)
    restricted = form_bool("restricted")
    ops.set_restricted(actor, record, restricted)
    db.session.commit()
    return go("assessment.client", "restricted" if restricted else "unrestricted", client_id=record.id)


@session_required
def erase(client_id: str) -> Response:
    """Erase a client's records at their request (supervisor; asks for the pseudonym to confirm)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.ERASE)
    name = ops.pseudonym(record)
    error = None
    if request.method == "POST":
        if " ".join(request.form.get("confirm", "").split()).casefold() == name.casefold():
            ops.erase_client(actor, record)
            db.session.commit()
            scrub_storage()
            return go("assessment.caseload", "erased")
        error = True
    return page("assessment/erase.html", status=422 if error else 200, actor=actor, client=record,
                pseudonym=name, error=error)
