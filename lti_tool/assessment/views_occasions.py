"""Casework views: start an occasion, fill it in (drafts saved as you go), the profile and change views."""

from __future__ import annotations

import datetime as dt

from flask import Response, jsonify, request

from ..extensions import db
from ..lti.session import session_required
from . import instrument as inst
from .errors import CaseworkError
from .occasions import autosave as autosave_op
from .occasions import (
    complete,
    create_occasion,
    current_draft,
    get_occasion,
    priorities,
    save_full_draft,
)
from .operations import processing_block, pseudonym
from .privacy import audit, default_purpose
from .roles import Action, current_actor, get_client
from .scanner import scan
from .schemas import field_name
from .views_common import form_bool, go, page, viewed_change, viewed_profile


@session_required
def new_occasion(client_id: str) -> Response:
    """Start an assessment occasion: when, language, interpreter."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EDIT)
    block = processing_block(record)
    error = block
    if request.method == "POST" and not block:
        try:
            date = dt.date.fromisoformat(request.form.get("occasion_date") or dt.date.today().isoformat())
            occasion = create_occasion(actor, record, occasion_type=request.form.get("occasion_type", ""),
                                       occasion_date=date, language=request.form.get("language", ""),
                                       interpreter_used=form_bool("interpreter_used"))
        except (CaseworkError, ValueError) as exc:
            db.session.rollback()
            error = getattr(exc, "detail", "") or str(exc)
        else:
            db.session.commit()
            return go("assessment.occasion", occasion_id=occasion.id)
    return page("assessment/occasion_new.html", status=422 if request.method == "POST" and error else 200,
                actor=actor, client=record, pseudonym=pseudonym(record), error=error, block=block,
                today=dt.date.today())


def _flags(draft: dict) -> dict[str, list]:
    """Wording warnings per domain for the evidence notes of a draft."""
    out = {}
    for domain_id in inst.domain_ids():
        found = scan(str(draft.get(field_name(domain_id, "evidence_note"), "")))
        if found:
            out[domain_id] = found
    return out


@session_required
def occasion(occasion_id: str) -> Response:
    """The assessment form. POST ``save`` keeps a draft; POST ``complete`` validates and stores it."""
    actor = current_actor()
    occ, record = get_occasion(actor, occasion_id, Action.EDIT)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.form.get("action") == "complete":
            errors = complete(actor, occ, record, request.form)
            db.session.commit()
            if not errors:
                return go("assessment.profile", "occasion_completed", client_id=record.id, occasion=occ.id)
        else:
            save_full_draft(actor, occ, record, request.form)
            db.session.commit()
            return go("assessment.occasion", "draft_saved", occasion_id=occ.id)
    draft = current_draft(occ)
    audit(actor, "view", "occasion", occ.id, client_id=record.id, purpose=default_purpose(actor, record))
    db.session.commit()
    return page("assessment/occasion_form.html", status=422 if errors else 200, actor=actor, client=record,
                pseudonym=pseudonym(record), occasion=occ, draft=draft, errors=errors, flags=_flags(draft),
                block=processing_block(record), training=False,
                autosave_url="assessment_api.occasion_draft", autosave_args={"occasion_id": occ.id},
                form_endpoint="assessment.occasion", form_args={"occasion_id": occ.id})


@session_required
def occasion_draft(occasion_id: str) -> Response:
    """Autosave: merge the changed fields into the encrypted draft (JSON; also used by sendBeacon)."""
    actor = current_actor()
    occ, record = get_occasion(actor, occasion_id, Action.EDIT)
    applied = autosave_op(actor, occ, record, request.form)
    db.session.commit()
    resp = jsonify({"saved": len(applied), "saved_at": occ.draft_saved_at.isoformat() if occ.draft_saved_at else None})
    resp.headers["Cache-Control"] = "no-store"
    return resp


@session_required
def profile(client_id: str) -> Response:
    """The profile: a row per domain with need, strengths and the client's view side by side."""
    actor, record, done, chosen, rows = viewed_profile(client_id, request.args.get("occasion"))
    agreed, key_strengths = priorities(rows)
    formulation = chosen.unseal("formulation_enc", "") if chosen else ""
    return page("assessment/profile.html", actor=actor, client=record, pseudonym=pseudonym(record), occasion=chosen,
                done=done, rows=rows, agreed=agreed, key_strengths=key_strengths, formulation=formulation)


@session_required
def change(client_id: str) -> Response:
    """Change over time: each domain's need across occasions, with more / same / less support needed."""
    actor, record, done, rows = viewed_change(client_id)
    return page("assessment/change.html", actor=actor, client=record, pseudonym=pseudonym(record), done=done,
                rows=rows)
