"""Views of the optional features a controller switches on: the legal conditions field, and client self-access
(the practitioner's side, and the page where the person types their code)."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_babel import gettext as _

from ..db import utcnow
from ..extensions import db
from ..lti.session import session_required
from . import plan as plan_ops
from . import selfaccess
from .client_language import client_language, speaking
from .errors import CaseworkError
from .models import Organisation
from .occasions import occasion_fields, occasions, profile_rows
from .operations import (
    consents,
    information_records,
    legal_conditions,
    pseudonym,
    save_legal_conditions,
)
from .roles import Action, current_actor, get_client
from .views_common import form_int, go, page


@session_required
def legal(client_id: str) -> Response:
    """Save the legal conditions relevant to support (only where the organisation uses the field)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EDIT)
    save_legal_conditions(actor, record, request.form.get("legal_conditions", ""))
    db.session.commit()
    return go("assessment.client", "saved", client_id=record.id)


@session_required
def new_code(client_id: str) -> Response:
    """Make a self-access code and show it once, on this page (never in a URL)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EXPORT)
    try:
        row, code = selfaccess.create_code(actor, record, days=form_int("days") or 0)
    except CaseworkError as exc:
        db.session.rollback()
        if exc.status == 403:
            raise
        return page("assessment/self_access_code.html", status=422, actor=actor, client=record,
                    pseudonym=pseudonym(record), error=exc.detail, code=None, row=None)
    db.session.commit()
    return page("assessment/self_access_code.html", actor=actor, client=record, pseudonym=pseudonym(record),
                error=None, code=code, row=row)


@session_required
def revoke_code(client_id: str, access_id: str) -> Response:
    """Stop a self-access code from working."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.EXPORT)
    selfaccess.revoke(actor, record, access_id)
    db.session.commit()
    return go("assessment.client", "code_revoked", client_id=record.id)


def record_context(record: Any) -> dict[str, Any]:
    """Everything the person's own copy of their record shows (Art. 15), decrypted."""
    done = occasions(record, completed_only=True)
    org = db.session.get(Organisation, record.organisation_id)
    return dict(client=record, pseudonym=pseudonym(record), sections=[(o, profile_rows(o), occasion_fields(o))
                                                                       for o in done],
                consents=consents(record), information=information_records(record),
                actions=plan_ops.support_actions(record), referrals=plan_ops.referrals(record),
                owners=plan_ops.OWNERS, statuses=plan_ops.STATUSES, printed_at=utcnow(),
                legal_conditions=legal_conditions(record, org))


def my_record() -> Response:
    """The self-access page: the person types their code and reads their plan and record (no LMS session)."""
    error = None
    if request.method == "POST":
        record = selfaccess.open_with_code(request.form.get("code", ""))
        if record is not None:
            with speaking(client_language(record)):  # the person reads their record in their own language
                context = record_context(record)
                db.session.commit()
                return page("assessment/client_export.html", recipient=_("you"), self_access=True, **context)
        db.session.rollback()
        error = _("This code does not work. It may be mistyped, out of date or stopped. Ask the person who "
                  "supports you for a new one.")
    return page("assessment/self_access.html", status=401 if error else 200, error=error)
