"""What a launch opens: the picker for Deep Linking, the placed item, or a kind "not set up yet" page."""

from __future__ import annotations

import functools
import logging
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, g, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import Forbidden
from ..lti.constants import MessageType
from ..lti.session import ToolSession, current_session, session_required
from .catalog import TOKEN_MARK, assessment_installed
from .constants import P_ITEM, ItemKind
from .placements import item_of_session

log = logging.getLogger(__name__)


def _to(endpoint: str, session: ToolSession, **values: str) -> Response:
    return redirect(url_for(endpoint, ltik=session.token, **values), code=303)


#: ``landing`` answer for a link that is not set up yet (learners get the "not set up" page).
NOT_SET_UP = ("training.not_set_up", {})


def landing(session: ToolSession) -> tuple[str, dict[str, str]] | None:
    """Return (endpoint, values) of the page a launch opens, or None when another feature decides.

    Pure but for at most one read (a link set up in the tool has no custom parameters). Raises
    ``Forbidden`` for a learner's Deep Linking request.
    """
    if session.message_type == MessageType.DEEP_LINKING:
        if not session.is_instructor:
            raise Forbidden(_l("Only trainers can add activities from this tool."), code="deep_linking_instructor_only")
        return "training.picker", {}
    if session.message_type != MessageType.RESOURCE_LINK:
        return None
    item = item_of_session(session, hot=True)
    if item is None:
        return ("training.setup_link", {}) if session.is_instructor else NOT_SET_UP
    if item.kind == ItemKind.MODULE:
        return "training.module", {"module_id": item.id}
    if item.kind == ItemKind.CHAPTER:
        return "training.chapter", {"chapter_id": item.id}
    if item.kind == ItemKind.MANUAL:
        return "training.manual", {}
    if item.kind == ItemKind.DASHBOARD:
        return ("training.dashboard" if session.is_instructor else "training.course"), {}
    # Case exercises and casework belong to the assessment feature; custom parameters reach its own
    # handler first. Links set up in the tool (or by target link) are sent there here.
    if assessment_installed():
        if item.kind == ItemKind.CASEWORK:
            return "assessment.caseload", {}
        return "assessment.training_case", {"case_id": item.id}
    return NOT_SET_UP


def route_launch(session: ToolSession) -> Response | None:
    """Open what the launch asks for; None lets another feature answer (``/lti/home``)."""
    found = landing(session)
    if found is None:
        return None
    if found == NOT_SET_UP:
        return not_set_up(session)
    return _to(found[0], session, **found[1])


def launch_target(session: ToolSession) -> str | None:
    """Return the path (with the session token) a launch redirects to, straight to the page; None: ``/lti/home``.

    Runs inside the launch (the WSGI fast path has an app context but no request), so the address is built
    from the URL map directly. Links whose custom parameters belong to the assessment feature land on
    ``/lti/home``, where its own handler answers first.
    """
    custom = (session.data or {}).get("custom") or {}
    if custom.get(P_ITEM) in (str(ItemKind.CASEWORK), str(ItemKind.CASE_EXERCISE)):
        return None
    try:
        found = landing(session)
    except Forbidden:  # refused on /lti/home, as before, not inside the launch
        return None
    if found is None:
        return None
    endpoint, values = found
    path = _landing_address(current_app.url_map, endpoint, tuple(values.items()))
    return path + "?ltik=" + quote(session.token, safe="")  # as url_for writes it: the token is URL-safe


@functools.lru_cache(maxsize=1024)
def _landing_address(url_map: Any, endpoint: str, values: tuple[tuple[str, str], ...]) -> str:
    """The path of a landing page, built once per process: the same few modules and chapters are opened all day.

    The ids come from the links' custom parameters, so the cache is a bounded LRU: a platform that sends
    ever new ids only cycles it. The token is appended per launch.
    """
    return url_map.bind("localhost").build(endpoint, dict(values))


@session_required
def not_set_up_page() -> Response:
    """The page a launch of a link that is not set up yet lands on (one redirect, like a placed item)."""
    return not_set_up(current_session())


def not_set_up(session: ToolSession) -> Response:
    """Trainers get the picker to set the link up; learners a kind note and what they can open meanwhile.

    The note is the same for everyone in a course and language, so it is rendered once and kept in the shell
    cache with a placeholder for the token; the course title is one plain read.
    """
    if session.is_instructor:
        return _to("training.setup_link", session)
    found = g.get("prefetched_course")
    if found is not None and found[0] == session.id:  # read with the session (``g.prefetch_course``)
        row: tuple[Any, ...] | None = found[1:]
    else:
        store = current_app.extensions["r2com"]["hotpath"]
        row = store.fetch_one(f"SELECT title, label FROM lti_context WHERE id = {store.placeholder}",
                              (session.context_id,))
    course = (row[0] or row[1] or "") if row else ""
    shells = current_app.extensions["r2com"]["training_shells"]
    key = ("training/not_set_up.html", str(get_locale()), course, assessment_installed())
    html = shells.get(key)
    if html is None:
        html = render_template("training/not_set_up.html", course=course, role_label=_("learner"), token=TOKEN_MARK,
                               case_exercises=key[3])
        shells.put(key, html)
    resp = Response(html.replace(TOKEN_MARK, session.token), status=200)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def home_links(session: ToolSession) -> list[tuple[str, str]]:
    """Links for the default landing page."""
    links = [(_("Training course"), url_for("training.course", ltik=session.token)),
             (_("Guide to after-care and exit work"), url_for("training.manual", ltik=session.token))]
    if session.is_instructor:
        links.append((_("Trainer dashboard"), url_for("training.dashboard", ltik=session.token)))
    return links
