"""What a launch opens: the casework workspace or a fictional case exercise (custom parameters)."""

from __future__ import annotations

import logging

from flask import redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..extensions import db
from ..lti.constants import MessageType
from ..lti.session import ToolSession
from .models import OrgRole
from .roles import ToolRole

log = logging.getLogger(__name__)

CASEWORK = "casework"
CASE_EXERCISE = "case-exercise"


def route_launch(session: ToolSession) -> Response | None:
    """Open the casework workspace (``r2com_item=casework``) or an exercise (``r2com_item=case-exercise``)."""
    if session.message_type != MessageType.RESOURCE_LINK:
        return None
    custom = session.data.get("custom") or {}
    item = custom.get("r2com_item")
    if item == CASEWORK:
        if (session.data.get("ags") or {}).get("lineitem"):
            # A casework link must never be graded; we ignore the line item and never post to it (DP-6).
            log.warning("casework link %s launched with a line item; it is ignored", session.resource_link_id)
        return redirect(url_for("assessment.caseload", ltik=session.token), code=303)
    if item == CASE_EXERCISE and custom.get("r2com_case"):
        return redirect(url_for("assessment.training_case", case_id=str(custom["r2com_case"]), ltik=session.token),
                        code=303)
    return None


def home_links(session: ToolSession) -> list[tuple[str, str]]:
    """Links for the default landing page, by what the user may open."""
    links = [(_("Practise on fictional cases"), url_for("assessment.training", ltik=session.token))]
    from .roles import organisation_of_session

    org = organisation_of_session(session, create=False)
    roles = set()
    if org is not None:
        roles = set(db.session.execute(select(OrgRole.role).where(OrgRole.organisation_id == org.id,
                                                                  OrgRole.user_id == session.user_id)).scalars())
    if org is not None and org.casework_enabled and roles & {ToolRole.PRACTITIONER, ToolRole.SUPERVISOR}:
        links.append((_("Casework"), url_for("assessment.caseload", ltik=session.token)))
    if session.is_admin or ToolRole.ORG_ADMIN in roles:
        links.append((_("Set up your organisation for casework"), url_for("assessment.org_start", ltik=session.token)))
    return links
