"""The support plan, referrals and concerns for consultation.

Suggestions come from the instrument's table (domain x need -> actions); the practitioner and the
client choose from them. A referral needs a recorded, active consent for that recipient. A concern
is only ever raised by a person, never derived from ratings (DP-13).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from ..db import utcnow
from ..errors import Forbidden, NotFound
from ..extensions import db
from . import instrument as inst
from .errors import CaseworkError
from .models import Client, Concern, OrgRole, Referral, ReferralService, SupportAction
from .occasions import answers_for, occasions
from .operations import referral_consent, require_processing
from .privacy import audit
from .roles import Action, Actor, ToolRole, caseload_query, get_client

OWNERS = {"client": _l("The person"), "practitioner": _l("Practitioner"), "other_agency": _l("Another service")}
STATUSES = {"planned": _l("Planned"), "in_progress": _l("Under way"), "done": _l("Done"),
            "dropped": _l("No longer needed")}
CONCERN_CATEGORIES = {
    "own_life_or_health": _l("Immediate danger to the person's own life or health"),
    "harm_to_others": _l("Serious harm to others, including a disclosed plan for violence"),
    "child_protection": _l("Child protection"),
    "exploitation": _l("The person is a victim of exploitation or coercion"),
}
CLIENT_INFORMED = {"yes": _l("Yes, the person was told"), "no_not_lawful_or_safe": _l("No: not lawful or not safe"),
                   "not_yet": _l("Not yet")}


@dataclass(frozen=True)
class SuggestedAction:
    """An action the instrument suggests for a domain at the current need."""

    id: str
    text: str
    domain_id: str
    domain_title: str


def suggestions(client: Client) -> list[SuggestedAction]:
    """Return the instrument's suggestions for the latest completed occasion, minus those already planned."""
    done = occasions(client, completed_only=True)
    if not done:
        return []
    answers = answers_for(done[-1])
    planned = {a["suggestion_id"] for _, a in support_actions(client) if a.get("suggestion_id")}
    found: list[SuggestedAction] = []
    for domain in inst.get_instrument().domains:
        need = str(answers.get(domain.id, {}).get("need", "not_known"))
        for row in domain.suggestions:
            if need not in [str(v) for v in row.need]:
                continue
            for action in row.actions:
                if action.id not in planned and all(s.id != action.id for s in found):
                    found.append(SuggestedAction(action.id, action.text, domain.id, domain.title))
    return found


def suggestions_by_area(client: Client) -> list[tuple[str, str, list[SuggestedAction]]]:
    """Return the suggestions grouped by area: (domain id, area title, suggestions), in interview order."""
    groups: dict[str, tuple[str, str, list[SuggestedAction]]] = {}
    for s in suggestions(client):
        groups.setdefault(s.domain_id, (s.domain_id, s.domain_title, []))[2].append(s)
    return list(groups.values())


#: Statuses of an action that is still to be done.
OPEN_STATUSES = ("planned", "in_progress")


@dataclass(frozen=True)
class PlanItem:
    """An action of the plan as shown: its data, and whether it is past its due date while still open."""

    row: SupportAction
    data: dict[str, Any]
    overdue: bool

    @property
    def open(self) -> bool:
        return self.data.get("status") in OPEN_STATUSES


def is_overdue(data: dict[str, Any], today: dt.date) -> bool:
    """Tell whether an action is still open after its due date."""
    due = data.get("due_date") or ""
    return bool(due) and data.get("status") in OPEN_STATUSES and due < today.isoformat()


def plan_items(client: Client, today: dt.date | None = None) -> list[PlanItem]:
    """Return the plan's actions in the order to work on them: open ones first (overdue, then by due date,
    undated last), then those done or no longer needed."""
    today = today or utcnow().date()
    items = [PlanItem(row, data, is_overdue(data, today)) for row, data in support_actions(client)]
    return sorted(items, key=lambda i: (not i.open, not i.overdue, i.data.get("due_date") or "9999-99-99",
                                        i.row.created_at))


def overdue_counts(clients: list[Client], today: dt.date | None = None) -> dict[str, int]:
    """Return how many open actions are past their due date, per client id (for the caseload)."""
    today = today or utcnow().date()
    if not clients:
        return {}
    rows = db.session.execute(select(SupportAction).where(
        SupportAction.client_id.in_([c.id for c in clients]),
        SupportAction.organisation_id == clients[0].organisation_id)).scalars()
    counts: dict[str, int] = {}
    for row in rows:
        if is_overdue(row.unseal("data_enc", {}), today):
            counts[row.client_id] = counts.get(row.client_id, 0) + 1
    return counts


def support_actions(client: Client) -> list[tuple[SupportAction, dict[str, Any]]]:
    """Return the plan's actions, decrypted, in the order they were added."""
    rows = db.session.execute(select(SupportAction).where(SupportAction.client_id == client.id,
                                                          SupportAction.organisation_id == client.organisation_id)
                              .order_by(SupportAction.created_at)).scalars()
    return [(row, row.unseal("data_enc", {})) for row in rows]


def _parse_due(value: str | None) -> str:
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise CaseworkError(_("Write the due date as a date (YYYY-MM-DD)."), code="due_date") from exc


def add_action(actor: Actor, client: Client, *, description: str, owner: str, due_date: str | None,
               domain_id: str = "", suggestion_id: str = "") -> SupportAction:
    """Add an action to the support plan (from a suggestion or written by hand)."""
    require_processing(client)
    if not description.strip():
        raise CaseworkError(_("Describe the action."), code="action_description")
    if owner not in OWNERS:
        raise CaseworkError(_("Choose who does this."), code="action_owner")
    if domain_id and domain_id not in inst.domain_ids():
        domain_id = ""
    row = SupportAction(organisation_id=actor.org_id, client_id=client.id, created_by=actor.user_id)
    row.seal("data_enc", {"domain_id": domain_id, "suggestion_id": suggestion_id[:80],
                          "description": description.strip()[:1000], "owner": owner, "due_date": _parse_due(due_date),
                          "status": "planned", "outcome_note": ""})
    db.session.add(row)
    db.session.flush()
    audit(actor, "edit", "support_action", row.id, client_id=client.id)
    return row


def update_action(actor: Actor, client: Client, action_id: str, *, status: str, outcome_note: str,
                  due_date: str | None, owner: str) -> SupportAction:
    """Change an action's status, owner, due date or outcome note."""
    require_processing(client)
    row = db.session.execute(select(SupportAction).where(SupportAction.id == action_id,
                                                         SupportAction.client_id == client.id,
                                                         SupportAction.organisation_id == actor.org_id)).scalar()
    if row is None:
        raise NotFound(code="action_not_found")
    if status not in STATUSES or owner not in OWNERS:
        raise CaseworkError(_("Choose a status and who does this."), code="action_status")
    data = row.unseal("data_enc", {})
    data.update(status=status, owner=owner, outcome_note=outcome_note.strip()[:2000], due_date=_parse_due(due_date))
    row.seal("data_enc", data)
    db.session.flush()
    audit(actor, "edit", "support_action", row.id, client_id=client.id)
    return row


# -- referrals ---------------------------------------------------------------------------------------
def directory(actor: Actor, *, active_only: bool = True) -> list[ReferralService]:
    """Return the organisation's referral directory."""
    query = select(ReferralService).where(ReferralService.organisation_id == actor.org_id)
    if active_only:
        query = query.where(ReferralService.active)
    return list(db.session.execute(query.order_by(ReferralService.name)).scalars())


def create_referral(actor: Actor, client: Client, *, service_id: int, purpose: str, shared_note: str) -> Referral:
    """Refer the client to a directory service; refused without an active consent for that recipient."""
    require_processing(client)
    service = db.session.get(ReferralService, service_id)
    if service is None or service.organisation_id != actor.org_id:
        raise NotFound(code="service_not_found")
    consent = referral_consent(client, service.id)
    if consent is None:
        raise CaseworkError(_("There is no recorded consent from the person for a referral to %(name)s. Record "
                              "the consent first.", name=service.name), code="referral_without_consent")
    if not purpose.strip():
        raise CaseworkError(_("Write what the referral is for."), code="referral_purpose")
    referral = Referral(organisation_id=actor.org_id, client_id=client.id, consent_id=consent.id,
                        created_by=actor.user_id)
    referral.seal("data_enc", {"service_id": service.id, "purpose": purpose.strip()[:1000],
                               "shared_note": shared_note.strip()[:2000]})
    db.session.add(referral)
    db.session.flush()
    audit(actor, "referral", "referral", referral.id, client_id=client.id, purpose="referral with consent")
    return referral


def referrals(client: Client) -> list[tuple[Referral, dict[str, Any], ReferralService | None]]:
    """Return the client's referrals, decrypted, with their services."""
    rows = db.session.execute(select(Referral).where(Referral.client_id == client.id,
                                                     Referral.organisation_id == client.organisation_id)
                              .order_by(Referral.created_at)).scalars()
    out = []
    for row in rows:
        data = row.unseal("data_enc", {})
        out.append((row, data, db.session.get(ReferralService, data.get("service_id"))))
    return out


def get_referral(actor: Actor, referral_id: str) -> tuple[Referral, Client]:
    """Load a referral whose client the actor may export."""
    row = db.session.execute(select(Referral).where(Referral.id == referral_id,
                                                    Referral.organisation_id == actor.org_id)).scalar()
    if row is None:
        raise NotFound(code="referral_not_found")
    return row, get_client(actor, row.client_id, Action.EXPORT)


# -- concerns for consultation -----------------------------------------------------------------------
def supervisors(actor: Actor) -> list[int]:
    """Return the user ids of the organisation's supervisors."""
    return list(db.session.execute(select(OrgRole.user_id).where(
        OrgRole.organisation_id == actor.org_id, OrgRole.role == ToolRole.SUPERVISOR)).scalars())


def raise_concern(actor: Actor, client: Client, *, category: str, text: str, supervisor_id: int) -> Concern:
    """Record a concern for consultation with a named supervisor. Never called from rating code."""
    if category not in CONCERN_CATEGORIES:
        raise CaseworkError(_("Choose what the concern is about."), code="concern_category")
    if not text.strip():
        raise CaseworkError(_("Describe the concern in a few sentences."), code="concern_text")
    if supervisor_id not in supervisors(actor):
        raise CaseworkError(_("Name a supervisor of your organisation for the consultation."),
                            code="concern_supervisor")
    concern = Concern(organisation_id=actor.org_id, client_id=client.id, raised_by=actor.user_id,
                      supervisor_id=supervisor_id, status="open")
    concern.seal("data_enc", {"category": category, "text": text.strip()[:4000]})
    db.session.add(concern)
    db.session.flush()
    audit(actor, "concern", "concern", concern.id, client_id=client.id, purpose="safeguarding consultation")
    return concern


def visible_concerns(actor: Actor) -> list[Concern]:
    """Return the concerns the actor may read: supervisors for their caseload, practitioners their own."""
    clients = caseload_query(actor).with_only_columns(Client.id)
    if actor.has(ToolRole.SUPERVISOR):
        visible = or_(Concern.client_id.in_(clients), Concern.supervisor_id == actor.user_id)
    else:
        visible = and_(Concern.client_id.in_(clients), Concern.raised_by == actor.user_id)
    query = select(Concern).where(Concern.organisation_id == actor.org_id, visible)
    return list(db.session.execute(query.order_by(Concern.created_at.desc())).scalars())


def get_concern(actor: Actor, concern_id: str) -> Concern:
    """Load a concern the actor may read, or raise NotFound."""
    found = next((c for c in visible_concerns(actor) if c.id == concern_id), None)
    if found is None:
        raise NotFound(code="concern_not_found")
    return found


def decide_concern(actor: Actor, concern: Concern, *, decision: str, legal_basis: str, client_informed: str,
                   note: str = "") -> Concern:
    """Record the supervisor's decision, its legal basis, and whether the person was told."""
    if not actor.has(ToolRole.SUPERVISOR):
        raise Forbidden(_("Only a supervisor records the decision on a concern."), code="concern_decide_forbidden")
    if not decision.strip() or not legal_basis.strip():
        raise CaseworkError(_("Record the decision and its legal basis."), code="concern_decision")
    if client_informed not in CLIENT_INFORMED:
        raise CaseworkError(_("Record whether the person was told."), code="concern_informed")
    concern.seal("decision_enc", {"decision": decision.strip()[:4000], "legal_basis": legal_basis.strip()[:1000],
                                  "client_informed": client_informed, "note": note.strip()[:2000]})
    concern.status, concern.decided_at, concern.decided_by = "decided", utcnow(), actor.user_id
    db.session.flush()
    audit(actor, "concern", "concern", concern.id, client_id=concern.client_id, purpose="safeguarding decision")
    return concern
