"""Casework views: start an occasion, fill it in (drafts saved as you go), the profile and change views."""

from __future__ import annotations

import datetime as dt

from flask import Response, jsonify, request
from flask_babel import gettext as _

from ..extensions import db
from ..lti.session import current_session, session_required
from . import instrument as inst
from ..errors import AppError, NotFound
from .errors import CaseworkError
from .occasions import autosave as autosave_op
from .occasions import (
    complete,
    save_step,
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
from .schemas import AREA_DECLINED, AREA_DONE, AREA_NOT_YET, area_state, field_name, validate_area
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


FINISH = "finish"


def _steps() -> list[str]:
    return inst.domain_ids() + [FINISH]


def _areas(draft: dict) -> list[dict]:
    """The list of areas to jump to, each with its state in the draft."""
    return [{"id": d.id, "number": d.number, "title": d.title, "optional": d.optional,
             "state": area_state(draft, d.id)} for d in inst.get_instrument().domains]


def _first_open_step(draft: dict) -> str:
    return next((a["id"] for a in _areas(draft) if a["state"] == AREA_NOT_YET and not a["optional"]), FINISH)


def _step_of(errors: dict[str, str]) -> str:
    """The step holding the first error (the finish step for the occasion's own fields)."""
    for name in errors:
        if "." in name and name.split(".", 1)[0] in inst.domain_ids():
            return name.split(".", 1)[0]
    return FINISH


def _form_page(actor, occ, record, draft: dict, errors: dict[str, str], step: str | None):
    """Render the stepwise form at ``step``, or every area on one page when ``step`` is None."""
    areas = _areas(draft)
    steps = _steps()
    context = dict(actor=actor, client=record, pseudonym=pseudonym(record), occasion=occ, draft=draft, errors=errors,
                   flags=_flags(draft), block=processing_block(record), training=False,
                   autosave_url="assessment_api.occasion_draft", autosave_args={"occasion_id": occ.id},
                   form_endpoint="assessment.occasion", form_args={"occasion_id": occ.id}, areas=areas,
                   done=sum(1 for a in areas if a["state"] == AREA_DONE),
                   declined=sum(1 for a in areas if a["state"] == AREA_DECLINED))
    if step is None:
        return page("assessment/occasion_form.html", status=422 if errors else 200, **context)
    index = steps.index(step)
    domain = next((d for d in inst.get_instrument().domains if d.id == step), None)
    return page("assessment/occasion_step.html", status=422 if errors else 200, step=step, domain=domain,
                position=index + 1, previous=steps[index - 1] if index else None,
                next_step=steps[index + 1] if index + 1 < len(steps) else None, finish=FINISH, **context)


@session_required
def occasion(occasion_id: str) -> Response:
    """The assessment form, one area at a time (``?step=``) or every area on one page (``?all=1``).

    Each step is a plain form: POST ``step`` with ``action`` ``next``/``previous``/``save``/``complete`` or
    ``goto`` (a step id) saves that step into the encrypted draft and moves on; ``step=all`` posts the whole
    form as before. Only ``complete`` validates the whole draft and stores it as the occasion's answers.
    """
    actor = current_actor()
    occ, record = get_occasion(actor, occasion_id, Action.EDIT)
    errors: dict[str, str] = {}
    if request.method == "POST":
        step = request.form.get("step", "all")
        action = request.form.get("action", "save")
        if step == "all":
            if action == "complete":
                errors = complete(actor, occ, record, request.form)
                db.session.commit()
                if not errors:
                    return go("assessment.profile", "occasion_completed", client_id=record.id, occasion=occ.id)
                return _form_page(actor, occ, record, current_draft(occ), errors, None)
            save_full_draft(actor, occ, record, request.form)
            db.session.commit()
            return go("assessment.occasion", "draft_saved", occasion_id=occ.id, all=1)
        steps = _steps()
        if step not in steps:
            raise AppError(_("This part of the form does not exist."), code="unknown_step")
        draft = save_step(actor, occ, record, request.form, step)
        goto = request.form.get("goto", "")
        if action == "complete":
            errors = complete(actor, occ, record, None)
            db.session.commit()
            if not errors:
                return go("assessment.profile", "occasion_completed", client_id=record.id, occasion=occ.id)
            return _form_page(actor, occ, record, current_draft(occ), errors, FINISH)
        if action == "next" and step != FINISH:
            errors = validate_area(draft, step)
            if errors:  # the step is saved as typed; say what to check before moving on
                db.session.commit()
                return _form_page(actor, occ, record, draft, errors, step)
        db.session.commit()
        index = steps.index(step)
        if goto in steps:
            target = goto
        elif action == "next":
            target = steps[min(index + 1, len(steps) - 1)]
        elif action == "previous":
            target = steps[max(index - 1, 0)]
        else:
            return go("assessment.occasion", "draft_saved", occasion_id=occ.id, step=step)
        return go("assessment.occasion", occasion_id=occ.id, step=target)
    draft = current_draft(occ)
    audit(actor, "view", "occasion", occ.id, client_id=record.id, purpose=default_purpose(actor, record))
    db.session.commit()
    if request.args.get("all"):
        return _form_page(actor, occ, record, draft, errors, None)
    step = request.args.get("step") or _first_open_step(draft)
    if step not in _steps():
        raise NotFound(code="unknown_step")
    return _form_page(actor, occ, record, draft, errors, step)


@session_required
def occasion_draft(occasion_id: str) -> Response:
    """Autosave: merge the changed fields into the encrypted draft (JSON; also used by sendBeacon)."""
    actor = current_actor()
    occ, record = get_occasion(actor, occasion_id, Action.EDIT)
    applied = autosave_op(actor, occ, record, request.form)
    db.session.commit()
    # The session's current token (renewed while the person is active): the page keeps saving with it.
    resp = jsonify({"saved": len(applied), "saved_at": occ.draft_saved_at.isoformat() if occ.draft_saved_at else None,
                    "ltik": current_session().token})
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
