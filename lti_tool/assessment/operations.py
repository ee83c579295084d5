"""Client records: create, information given, consents, identity vault, close, restrict, erase.

Each operation takes explicit arguments, flushes, writes an audit event and returns the object; the
view (or CLI command) commits. Log lines carry ids only, never case content (DP-3).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..db import utcnow
from ..extensions import db
from .client_language import OTHER_LANGUAGE, check_language
from .errors import CaseworkError
from .models import Client, Consent, IdentityRecord, InformationRecord, ReferralService
from .privacy import audit, delete_client
from .roles import Actor, caseload_query

log = logging.getLogger(__name__)

#: Lawful bases (GDPR Art. 6) the controller may record; consent is not always "freely given" (DP-8).
LAWFUL_BASES = {
    "consent": _l("Consent of the person"),
    "contract": _l("A contract with the person"),
    "legal_obligation": _l("A legal obligation of the organisation"),
    "vital_interests": _l("Vital interests of the person"),
    "public_task": _l("A task in the public interest"),
    "legitimate_interests": _l("Legitimate interests of the organisation"),
}
CONSENT_KINDS = ("record_keeping", "referral", "family_involvement")
IDENTITY_FIELDS = ("name", "date_of_birth", "address", "national_id")
PSEUDONYM_MAX = 60


@dataclass(frozen=True)
class ConsentView:
    """A consent, decrypted for display."""

    id: str
    kind: str
    service_id: int | None
    recipient: str
    purpose: str
    given_at: Any
    withdrawn_at: Any

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


def pseudonym(client: Client) -> str:
    """Return a client's pseudonym (decrypted)."""
    return client.unseal("pseudonym_enc", "")


def _check_pseudonym(actor: Actor, value: str, *, exclude: str | None = None) -> str:
    value = " ".join(value.split())
    if not value:
        raise CaseworkError(_("Choose a pseudonym or code for the person."), code="pseudonym_required")
    if len(value) > PSEUDONYM_MAX:
        raise CaseworkError(_("Keep the pseudonym under %(n)d characters.", n=PSEUDONYM_MAX), code="pseudonym_long")
    others = db.session.execute(select(Client).where(Client.organisation_id == actor.org_id)).scalars()
    if any(pseudonym(c).casefold() == value.casefold() for c in others if c.id != exclude):
        raise CaseworkError(_("Another client of your organisation already has this pseudonym."),
                            code="pseudonym_taken")
    return value


def create_client(actor: Actor, pseudonym_text: str, language: str | None = None) -> Client:
    """Open a client record in the actor's caseload under an organisation-chosen pseudonym, with the language the
    person reads best (sealed; ``None`` leaves it unrecorded, an unknown code is refused)."""
    value = _check_pseudonym(actor, pseudonym_text)
    code = check_language(language) if language is not None else None
    client = Client(organisation_id=actor.org_id, practitioner_id=actor.user_id, status="open")
    client.seal("pseudonym_enc", value)
    client.seal("language_enc", code)
    db.session.add(client)
    db.session.flush()
    audit(actor, "create", "client", client.id, client_id=client.id)
    return client


def caseload(actor: Actor) -> list[tuple[Client, str]]:
    """Return the visible clients with their pseudonyms, sorted by pseudonym (decrypted in the app)."""
    clients = db.session.execute(caseload_query(actor)).scalars().all()
    return sorted(((c, pseudonym(c)) for c in clients), key=lambda pair: (pair[0].status != "open", pair[1].casefold()))


def record_information(actor: Actor, client: Client, *, notice_version: str, notice_language: str, easy_read: bool,
                       interpreter_used: bool, confidentiality_explained: bool, lawful_basis: str,
                       record_consent: bool, family_consent: bool, note: str = "") -> InformationRecord:
    """Record what the person was told and what they agreed to (DP-8), and in which language (DP-16): a client
    language code, or ``other`` for a language the texts are not written in (an interpreter translated)."""
    if notice_language != OTHER_LANGUAGE:
        check_language(notice_language)
    if not confidentiality_explained:
        raise CaseworkError(_("Explain the limits of confidentiality to the person before you start, and tick "
                              "the box to record it."), code="confidentiality_not_explained")
    if lawful_basis not in LAWFUL_BASES:
        raise CaseworkError(_("Choose the lawful basis your organisation uses."), code="lawful_basis")
    if lawful_basis == "consent" and not record_consent:
        raise CaseworkError(_("With consent as the basis, the person's consent to keeping a record is needed."),
                            code="record_consent_needed")
    record = InformationRecord(organisation_id=actor.org_id, client_id=client.id, notice_version=notice_version[:40],
                               recorded_by=actor.user_id)
    record.seal("details_enc", {"notice_language": notice_language[:40], "easy_read": easy_read,
                                "interpreter_used": interpreter_used,
                                "confidentiality_explained": confidentiality_explained,
                                "lawful_basis": lawful_basis, "note": note[:2000]})
    db.session.add(record)
    if record_consent and not _active_consent(client, "record_keeping"):
        add_consent(actor, client, kind="record_keeping", purpose=_("Keeping a support record"), audit_it=False)
    if family_consent and not _active_consent(client, "family_involvement"):
        add_consent(actor, client, kind="family_involvement", purpose=_("Involving family members"), audit_it=False)
    db.session.flush()
    audit(actor, "consent", "information_record", record.id, client_id=client.id)
    return record


def information_records(client: Client) -> list[tuple[InformationRecord, dict[str, Any]]]:
    """Return the information records of a client, newest first, decrypted."""
    query = select(InformationRecord).where(InformationRecord.client_id == client.id,
                                            InformationRecord.organisation_id == client.organisation_id)
    rows = db.session.execute(query.order_by(InformationRecord.recorded_at.desc())).scalars()
    return [(r, r.unseal("details_enc", {})) for r in rows]


def consents(client: Client) -> list[ConsentView]:
    """Return the consents of a client, decrypted, oldest first."""
    rows = db.session.execute(select(Consent).where(Consent.client_id == client.id,
                                                    Consent.organisation_id == client.organisation_id)
                              .order_by(Consent.given_at)).scalars()
    views = []
    for row in rows:
        d = row.unseal("details_enc", {})
        views.append(ConsentView(row.id, row.kind, d.get("service_id"), d.get("recipient", ""), d.get("purpose", ""),
                                 row.given_at, row.withdrawn_at))
    return views


def _active_consent(client: Client, kind: str, service_id: int | None = None) -> ConsentView | None:
    return next((c for c in consents(client) if c.kind == kind and c.active
                 and (service_id is None or c.service_id == service_id)), None)


def referral_consent(client: Client, service_id: int) -> ConsentView | None:
    """Return the active referral consent for one recipient, if any."""
    return _active_consent(client, "referral", service_id)


def add_consent(actor: Actor, client: Client, *, kind: str, purpose: str, service_id: int | None = None,
                note: str = "", audit_it: bool = True) -> Consent:
    """Record a separate consent; a referral consent names one directory service (its recipient)."""
    if kind not in CONSENT_KINDS:
        raise CaseworkError(_("Unknown kind of consent."), code="consent_kind")
    recipient = ""
    if kind == "referral":
        service = db.session.get(ReferralService, service_id) if service_id else None
        if service is None or service.organisation_id != actor.org_id or not service.active:
            raise CaseworkError(_("Choose the service the person agrees to be referred to."), code="consent_recipient")
        recipient = service.name
    if not purpose.strip():
        raise CaseworkError(_("Write what the consent is for."), code="consent_purpose")
    consent = Consent(organisation_id=actor.org_id, client_id=client.id, kind=kind, recorded_by=actor.user_id)
    consent.seal("details_enc", {"service_id": service_id, "recipient": recipient, "purpose": purpose[:500],
                                 "note": note[:2000]})
    db.session.add(consent)
    db.session.flush()
    if audit_it:
        audit(actor, "consent", "consent", consent.id, client_id=client.id)
    return consent


def withdraw_consent(actor: Actor, client: Client, consent_id: str) -> Consent:
    """Withdraw a consent: processing on that basis stops from now on."""
    consent = db.session.execute(select(Consent).where(Consent.id == consent_id, Consent.client_id == client.id,
                                                       Consent.organisation_id == actor.org_id)).scalar()
    if consent is None or consent.withdrawn_at is not None:
        raise CaseworkError(_("This consent is not active."), code="consent_not_active")
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by = actor.user_id
    db.session.flush()
    audit(actor, "consent_withdrawn", "consent", consent.id, client_id=client.id)
    return consent


def processing_block(client: Client) -> str | None:
    """Explain why the record may not be changed now, or return None when it may."""
    if client.status != "open":
        return _("The case is closed. Reopen it to make changes.")
    if client.restricted:
        return _("Processing is restricted at the person's request. The record can be read but not changed.")
    records = information_records(client)
    if not records:
        return _("First record what the person was told about privacy and confidentiality.")
    basis = records[0][1].get("lawful_basis")
    if basis == "consent" and _active_consent(client, "record_keeping") is None:
        return _("The person has withdrawn consent to keeping a record, which is this record's basis.")
    return None


def require_processing(client: Client) -> None:
    """Raise CaseworkError unless the record may be changed now."""
    reason = processing_block(client)
    if reason:
        raise CaseworkError(reason, code="processing_blocked")


def read_identity(actor: Actor, client: Client) -> dict[str, str]:
    """Return the identity vault entry (audited); empty fields when there is none."""
    row = db.session.execute(select(IdentityRecord).where(IdentityRecord.client_id == client.id,
                                                          IdentityRecord.organisation_id == actor.org_id)).scalar()
    audit(actor, "view", "identity", client.id, client_id=client.id, purpose="identity vault")
    data = row.unseal("data_enc", {}) if row else {}
    return {k: data.get(k, "") for k in IDENTITY_FIELDS}


def save_identity(actor: Actor, client: Client, values: dict[str, str]) -> IdentityRecord | None:
    """Store (or clear, when every field is empty) the identity vault entry."""
    row = db.session.execute(select(IdentityRecord).where(IdentityRecord.client_id == client.id,
                                                          IdentityRecord.organisation_id == actor.org_id)).scalar()
    data = {k: (values.get(k) or "").strip()[:300] for k in IDENTITY_FIELDS}
    if not any(data.values()):
        if row is not None:
            db.session.delete(row)
        audit(actor, "edit", "identity", client.id, client_id=client.id, purpose="identity vault")
        return None
    if row is None:
        row = IdentityRecord(organisation_id=actor.org_id, client_id=client.id)
    row.updated_by = actor.user_id
    row.seal("data_enc", data)  # seal before add: creating the first identity key flushes the session
    db.session.add(row)
    db.session.flush()
    audit(actor, "edit", "identity", client.id, client_id=client.id, purpose="identity vault")
    return row


def close_client(actor: Actor, client: Client) -> Client:
    """Close a case; the retention period starts now."""
    client.status, client.closed_at = "closed", utcnow()
    db.session.flush()
    audit(actor, "close", "client", client.id, client_id=client.id)
    return client


def reopen_client(actor: Actor, client: Client) -> Client:
    """Reopen a closed case."""
    client.status, client.closed_at = "open", None
    db.session.flush()
    audit(actor, "reopen", "client", client.id, client_id=client.id)
    return client


def set_restricted(actor: Actor, client: Client, restricted: bool) -> Client:
    """Restrict (or lift the restriction of) processing at the person's request (Art. 18)."""
    client.restricted = restricted
    db.session.flush()
    audit(actor, "restrict" if restricted else "unrestrict", "client", client.id, client_id=client.id,
          purpose="client request")
    return client


def erase_client(actor: Actor, client: Client) -> None:
    """Erase every record about a client at their request (Art. 17)."""
    client_id = client.id
    delete_client(client, action="erase", purpose="erasure at the person's request", user_id=actor.user_id)
    log.info("client %s erased by user %s", client_id, actor.user_id)


# -- the optional "legal conditions relevant to support" field (DP-2) ---------------------------------
LEGAL_CONDITIONS_LIMIT = 2000


def legal_conditions(client: Client, organisation: Any) -> str:
    """Return the client's legal conditions, or "" when the organisation does not use the field."""
    if not organisation.legal_conditions_enabled:
        return ""
    return client.unseal("legal_conditions_enc", "") or ""


def save_legal_conditions(actor: Actor, client: Client, text: str) -> None:
    """Store (sealed) or clear the legal conditions relevant to support; only where the controller allows it."""
    if not actor.organisation.legal_conditions_enabled:
        raise CaseworkError(_("Your organisation does not use the legal conditions field."),
                            code="legal_conditions_off", status=403)
    require_processing(client)
    value = text.strip()[:LEGAL_CONDITIONS_LIMIT]
    client.seal("legal_conditions_enc", value or None)
    db.session.flush()
    audit(actor, "edit", "legal_conditions", client.id, client_id=client.id, purpose="legal conditions field")
