"""Casework views: caseload, client record, information and consents, identity vault, close, erase."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_babel import gettext as _

from ..db import utcnow
from ..errors import NotFound
from ..extensions import db
from ..lti.session import session_required
from . import client_texts, exports
from . import operations as ops
from . import selfaccess
from .client_language import (
    CLIENT_LANGUAGES,
    OTHER_LANGUAGE,
    client_language,
    other_languages,
    printout_language,
    recorded_language,
    set_client_language,
    interface_default,
    speaking,
)
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
            client = ops.create_client(actor, request.form.get("pseudonym", ""), request.form.get("language"))
        except CaseworkError as exc:
            db.session.rollback()
            error = exc.detail
        else:
            db.session.commit()
            return go("assessment.information", "client_created", client_id=client.id)
    chosen = request.form.get("language") or interface_default()
    return page("assessment/client_new.html", status=422 if error else 200, actor=actor, error=error,
                value=request.form.get("pseudonym", ""), languages=CLIENT_LANGUAGES, chosen_language=chosen)


@session_required
def language(client_id: str) -> Response:
    """Change the language the person reads best (sent in the form body, never in the address)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EDIT)
    set_client_language(actor, record, request.form.get("language"))
    db.session.commit()
    return go("assessment.client", "saved", client_id=record.id)


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
                             now=utcnow(), languages=CLIENT_LANGUAGES, language=recorded_language(record),
                             print_languages=other_languages(record))
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
                                   notice_language=f.get("notice_language") or client_language(record),
                                   easy_read=form_bool("easy_read"),
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
                pseudonym=ops.pseudonym(record), bases=ops.LAWFUL_BASES, error=error, form=request.form,
                languages=CLIENT_LANGUAGES, other=OTHER_LANGUAGE, language=client_language(record),
                texts=client_texts.TEXTS, print_languages=other_languages(record))


def _client_text(client_id: str) -> tuple[Any, Any, client_texts.ClientText]:
    """Load a client and the text named by ``text`` in their language (or the one picked for this printout)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.VIEW)
    name = request.args.get("text", "")
    if name not in client_texts.TEXTS:
        raise NotFound(code="client_text_not_found")
    lang = printout_language(record, request.args.get("language"))
    with speaking(lang):
        text = client_texts.render(name, lang, actor.organisation)
    return actor, record, text


@session_required
def client_text(client_id: str) -> Response:
    """The privacy notice or the consent text (standard or easy-read) as a printable page in the person's language."""
    actor, record, text = _client_text(client_id)
    audit(actor, "export", "client_text", text.name, client_id=record.id,
          purpose="notice or consent text for the person")
    db.session.commit()
    with speaking(text.lang):
        return page("assessment/client_text.html", client=record, text=text, recipient=_("the person"),
                    printed_at=utcnow())


@session_required
def client_text_pdf(client_id: str) -> Response:
    """The privacy notice or the consent text as a PDF in the person's language."""
    actor, record, text = _client_text(client_id)
    with speaking(text.lang):
        pdf, doc_id = exports.client_text_pdf(actor, record, text, recipient=_("the person"))
    db.session.commit()
    return exports.pdf_response(pdf, f"{text.name.replace('_', '-')}-{doc_id}.pdf")


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
                    pseudonym=ops.pseudonym(record), services=directory(actor), error=exc.detail, form=f,
                    texts=client_texts.TEXTS, print_languages=other_languages(record))
    db.session.commit()
    return go("assessment.client", "consent_added", client_id=record.id)


@session_required
def consent_form(client_id: str) -> Response:
    """The form to record a new consent."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EDIT)
    return page("assessment/consent_new.html", actor=actor, client=record, pseudonym=ops.pseudonym(record),
                services=directory(actor), error=None, form=request.args, texts=client_texts.TEXTS,
                print_languages=other_languages(record))


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
