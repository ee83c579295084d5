"""Assessment occasions: create, save drafts as the practitioner types, complete, and read back.

The profile and the change view are built here as rows per domain. Nothing adds ratings up across
domains: the only comparison is one domain's need on one occasion against the same domain on the
previous occasion ("more / same / less support needed"), as §3.4 of the brief asks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import utcnow
from ..errors import NotFound
from ..extensions import db
from . import instrument as inst
from .errors import CaseworkError
from .models import AuditEvent, Client, DomainEntry, Occasion
from .operations import require_processing
from .privacy import audit
from .roles import Action, Actor, get_client
from .schemas import DEFAULTS, draft_from_answers, draft_from_form, merge_step, merge_touched, validate_draft

AUDIT_EDIT_EVERY = dt.timedelta(minutes=10)


def create_occasion(actor: Actor, client: Client, *, occasion_type: str, occasion_date: dt.date | None,
                    language: str = "", interpreter_used: bool = False) -> Occasion:
    """Start a new assessment occasion (as a draft)."""
    require_processing(client)
    if occasion_type not in [o.id for o in inst.get_instrument().occasion_types]:
        raise CaseworkError(_("Choose when this assessment takes place."), code="occasion_type")
    occasion = Occasion(organisation_id=actor.org_id, client_id=client.id, practitioner_id=actor.user_id,
                        occasion_type=occasion_type, occasion_date=occasion_date or utcnow().date(), status="draft")
    occasion.seal("meta_enc", {"language": language[:40], "interpreter_used": interpreter_used})
    occasion.seal("draft_enc", {"language": language[:40], "interpreter_used": "1" if interpreter_used else ""})
    db.session.add(occasion)
    db.session.flush()
    audit(actor, "create", "occasion", occasion.id, client_id=client.id)
    return occasion


def get_occasion(actor: Actor, occasion_id: str, action: Action) -> tuple[Occasion, Client]:
    """Load an occasion the actor may act on (its client is checked with ``action``)."""
    occasion = db.session.execute(select(Occasion).where(Occasion.id == occasion_id,
                                                         Occasion.organisation_id == actor.org_id)).scalar()
    if occasion is None:
        raise NotFound(code="occasion_not_found")
    return occasion, get_client(actor, occasion.client_id, action)


def occasions(client: Client, *, completed_only: bool = False) -> list[Occasion]:
    """Return a client's occasions, oldest first."""
    query = select(Occasion).where(Occasion.client_id == client.id, Occasion.organisation_id == client.organisation_id)
    if completed_only:
        query = query.where(Occasion.completed_at.is_not(None))
    return list(db.session.execute(query.order_by(Occasion.occasion_date, Occasion.created_at)).scalars())


def answers_for(occasion: Occasion) -> dict[str, dict[str, Any]]:
    """Return the stored answers of a completed occasion by domain id (decrypted)."""
    rows = db.session.execute(select(DomainEntry).where(DomainEntry.occasion_id == occasion.id,
                                                        DomainEntry.organisation_id == occasion.organisation_id))
    return {row.domain_id: row.unseal("answers_enc", {}) for row in rows.scalars()}


def occasion_fields(occasion: Occasion) -> dict[str, Any]:
    """Return the occasion-level fields (formulation, language, interpreter) of a completed occasion."""
    meta = occasion.unseal("meta_enc", {})
    return {"formulation": occasion.unseal("formulation_enc", ""), "language": meta.get("language", ""),
            "interpreter_used": bool(meta.get("interpreter_used"))}


def current_draft(occasion: Occasion) -> dict[str, Any]:
    """Return the form values to show: the saved draft, or the completed answers to edit."""
    draft = occasion.unseal("draft_enc")
    if draft is not None:
        return draft
    if occasion.completed_at is not None:
        return draft_from_answers(answers_for(occasion), occasion_fields(occasion))
    return {}


def _audit_edit(actor: Actor, occasion: Occasion) -> None:
    """Audit draft edits at most once every few minutes per occasion and user (autosave is chatty)."""
    last = db.session.execute(select(AuditEvent.at).where(
        AuditEvent.organisation_id == actor.org_id, AuditEvent.object_type == "occasion",
        AuditEvent.object_id == occasion.id, AuditEvent.user_id == actor.user_id, AuditEvent.action == "edit")
        .order_by(AuditEvent.id.desc()).limit(1)).scalar()
    if last is None or utcnow() - last > AUDIT_EDIT_EVERY:
        audit(actor, "edit", "occasion", occasion.id, client_id=occasion.client_id)


def _store_draft(occasion: Occasion, draft: dict[str, Any]) -> None:
    occasion.seal("draft_enc", draft)
    occasion.draft_saved_at = utcnow()


def autosave(actor: Actor, occasion: Occasion, client: Client, form: Mapping[str, Any]) -> list[str]:
    """Merge the changed fields into the draft; return their names."""
    require_processing(client)
    draft = current_draft(occasion)
    applied = merge_touched(draft, form)
    if applied:
        _store_draft(occasion, draft)
        _audit_edit(actor, occasion)
        db.session.flush()
    return applied


def save_full_draft(actor: Actor, occasion: Occasion, client: Client, form: Mapping[str, Any]) -> dict[str, Any]:
    """Store the whole submitted form as the draft (the no-JavaScript Save button)."""
    require_processing(client)
    draft = draft_from_form(form)
    _store_draft(occasion, draft)
    _audit_edit(actor, occasion)
    db.session.flush()
    return draft


def save_step(actor: Actor, occasion: Occasion, client: Client, form: Mapping[str, Any], step: str
              ) -> dict[str, Any]:
    """Store one step of the stepwise form (one area, or the meeting details and formulation) in the draft."""
    require_processing(client)
    draft = current_draft(occasion)
    merge_step(draft, form, step)
    _store_draft(occasion, draft)
    _audit_edit(actor, occasion)
    db.session.flush()
    return draft


def complete(actor: Actor, occasion: Occasion, client: Client, form: Mapping[str, Any] | None) -> dict[str, str]:
    """Validate the submitted form (or, with ``form=None``, the saved draft) and store it as the answers.

    Returns:
        Errors by field name; when there are any, the form is kept as the draft and nothing else changes.
    """
    if form is None:
        require_processing(client)
        draft = current_draft(occasion)
    else:
        draft = save_full_draft(actor, occasion, client, form)
    answers, fields, errors = validate_draft(draft)
    if errors:
        return errors
    existing = {row.domain_id: row for row in db.session.execute(
        select(DomainEntry).where(DomainEntry.occasion_id == occasion.id)).scalars()}
    optional = {d.id for d in inst.get_instrument().domains if d.optional}
    for domain_id, values in answers.items():
        row = existing.get(domain_id)
        if domain_id in optional and all(values.get(k) == v for k, v in DEFAULTS.items()):
            if row is not None:  # an optional domain left blank is not recorded at all
                db.session.delete(row)
            continue
        if row is None:
            row = DomainEntry(organisation_id=actor.org_id, occasion_id=occasion.id, client_id=client.id,
                              domain_id=domain_id)
        row.seal("answers_enc", values)
        db.session.add(row)
    occasion.seal("formulation_enc", fields["formulation"])
    occasion.seal("meta_enc", {"language": fields["language"], "interpreter_used": fields["interpreter_used"]})
    occasion.seal("draft_enc", None)
    occasion.status = "complete"
    occasion.completed_at = occasion.completed_at or utcnow()
    db.session.flush()
    audit(actor, "edit", "occasion", occasion.id, client_id=client.id, purpose="casework: occasion completed")
    return {}


def _row(domain: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    v = {**DEFAULTS, **values}
    return {
        "domain_id": domain.id, "domain_title": domain.title, "client_title": domain.client_title,
        "need": v["need"], "need_label": inst.label("need", v["need"]),
        "strength": v["strength"], "strength_label": inst.label("strength", v["strength"]),
        "client_view": v["client_view"], "client_view_label": inst.label("client_view", v["client_view"]),
        "client_view_text": v["client_view_text"],
        "agreement": v["agreement"], "agreement_label": inst.label("agreement", v["agreement"]),
        "discussed": v["discussed"], "discussed_label": inst.label("discussed", v["discussed"]),
        "evidence_note": v["evidence_note"],
        "information_sources": [inst.label("information_sources", s) for s in v["information_sources"]],
        "key_strength": bool(v["key_strength"]), "priority": bool(v["priority"]),
        "declined": v["discussed"] == "client_declined", "declined_note": v["declined_note"], "revisit": v["revisit"],
    }


def profile_rows(occasion: Occasion) -> list[dict[str, Any]]:
    """Return one row per domain (interview order) for a completed occasion."""
    answers = answers_for(occasion)
    return [_row(d, answers.get(d.id, {})) for d in inst.get_instrument().domains
            if d.id in answers or not d.optional]


def _direction(before: str | None, after: str) -> str:
    if before is None:
        return "first"
    if not (before.isdigit() and after.isdigit()):
        return "not_comparable"
    return "more" if int(after) > int(before) else "less" if int(after) < int(before) else "same"


def change_rows(client: Client) -> tuple[list[Occasion], list[dict[str, Any]]]:
    """Return the completed occasions and, per domain, each occasion's need with its direction of change."""
    done = occasions(client, completed_only=True)
    answers = [answers_for(o) for o in done]
    rows = []
    for domain in inst.get_instrument().domains:
        if domain.optional and not any(domain.id in a for a in answers):
            continue
        cells, before = [], None
        for occ_answers in answers:
            entry = occ_answers.get(domain.id, {})
            need = entry.get("need", "not_known")
            declined = entry.get("discussed") == "client_declined"
            cells.append({"need": need, "need_label": inst.label("need", need), "declined": declined,
                          "direction": _direction(before, need)})
            before = need
        rows.append({"domain_id": domain.id, "domain_title": domain.title, "client_title": domain.client_title,
                     "cells": cells})
    return done, rows


def priorities(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (agreed priorities, key strengths) from profile rows."""
    return [r for r in rows if r["priority"]], [r for r in rows if r["key_strength"]]
