"""Helpers shared by the casework and training views: links that carry the session, notices, rendering.

LMS iframes block cookies, so every link and form carries the ``ltik`` session token, and short
confirmations travel as a ``notice`` code in the redirect URL instead of a cookie-backed flash.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..i18n import content_lang, content_text
from ..lti.session import current_session
from . import instrument as inst
from .client_language import CLIENT_LANGUAGES, OTHER_LANGUAGE, page_language
from .occasions import change_rows, occasions, profile_rows
from .privacy import audit, default_purpose
from .roles import Action, current_actor, get_client

NOTICES = {
    "saved": _l("Saved."),
    "draft_saved": _l("Draft saved. You can come back to it at any time."),
    "client_created": _l("Client record created. Next, record what the person was told."),
    "information_recorded": _l("Information and consents recorded."),
    "consent_added": _l("Consent recorded."),
    "consent_withdrawn": _l("Consent withdrawn. Processing on that basis has stopped."),
    "occasion_completed": _l("Assessment saved."),
    "action_added": _l("Action added to the support plan."),
    "referral_created": _l("Referral recorded."),
    "concern_raised": _l("Concern recorded and sent to the supervisor you named."),
    "concern_decided": _l("Decision recorded."),
    "closed": _l("Case closed. The retention period starts today."),
    "reopened": _l("Case reopened."),
    "restricted": _l("Processing restricted."),
    "unrestricted": _l("Restriction lifted."),
    "erased": _l("Every record about the person has been erased."),
    "settings_saved": _l("Settings saved."),
    "role_granted": _l("Role granted."),
    "role_revoked": _l("Role removed."),
    "service_saved": _l("Directory entry saved."),
    "identity_saved": _l("Identity details saved."),
    "request_recorded": _l("Request recorded. The answer is due within one month."),
    "request_decided": _l("Decision recorded."),
    "code_revoked": _l("The code no longer works."),
}


def aurl(endpoint: str, **values: Any) -> str:
    """Build a URL for ``endpoint`` that carries the current session token."""
    return url_for(endpoint, ltik=current_session().token, **values)


def go(endpoint: str, notice: str | None = None, **values: Any) -> Response:
    """Redirect (303) to ``endpoint`` with the session token and an optional notice code."""
    if notice:
        values["notice"] = notice
    return cast(Response, redirect(aurl(endpoint, **values), code=303))


def form_bool(name: str) -> bool:
    """Return whether a checkbox was ticked."""
    return request.form.get(name) in ("1", "on", "true", "yes")


def form_int(name: str) -> int | None:
    """Return an integer form value, or None."""
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return None


def page(template: str, status: int = 200, **context: Any) -> Response:
    """Render a casework page; never cached, never indexed."""
    notice = NOTICES.get(request.args.get("notice", ""))
    resp = Response(render_template(template, notice=notice, instrument=inst.get_instrument(), **context),
                    status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


def template_helpers() -> dict[str, Any]:
    """Template globals for casework pages."""
    from flask import g

    token = current_session().token if "tool_session" in g else ""
    return {"aurl": aurl, "ltik": token, "ilabel": inst.label, "iscale": inst.scale, "chtml": inst.html,
            "instrument_package": inst.instrument_package, "itext": _instrument_text, "iattrs": _instrument_attrs,
            "client_language_names": {**CLIENT_LANGUAGES, OTHER_LANGUAGE: _l("another language (interpreter)")}}


def _instrument_text(text: Any) -> Any:
    """``{{ itext(d.title) }}``: an instrument text, marked with the instrument's language where the page's differs."""
    return content_text(text, inst.guidance_package(), page_language()[0])


def _instrument_attrs(svg: bool = False) -> Any:
    """``<li{{ iattrs() }}>``: the instrument's lang and dir for an element that holds only instrument text
    (``iattrs(svg=True)``: its lang only, for an SVG ``<text>``)."""
    return content_lang(inst.guidance_package(), page_language()[0], svg)


def viewed_profile(client_id: str, occasion_id: str | None) -> tuple[Any, Any, list, Any, list]:
    """For the profile page and its JSON twin: load a client's profile at one completed occasion (the
    latest unless ``occasion_id`` names another) and audit the view. Returns (actor, client, completed
    occasions, chosen occasion or None, rows)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.VIEW)
    done = occasions(record, completed_only=True)
    chosen = next((o for o in done if o.id == occasion_id), done[-1] if done else None)
    rows = profile_rows(chosen) if chosen else []
    audit(actor, "view", "profile", chosen.id if chosen else "", client_id=record.id,
          purpose=default_purpose(actor, record))
    db.session.commit()
    return actor, record, done, chosen, rows


def viewed_change(client_id: str) -> tuple[Any, Any, list, list]:
    """For the change page and its JSON twin: each domain's need across occasions, with the view audited.
    Returns (actor, client, completed occasions, rows)."""
    actor = current_actor()
    record = get_client(actor, client_id, Action.VIEW)
    done, rows = change_rows(record)
    audit(actor, "view", "change", "", client_id=record.id, purpose=default_purpose(actor, record))
    db.session.commit()
    return actor, record, done, rows
