"""Casework views: the support plan, its printable version, the client's own export, referrals."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_babel import gettext as _

from ..db import utcnow
from ..extensions import db
from ..lti.session import session_required
from . import exports
from . import plan as plan_ops
from .client_language import other_languages, printout_language, speaking
from .errors import CaseworkError
from .occasions import occasions, priorities, profile_rows
from .operations import consents, legal_conditions, processing_block, pseudonym, referral_consent
from .privacy import audit, default_purpose
from .roles import Action, actions_for, current_actor, get_client
from .views_common import go, page


def _latest_rows(record):
    done = occasions(record, completed_only=True)
    if not done:
        return None, []
    return done[-1], profile_rows(done[-1])


@session_required
def plan(client_id: str) -> Response:
    """The support plan: actions, suggestions to choose from, priorities and key strengths."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.VIEW)
    error = None
    if request.method == "POST":
        record = get_client(actor, client_id, Action.EDIT)
        f = request.form
        try:
            if f.get("suggestion_id"):
                chosen = next((s for s in plan_ops.suggestions(record) if s.id == f["suggestion_id"]), None)
                if chosen is None:
                    raise CaseworkError(_("This suggestion is no longer available."), code="suggestion_gone")
                plan_ops.add_action(actor, record, description=chosen.text,
                                    owner=f.get("owner") or "practitioner",
                                    due_date=f.get("due_date"), domain_id=chosen.domain_id, suggestion_id=chosen.id)
            else:
                plan_ops.add_action(actor, record, description=f.get("description", ""),
                                    owner=f.get("owner", ""), due_date=f.get("due_date"),
                                    domain_id=f.get("domain_id", ""))
        except CaseworkError as exc:
            db.session.rollback()
            error = exc.detail
        else:
            db.session.commit()
            return go("assessment.plan", "action_added", client_id=record.id)
    latest, rows = _latest_rows(record)
    agreed, key_strengths = priorities(rows)
    audit(actor, "view", "plan", "", client_id=record.id, purpose=default_purpose(actor, record))
    context = dict[str, Any](actor=actor, client=record, pseudonym=pseudonym(record),
                             items=plan_ops.plan_items(record), groups=plan_ops.suggestions_by_area(record),
                             agreed=agreed, key_strengths=key_strengths, owners=plan_ops.OWNERS,
                             statuses=plan_ops.STATUSES, error=error, latest=latest,
                             has_legal=bool(legal_conditions(record, actor.organisation)),
                             allowed=actions_for(actor, record), block=processing_block(record),
                             print_languages=other_languages(record))
    db.session.commit()
    return page("assessment/plan.html", status=422 if error else 200, **context)


@session_required
def update_action(client_id: str, action_id: str) -> Response:
    """Change an action's status, owner, due date or outcome."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EDIT)
    f = request.form
    plan_ops.update_action(actor, record, action_id, status=f.get("status", ""), outcome_note=f.get("outcome_note", ""),
                           due_date=f.get("due_date"), owner=f.get("owner", ""))
    db.session.commit()
    return go("assessment.plan", "saved", client_id=record.id)


def _recipient() -> str:
    return " ".join(request.args.get("recipient", "").split())[:120]


def _plan_context(record: Any) -> dict[str, Any]:
    """What a printed plan shows: actions, priorities, strengths and the formulation of the latest occasion."""
    latest, rows = _latest_rows(record)
    agreed, key_strengths = priorities(rows)
    return dict(actions=plan_ops.support_actions(record), items=plan_ops.plan_items(record), agreed=agreed,
                key_strengths=key_strengths, owners=plan_ops.OWNERS, statuses=plan_ops.STATUSES, latest=latest,
                formulation=latest.unseal("formulation_enc", "") if latest else "")


def _chosen_legal(actor: Any, record: Any) -> str:
    """The legal conditions, only when the organisation uses the field and the practitioner ticked to include them."""
    if request.args.get("include_legal") not in ("1", "on"):
        return ""
    return legal_conditions(record, actor.organisation)


def _title(record: Any) -> str:
    choice = request.args.get("title", "neutral")
    return exports.plan_title(choice if choice in exports.TITLE_CHOICES else "neutral", recipient=_recipient(),
                              pseudonym=pseudonym(record))


def _printout_language(record: Any) -> str:
    """The person's language, or the one the practitioner picked for this printout (``language``)."""
    return printout_language(record, request.args.get("language"))


@session_required
def print_plan(client_id: str) -> Response:
    """The printable support plan, watermarked with recipient and date; it says it is not a risk assessment.

    Its title is the neutral "My support plan", with the "Printed for" name or the pseudonym only when chosen.
    It is in the person's language (or the one picked for this printout), whatever the practitioner's interface.
    """
    actor = current_actor()
    record = get_client(actor, client_id, Action.EXPORT)
    with speaking(_printout_language(record)):
        # The recipient is free text (it may be a name), so it goes on the watermark only, not in the log.
        audit(actor, "export", "plan", "", client_id=record.id, purpose="printed support plan")
        context = dict[str, Any](client=record, recipient=_recipient() or _("the person"), printed_at=utcnow(),
                                 title=_title(record), legal_conditions=_chosen_legal(actor, record),
                                 **_plan_context(record))
        db.session.commit()
        return page("assessment/plan_print.html", **context)


@session_required
def plan_pdf(client_id: str) -> Response:
    """The support plan as a PDF for the person, watermarked with recipient, date and a document id; in the
    person's language (or the one picked for this printout)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EXPORT)
    with speaking(_printout_language(record)):
        pdf, doc_id = exports.support_plan_pdf(actor, record, recipient=_recipient() or _("the person"),
                                               title=_title(record), context={
                                                   **_plan_context(record),
                                                   "legal_conditions": _chosen_legal(actor, record)})
    db.session.commit()
    return exports.pdf_response(pdf, f"support-plan-{doc_id}.pdf")


@session_required
def referral_pdf(referral_id: str) -> Response:
    """A referral letter as a PDF; refused (409) unless the person's consent for that recipient is on record."""
    actor = current_actor()
    referral, record = plan_ops.get_referral(actor, referral_id)
    pdf, doc_id = exports.referral_pdf(actor, record, referral, pseudonym=pseudonym(record),
                                       legal_conditions=_chosen_legal(actor, record))
    db.session.commit()
    return exports.pdf_response(pdf, f"referral-{doc_id}.pdf")


@session_required
def client_export(client_id: str) -> Response:
    """The person's own record in plain language (Art. 15), for them to keep."""
    from .views_selfaccess import record_context

    actor = current_actor()
    record = get_client(actor, client_id, Action.EXPORT)
    with speaking(_printout_language(record)):
        audit(actor, "export", "client_record", "", client_id=record.id, purpose="copy of own record for the person")
        context = record_context(record)
        db.session.commit()
        return page("assessment/client_export.html", recipient=context["pseudonym"], **context)


@session_required
def referrals(client_id: str) -> Response:
    """Referrals of a client; a new one only to a recipient the person has consented to."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.VIEW)
    error = None
    if request.method == "POST":
        record = get_client(actor, client_id, Action.REFER)
        try:
            service_id = int(request.form.get("service_id", "0"))
            plan_ops.create_referral(actor, record, service_id=service_id, purpose=request.form.get("purpose", ""),
                                     shared_note=request.form.get("shared_note", ""))
        except (CaseworkError, ValueError) as exc:
            db.session.rollback()
            error = getattr(exc, "detail", "") or _("Choose a service.")
        else:
            db.session.commit()
            return go("assessment.referrals", "referral_created", client_id=record.id)
    active = {c.service_id for c in consents(record) if c.kind == "referral" and c.active}
    services = plan_ops.directory(actor)
    audit(actor, "view", "referrals", "", client_id=record.id, purpose=default_purpose(actor, record))
    context = dict[str, Any](actor=actor, client=record, pseudonym=pseudonym(record),
                             referrals=plan_ops.referrals(record), services=services,
                             consented=[s for s in services if s.id in active], error=error,
                             has_legal=bool(legal_conditions(record, actor.organisation)),
                             allowed=actions_for(actor, record), form=request.form)
    db.session.commit()
    return page("assessment/referrals.html", status=422 if error else 200, **context)


@session_required
def referral_letter(referral_id: str) -> Response:
    """The referral letter: only the fields this referral needs, watermarked with recipient and date."""
    actor = current_actor()
    referral, record = plan_ops.get_referral(actor, referral_id)
    data = referral.unseal("data_enc", {})
    service = db.session.get(plan_ops.ReferralService, data.get("service_id"))
    if service is None or referral_consent(record, service.id) is None:
        raise CaseworkError(_("There is no recorded consent from the person for sharing with this service now, "
                              "so no referral letter can be made. Record the consent first."),
                            code="letter_without_consent")
    audit(actor, "export", "referral_letter", referral.id, client_id=record.id,
          purpose=f"referral letter to service {service.id}" + (" with legal conditions"
                                                                  if _chosen_legal(actor, record) else ""))
    db.session.commit()
    return page("assessment/referral_letter.html", client=record, pseudonym=pseudonym(record), referral=referral,
                data=data, service=service, recipient=service.name if service else "", printed_at=utcnow(),
                legal_conditions=_chosen_legal(actor, record))

