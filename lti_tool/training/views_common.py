"""Helpers shared by the training views: rendering with the session token, language and caching headers."""

from __future__ import annotations

import hashlib
from typing import Any, Callable

from flask import Response, current_app, g, render_template, request, url_for
from flask_babel import gettext as _

from ..content import model as m
from ..i18n import interface_language
from ..lti.session import current_session, first_value
from .catalog import TOKEN_MARK, assessment_installed, content_lang, turl


def languages(package: m.Package) -> list[tuple[str, str]]:
    """Return (code, URL of this page in that language) for every language of a package."""
    args = {k: v for k, v in request.view_args.items()} if request.view_args else {}
    links = []
    for code in package.languages:
        links.append((code, turl(request.endpoint or "training.course", **args, lang=code)))
    return links


def _org_setup_url(session: Any) -> str | None:
    """Where an administrator of the platform sets up casework (only pages outside the shell cache show it)."""
    if not session.is_admin or not assessment_installed():
        return None
    return url_for("assessment.org_start", ltik=session.token)


def render(template: str, *, package: m.Package | None = None, status: int = 200, etag: str | None = None,
           **context: Any) -> Response:
    """Render a training page in the interface language; content blocks take ``lang``/``dir`` from the content.

    With ``etag`` the page may be revalidated (``304``); pages are private to the session either way.
    """
    session = current_session()
    if etag is not None:
        tag = hashlib.sha256(etag.encode()).hexdigest()[:32]
        if request.if_none_match.contains(tag):
            resp = Response(status=304)
            resp.set_etag(tag)
            resp.headers["Cache-Control"] = "private, no-cache"
            return resp
    # <html lang dir> follow the interface language (lti_tool.i18n); content carries its own lang and dir.
    html = render_template(template, session=session, turl=turl,
                           package=package, lang_links=languages(package) if package else [],
                           is_trainer=session.is_instructor, org_setup_url=_org_setup_url(session), **context)
    resp = Response(html, status=status, mimetype="text/html")
    if etag is not None:
        resp.set_etag(hashlib.sha256(etag.encode()).hexdigest()[:32])
        resp.headers["Cache-Control"] = "private, no-cache"
    else:
        resp.headers["Cache-Control"] = "private, no-store"
    return resp


def percent_label(done: int, total: int) -> str:
    """Return "3 of 5 (60 %)" for a progress bar's text."""
    share = round(done * 100 / total) if total else 0
    return _("%(done)s of %(total)s (%(percent)s %%)", done=done, total=total, percent=share)


def render_cached(template: str, key: tuple[object, ...], *, package: m.Package,
                  context: Callable[[], dict[str, Any]]) -> Response:
    """Render a page through the shell cache: the same HTML for everyone in the same state, token swapped in.

    The page is private to the session and revalidated with an ETag (``304`` when unchanged).
    """
    session = current_session()
    # The interface language, and whether the header's switcher shows "as in my platform", vary the page.
    full_key = (template, first_value(request.args, "lang"), interface_language(), session.chosen_locale is None, *key)
    tag = hashlib.sha256(repr((full_key, session.token)).encode()).hexdigest()[:32]
    if request.if_none_match.contains(tag):
        resp = Response(status=304)
    else:
        shells = current_app.extensions["r2com"]["training_shells"]
        html = shells.get(full_key)
        if html is None:
            g.ref_token, g.ref_lang = TOKEN_MARK, content_lang()
            try:
                html = render(template, package=package, **context()).get_data(as_text=True)
            finally:
                g.pop("ref_token", None)
                g.pop("ref_lang", None)
            html = html.replace(session.token, TOKEN_MARK)
            shells.put(full_key, html)
        resp = Response(html.replace(TOKEN_MARK, session.token), mimetype="text/html")
    resp.set_etag(tag)
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp


