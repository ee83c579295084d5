"""Organisations, tool-side roles, data keys, the referral directory, the audit log and case records.

Case tables (``assessment_client`` and everything hanging off it) keep every free-text field and
rating in sealed ``*_enc`` columns (see :mod:`.crypto`). In plaintext they hold only random ids,
the organisation, who did what and when, and structural codes (occasion type, domain id, status).
No column anywhere holds a total, average, level or risk value (DP-7; a test scans the schema).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, ClassVar, Optional

from flask import current_app
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, bool_false, bool_true, created_at, utcnow
from .crypto import CaseCipher, field_aad

#: Every model with sealed columns, for key rotation, purge and tests.
SEALED_MODELS: list[type["Sealed"]] = []


def new_id() -> str:
    """Return a random row id (22 url-safe characters) that says nothing about the record."""
    return secrets.token_urlsafe(16)


def case_cipher() -> CaseCipher:
    """Return the app's case cipher."""
    return current_app.extensions["r2com"]["case_cipher"]


def _default_scope(context: Any) -> str:
    """An organisation made without an explicit scope is its platform's (the one-per-platform default)."""
    return f"platform:{context.get_current_parameters()['platform_id']}"


class Organisation(Base):
    """A tenant: a platform registration, or one deployment of it, and the settings its controller chose.

    By default the whole platform is one organisation. When several NGOs share a platform (a Canvas
    sub-account each, a Moodle tenant each), the operator gives a deployment its own organisation: its own
    keys, roles, referral directory, retention and casework switch. Launches through that deployment then
    belong to it; every other deployment stays with the platform's organisation.
    """

    __tablename__ = "assessment_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The platform registration this organisation belongs to.
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    #: The deployment this organisation is, or empty for the platform-wide organisation.
    deployment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_deployment.id", ondelete="SET NULL"))
    #: ``platform:<platform id>`` or ``deployment:<deployment row id>``: one organisation per scope.
    scope_key: Mapped[str] = mapped_column(String(40), unique=True, default=_default_scope)
    #: Real-client casework is off until an administrator turns it on (after the DPIA).
    casework_enabled: Mapped[bool_false]
    #: Months after a case is closed before its records are deleted (DP-10).
    retention_months: Mapped[int] = mapped_column(default=12, server_default="12")
    #: Version of the privacy notice clients are given now; recorded with each information record.
    privacy_notice_version: Mapped[str] = mapped_column(String(40), default="1.0", server_default="1.0")
    #: Whether the optional identity vault (names and identifiers) may be used at all (DP-1).
    identity_vault_enabled: Mapped[bool_false]
    #: The optional "legal conditions relevant to support" field (DP-2, Art. 10): off until the controller
    #: switches it on with the legal basis recorded below.
    legal_conditions_enabled: Mapped[bool_false]
    #: The legal basis the controller recorded for the field (organisation data, not client data).
    legal_conditions_basis: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Optional client self-access (DP-5): time-limited codes the person uses to read their plan and record.
    self_access_enabled: Mapped[bool_false]
    #: The organisation's name as the person's privacy notice and consent texts give it (organisation data).
    public_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: How the person reaches the organisation about their data (address, phone, e-mail, data protection officer).
    privacy_contact: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[created_at]


class OrgRole(Base):
    """A tool-side role of a user in an organisation, granted on the organisation settings page."""

    __tablename__ = "assessment_org_role"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("assessment_organisation.id", ondelete="CASCADE"),
                                                 index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    #: ``practitioner``, ``supervisor``, ``org_admin`` or ``identity_keeper``.
    role: Mapped[str] = mapped_column(String(20))
    #: Optional team label; a supervisor with a team sees the caseload of that team's practitioners.
    team: Mapped[Optional[str]] = mapped_column(String(80))
    granted_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    granted_at: Mapped[created_at]


class DataKey(Base):
    """A per-organisation AES-256 data key, stored wrapped by a master key."""

    __tablename__ = "assessment_data_key"
    __table_args__ = (UniqueConstraint("organisation_id", "purpose", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("assessment_organisation.id", ondelete="CASCADE"))
    #: ``case`` (case records) or ``identity`` (the identity vault, its own key).
    purpose: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    #: Id of the master key that wraps this key.
    master_kid: Mapped[str] = mapped_column(String(32))
    #: Nonce + AES-GCM ciphertext of the key.
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    #: New values are sealed with the active key; older versions only decrypt until re-encrypted.
    active: Mapped[bool_true]
    created_at: Mapped[created_at]
    rewrapped_at: Mapped[Optional[dt.datetime]]


class ReferralService(Base):
    """An entry of the organisation's referral directory (organisation data, not client data)."""

    __tablename__ = "assessment_referral_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("assessment_organisation.id", ondelete="CASCADE"),
                                                 index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Kind of service, e.g. "housing advice".
    service_type: Mapped[str] = mapped_column(String(120), default="")
    #: Instrument domain ids the service helps with.
    domain_tags: Mapped[list[Any]] = mapped_column(default=list)
    languages: Mapped[str] = mapped_column(String(200), default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(Text, default="")
    #: The service needs its own signed consent form.
    consent_form_needed: Mapped[bool_false]
    #: The service has duties to report to authorities; shown so the client can make an informed choice.
    reporting_duties: Mapped[bool_false]
    reporting_duties_note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool_true]
    created_at: Mapped[created_at]


class AuditEvent(Base):
    """Who viewed, changed, exported or shared what, when and why; hash-chained per organisation.

    Holds ids only, never case content, so it survives purge and erasure as evidence of them.
    """

    __tablename__ = "assessment_audit"
    __table_args__ = (Index("ix_assessment_audit_org_at", "organisation_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("assessment_organisation.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The acting user; empty for operator commands (see ``actor_label``).
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(80), default="")
    #: view, create, edit, export, referral, concern, consent, erase, purge, grant, settings, ...
    action: Mapped[str] = mapped_column(String(30))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(40), default="")
    client_id: Mapped[Optional[str]] = mapped_column(String(22), index=True)
    purpose: Mapped[str] = mapped_column(String(120), default="")
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


# -- case records (sealed) --------------------------------------------------------------------------
class Sealed:
    """Mixin for case rows: a random id, the organisation, and sealed ``*_enc`` columns."""

    __sealed__: ClassVar[tuple[str, ...]] = ()
    __key_purpose__: ClassVar[str] = "case"

    id: Mapped[str] = mapped_column(String(22), primary_key=True, default=new_id)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("assessment_organisation.id", ondelete="CASCADE"),
                                                 index=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("__sealed__"):
            SEALED_MODELS.append(cls)

    @property
    def _table(self) -> str:
        return str(getattr(type(self), "__tablename__"))  # noqa: B009  (declared by the concrete model)

    def _aad(self, column: str) -> bytes:
        return field_aad(self._table, column, self.id, self.organisation_id)

    def seal(self, column: str, value: Any) -> None:
        """Encrypt ``value`` into ``column`` (``None`` clears it)."""
        if column not in self.__sealed__:
            raise AttributeError(f"{column} is not a sealed column of {self._table}")
        if self.id is None:
            self.id = new_id()
        if value is None:
            setattr(self, column, None)
            return
        from ..extensions import db

        with db.session.no_autoflush:  # looking up the key must not flush this half-built row
            blob = case_cipher().seal(self.organisation_id, self.__key_purpose__, self._aad(column), value)
        setattr(self, column, blob)

    def unseal(self, column: str, default: Any = None) -> Any:
        """Decrypt ``column``; ``default`` when empty."""
        blob = getattr(self, column)
        if blob is None:
            return default
        return case_cipher().open(self.organisation_id, self._aad(column), blob)


class Client(Sealed, Base):
    """A person supported by the organisation, known only by a pseudonym the organisation chose."""

    __tablename__ = "assessment_client"
    __sealed__ = ("pseudonym_enc", "legal_conditions_enc", "language_enc")

    #: The practitioner whose caseload this is.
    practitioner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    pseudonym_enc: Mapped[bytes] = mapped_column(LargeBinary)
    #: Sealed "legal conditions relevant to support" (e.g. "must not contact X", "curfew"); only when the
    #: organisation has switched the field on (DP-2).
    legal_conditions_enc: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    #: Sealed code of the language the person reads best (``en``, ``fr``, ``ar``...): the language of their
    #: printed plan, record copy, notice and consent texts. Sealed because it can hint at the person's origin.
    language_enc: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    #: ``open`` or ``closed``; retention counts from ``closed_at``.
    status: Mapped[str] = mapped_column(String(10), default="open")
    #: Processing restricted on the client's request (Art. 18): readable, not editable.
    restricted: Mapped[bool_false]
    opened_at: Mapped[created_at]
    closed_at: Mapped[Optional[dt.datetime]]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IdentityRecord(Sealed, Base):
    """The optional identity vault entry of a client: its own key and its own permission (DP-1)."""

    __tablename__ = "assessment_identity"
    __sealed__ = ("data_enc",)
    __key_purpose__ = "identity"

    client_id: Mapped[str] = mapped_column(ForeignKey("assessment_client.id", ondelete="CASCADE"), unique=True)
    #: Sealed {name, date_of_birth, address, national_id}.
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))


class InformationRecord(Sealed, Base):
    """What the client was told at the start (DP-8, DP-16), and on which lawful basis records are kept."""

    __tablename__ = "assessment_information_record"
    __sealed__ = ("details_enc",)

    client_id: Mapped[str] = mapped_column(ForeignKey("assessment_client.id", ondelete="CASCADE"), index=True)
    #: Version of the privacy notice given.
    notice_version: Mapped[str] = mapped_column(String(40))
    #: Sealed {notice_language, easy_read, interpreter_used, confidentiality_explained, lawful_basis, note}.
    details_enc: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    recorded_at: Mapped[created_at]


class Consent(Sealed, Base):
    """A separate, revocable consent: keeping a record, one referral recipient, or family involvement."""

    __tablename__ = "assessment_consent"
    __sealed__ = ("details_enc",)

    client_id: Mapped[str] = mapped_column(ForeignKey("assessment_client.id", ondelete="CASCADE"), index=True)
    #: ``record_keeping``, ``referral`` or ``family_involvement``.
    kind: Mapped[str] = mapped_column(String(30))
    #: Sealed {service_id, recipient, purpose, note}.
    details_enc: Mapped[bytes] = mapped_column(LargeBinary)
    given_at: Mapped[created_at]
    recorded_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[Optional[dt.datetime]]
    withdrawn_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))


class Occasion(Sealed, Base):
    """One assessment occasion (pre-release, week 1, month 1, 3, 6, ad hoc) of a client."""

    __tablename__ = "assessment_occasion"
    __sealed__ = ("meta_enc", "formulation_enc", "draft_enc")

    client_id: Mapped[str] = mapped_column(ForeignKey("assessment_client.id", ondelete="CASCADE"), index=True)
    practitioner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    #: An ``occasion_types`` id of the instrument.
    occasion_type: Mapped[str] = mapped_column(String(30))
    occasion_date: Mapped[dt.date]
    #: ``draft`` until completed; a completed occasion being edited again has a draft as well.
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: Sealed {language, interpreter_used}.
    meta_enc: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    #: Sealed shared formulation, written with the client.
    formulation_enc: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    #: Sealed form draft {field name: value}, saved as the practitioner types.
    draft_enc: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    draft_saved_at: Mapped[Optional[dt.datetime]]
    created_at: Mapped[created_at]
    completed_at: Mapped[Optional[dt.datetime]]


class DomainEntry(Sealed, Base):
    """The answers in one domain on one occasion; all ratings and notes sealed together."""

    __tablename__ = "assessment_domain_entry"
    __table_args__ = (UniqueConstraint("occasion_id", "domain_id"),)
    __sealed__ = ("answers_enc",)

    occasion_id: Mapped[str] = mapped_column(ForeignKey("assessment_occasion.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(ForeignKey("assessment_client.id", ondelete="CASCADE"), index=True)
    #: An instrument domain id (structure, not content).
    domain_id: Mapped[str] = mapped_column(String(60))
    #: Sealed {need, strength, evidence_note, information_sources, client_view, client_view_text,
    #: agreement, discussed, key_strength, priority}.
    answers_enc: Mapped[bytes] = mapped_column(LargeBinary)


class SupportAction(Sealed, Base):
    """An item of the support plan, co-owned by the client."""

    __tablename__ = "assessment_support_action"
    __sealed__ = ("data_enc",)

    client_id: Mapped[str] = mapped_column(ForeignKey("assessment_client.id", ondelete="CASCADE"), index=True)
    #: Sealed {domain_id, suggestion_id, description, owner, due_date, status, outcome_note}.
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Referral(Sealed, Base):
    """A referral to a directory service, only ever made under a recorded consent for that recipient."""

    __tablename__ = "assessment_referral"
    __sealed__ = ("data_enc",)

    client_id: Mapped[str] = mapped_column(ForeignKey("assessment_client.id", ondelete="CASCADE"), index=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("assessment_consent.id", ondelete="CASCADE"))
    #: Sealed {service_id, purpose, shared_note}.
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]


class Concern(Sealed, Base):
    """A concern for consultation with a named supervisor; only ever raised by a person (DP-13)."""

    __tablename__ = "assessment_concern"
    __sealed__ = ("data_enc", "decision_enc")

    client_id: Mapped[str] = mapped_column(ForeignKey("assessment_client.id", ondelete="CASCADE"), index=True)
    raised_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    #: The supervisor named for the consultation.
    supervisor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    #: ``open`` or ``decided``.
    status: Mapped[str] = mapped_column(String(10), default="open")
    #: Sealed {category, text}.
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)
    #: Sealed {decision, legal_basis, client_informed, note}.
    decision_enc: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    created_at: Mapped[created_at]
    decided_at: Mapped[Optional[dt.datetime]]
    decided_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))


class RightsRequest(Sealed, Base):
    """A request of the person about their record (GDPR Art. 15-18): what they asked, the decision, who made it
    and when, and the change made. The controller answers within one month (Art. 12(3))."""

    __tablename__ = "assessment_rights_request"
    __sealed__ = ("request_enc", "decision_enc")

    client_id: Mapped[str] = mapped_column(ForeignKey("assessment_client.id", ondelete="CASCADE"), index=True)
    #: ``correction`` (Art. 16), ``restriction`` (Art. 18), ``erasure`` (Art. 17) or ``access`` (Art. 15).
    kind: Mapped[str] = mapped_column(String(20))
    #: ``open`` until decided.
    status: Mapped[str] = mapped_column(String(10), default="open")
    #: The day the request reached the organisation; the answer is due one month later.
    received_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    #: Sealed {asked}: what the person asked for, in their words where possible.
    request_enc: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    recorded_at: Mapped[created_at]
    #: ``granted``, ``partly`` or ``refused`` once decided.
    outcome: Mapped[Optional[str]] = mapped_column(String(10))
    #: Sealed {reason, change_made}.
    decision_enc: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    decided_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[dt.datetime]]


class SelfAccess(Sealed, Base):
    """A time-limited, revocable code the person uses to read their own plan and record (DP-5, optional).

    Only a hash of the code is stored; the code is shown once to the practitioner, who gives it to the person.
    """

    __tablename__ = "assessment_self_access"

    client_id: Mapped[str] = mapped_column(ForeignKey("assessment_client.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the code.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[Optional[dt.datetime]]
    revoked_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    last_used_at: Mapped[Optional[dt.datetime]]


#: Case tables in deletion order (children first), for purge and erasure.
CASE_TABLES: tuple[Any, ...] = (SelfAccess, RightsRequest, Referral, Concern, SupportAction, DomainEntry, Occasion, Consent,
                                InformationRecord, IdentityRecord, Client)
