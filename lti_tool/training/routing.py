"""What a launch opens: the picker for Deep Linking, the placed item, or a kind "not set up yet" page."""

from __future__ import annotations

import logging

from flask import Response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import Forbidden
from ..lti.constants import MessageType
from ..lti.session import ToolSession, context_of
from .catalog import assessment_installed
from .constants import ItemKind
from .placements import item_of_session

log = logging.getLogger(__name__)


def _to(endpoint: str, session: ToolSession, **values: str) -> Response:
    return redirect(url_for(endpoint, ltik=session.token, **values), code=303)


def route_launch(session: ToolSession) -> Response | None:
    """Open what the launch asks for; None lets another feature answer."""
    if session.message_type == MessageType.DEEP_LINKING:
        if not session.is_instructor:
            raise Forbidden(_l("Only trainers can add activities from this tool."), code="deep_linking_instructor_only")
        return _to("training.picker", session)
    if session.message_type != MessageType.RESOURCE_LINK:
        return None
    item = item_of_session(session)
    if item is None:
        return not_set_up(session)
    if item.kind == ItemKind.MODULE:
        return _to("training.module", session, module_id=item.id)
    if item.kind == ItemKind.CHAPTER:
        return _to("training.chapter", session, chapter_id=item.id)
    if item.kind == ItemKind.MANUAL:
        return _to("training.manual", session)
    if item.kind == ItemKind.DASHBOARD:
        return _to("training.dashboard" if session.is_instructor else "training.course", session)
    # Case exercises and casework belong to the assessment feature; custom parameters reach its own
    # handler first. Links set up in the tool (or by target link) are sent there here.
    if assessment_installed():
        if item.kind == ItemKind.CASEWORK:
            return _to("assessment.caseload", session)
        return _to("assessment.training_case", session, case_id=item.id)
    return not_set_up(session)


def not_set_up(session: ToolSession) -> Response:
    """Trainers get the picker to set the link up; learners a kind note and what they can open meanwhile."""
    context = context_of(session)
    course = (context.title or context.label or "") if context else ""
    if session.is_instructor:
        return _to("training.setup_link", session)
    html = render_template("training/not_set_up.html", course=course, role_label=_("learner"), token=session.token,
                           case_exercises=assessment_installed())
    return Response(html, status=200)


def home_links(session: ToolSession) -> list[tuple[str, str]]:
    """Links for the default landing page."""
    links = [(_("Training course"), url_for("training.course", ltik=session.token)),
             (_("Guide to after-care and exit work"), url_for("training.manual", ltik=session.token))]
    if session.is_instructor:
        links.append((_("Trainer dashboard"), url_for("training.dashboard", ltik=session.token)))
    return links
