"""Content lookups for training: the course and manual packages (current or as at a version), item titles,
``ref:`` link URLs, and a cache of rendered page bodies.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app, g, has_request_context, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from ..content import model as m
from ..content.errors import ContentNotFound
from ..content.library import ContentLibrary
from ..extensions import db
from ..i18n import interface_language
from ..lti.session import first_value
from .constants import Item, ItemKind
from .errors import NotPlaced

#: Stands in for the session token in cached HTML; replaced per request.
TOKEN_MARK = "__R2COM_LTIK__"
_snapshot_lock = threading.Lock()


def library() -> ContentLibrary:
    """Return the app's content library."""
    from ..content.setup import get_library

    return get_library(current_app)


def content_lang() -> str | None:
    """Return the content language: the one the learner picked (``lang`` query or form value), else the interface's.

    A package without that translation is shown in its source language (``ContentLibrary.package``), so a French
    learner reads the French course where there is one and the English one where there is not.
    """
    if not has_request_context():
        return None
    lang = first_value(request.args, "lang") or _form_value("lang") or interface_language()
    return lang[:20] if lang else None


def _form_value(key: str) -> str | None:
    """A field of the request's form; a request without a body type has none (werkzeug parses nothing then)."""
    if not request.environ.get("CONTENT_TYPE"):
        return None
    return first_value(request.form, key)


def package_of(kind: str, lang: str | None = None) -> m.Package:
    """Return the current package of a kind ("course", "manual", "case-set"), in ``lang`` where translated.

    Raises:
        ContentNotFound: No package of that kind is installed.
    """
    lib = library()
    for package in lib.packages():
        if package.kind == kind:
            return lib.package(package.id, lang)
    raise ContentNotFound(f"no {kind} package is installed")


def course_at(package_id: str, version: str, lang: str | None = None) -> tuple[m.Package, m.Course]:
    """Return the course package as it was at ``version`` (the current one when unchanged)."""
    package = library().get_version(package_id, version, lang)
    return package, package.body  # type: ignore[return-value]


def ensure_snapshot(package: m.Package) -> None:
    """Make sure the package version an attempt starts under can be rebuilt later (once per process)."""
    key = (package.id, package.version)
    seen: set[tuple[str, str]] = current_app.extensions["r2com"].setdefault("training_snapshots", set())
    if key in seen:
        return
    from ..content.models import ContentSnapshot

    found = db.session.execute(select(ContentSnapshot.id).filter_by(package_id=package.id, version=package.version)
                               ).scalar()
    if found is None:
        from ..content.snapshots import record_snapshots

        record_snapshots(library(), current_app.config["R2COM"]["ENV"])
    with _snapshot_lock:
        seen.add(key)


def module_of(module_id: str, lang: str | None = None) -> tuple[m.Package, m.Module]:
    """Return (course package, module) or raise NotPlaced."""
    package = package_of("course", lang)
    try:
        return package, package.body.module(module_id)  # type: ignore[union-attr]
    except ContentNotFound:
        raise NotPlaced(_l("There is no module “%(module)s” in the course.", module=module_id)) from None


def chapter_of(chapter_id: str, lang: str | None = None) -> tuple[m.Package, m.Chapter]:
    """Return (manual package, chapter) or raise NotPlaced."""
    package = package_of("manual", lang)
    try:
        return package, package.body.chapter(chapter_id)  # type: ignore[union-attr]
    except ContentNotFound:
        raise NotPlaced(_l("There is no chapter “%(chapter)s” in the guide.", chapter=chapter_id)) from None


def cases(lang: str | None = None) -> tuple[m.Case, ...]:
    """Return the fictional cases, or none when no case set is installed."""
    try:
        return package_of("case-set", lang).body.cases  # type: ignore[union-attr]
    except ContentNotFound:
        return ()


def assessment_installed() -> bool:
    """Tell whether the assessment feature (case exercises, casework) is part of this app."""
    return "assessment" in current_app.blueprints


def _marked(text: str, package: m.Package, marked: bool) -> Any:
    """Content text as it is, or (``marked``) with its own lang and dir when not in the interface language."""
    from ..i18n import direction

    lang = package.lang
    if not marked or not text or lang.split("-", 1)[0] == interface_language().split("-", 1)[0]:
        return text
    return Markup('<span lang="%s" dir="%s">%s</span>') % (lang, direction(lang), text)


def _titled(message: str, marked: bool, **values: Any) -> Any:
    """An interface message around content: Markup (the content parts keep their marks) when ``marked``."""
    return Markup(escape(message)) % values if marked else message % values


def describe(item: Item, lang: str | None = None, *, marked: bool = False) -> tuple[Any, Any]:
    """Return (title, one-line text) of an item for the picker, the dashboard and Deep Linking.

    ``marked``: for a page, the content parts carry their own lang and dir (the course may be in English while
    the interface is in Italian); Deep Linking and the stored titles get plain text.

    Casework gets a generic title: no client data may ever appear in an LTI message (DP-6).

    Raises:
        NotPlaced: The item names content that does not exist.
    """
    if item.kind == ItemKind.MODULE:
        pkg, module = module_of(item.id, lang)
        return (_titled(_("Module %(number)s: %(title)s"), marked, number=module.number,
                        title=_marked(module.title, pkg, marked)), _marked(module.summary, pkg, marked))
    if item.kind == ItemKind.CHAPTER:
        pkg, chapter = chapter_of(item.id, lang)
        return (_titled(_("Chapter %(number)s: %(title)s"), marked, number=chapter.number,
                        title=_marked(chapter.title, pkg, marked)), _marked(chapter.summary, pkg, marked))
    if item.kind == ItemKind.MANUAL:
        pkg = package_of("manual", lang)
        return (_marked(pkg.body.title, pkg, marked),  # type: ignore[union-attr]
                _("The whole guide, with contents, search and a glossary."))
    if item.kind == ItemKind.CASE_EXERCISE:
        pkg = package_of("case-set", lang)
        for case in cases(lang):
            if case.id == item.id:
                return (_titled(_("Fictional case exercise: %(title)s"), marked, title=_marked(case.title, pkg, marked)),
                        _marked(case.summary, pkg, marked))
        raise NotPlaced(_l("There is no fictional case “%(case)s”.", case=item.id))
    if item.kind == ItemKind.CASEWORK:
        return _("Casework workspace"), _("Support profiles and plans for the people your organisation supports.")
    return _("Training progress"), _("Progress of the course members.")


# -- URLs ------------------------------------------------------------------------------------------
def link_token() -> str | None:
    """Return the token to put in links: the placeholder while caching, else the session's."""
    token = g.get("ref_token")
    if token:
        return token
    session = g.get("tool_session")
    return session.token if session is not None else None


def turl(endpoint: str, **values: Any) -> str:
    """Return a URL for a training view that carries the session token and the chosen content language."""
    token = link_token()
    if token and "ltik" not in values:
        values["ltik"] = token
    lang = g.get("ref_lang") if g.get("ref_token") else content_lang()
    if lang and "lang" not in values:
        values["lang"] = lang
    return url_for(endpoint, **values)


def course_ref_url(target: m.RefTarget) -> str | None:
    """Return the URL of a ``ref:`` target in the course package."""
    if target.kind == "module":
        return turl("training.module", module_id=target.item_id)
    if target.kind == "page" and target.parent_id:
        return turl("training.page", module_id=target.parent_id, page_id=target.item_id)
    if target.kind == "activity" and target.parent_id:
        return turl("training.activity", module_id=target.parent_id)
    if target.kind == "quiz" and target.parent_id:
        return turl("training.quiz", module_id=target.parent_id)
    return None


def manual_ref_url(target: m.RefTarget) -> str | None:
    """Return the URL of a ``ref:`` target in the manual package."""
    if target.kind == "chapter":
        return turl("training.chapter", chapter_id=target.item_id)
    return None


class FragmentCache:
    """Rendered page bodies (``ref:`` links resolved) per package version, language and page.

    The session token in the links is a placeholder, swapped in per request, so one entry serves everyone.
    """

    def __init__(self, limit: int = 2000) -> None:
        self._data: dict[tuple[str, ...], str] = {}
        self._lock = threading.Lock()
        self.limit = limit

    def get(self, package: m.Package, page_key: str, html: str) -> Markup:
        """Return ``html`` with ``ref:`` links resolved for the current request's token and language.

        The result is marked safe (the package's HTML was sanitised when it was built): a template that
        prints it with ``{{ intro }}`` must not escape it a second time.
        """
        key = (package.id, package.version, package.content_hash, package.lang, content_lang() or "", page_key)
        cached = self._data.get(key)
        if cached is None:
            g.ref_token, g.ref_lang = TOKEN_MARK, content_lang()
            try:
                cached = str(library().html(html, package.lang))
            finally:
                g.pop("ref_token", None)
                g.pop("ref_lang", None)
            with self._lock:
                if len(self._data) >= self.limit:
                    self._data.clear()
                self._data[key] = cached
        token = link_token() or ""
        return Markup(cached.replace(TOKEN_MARK, token))


class ShellCache:
    """Whole rendered pages keyed by everything they show except the session token (a placeholder here).

    A page view then costs the session check, one progress read and a string replace.
    """

    def __init__(self, limit: int = 5000) -> None:
        self._data: dict[tuple[object, ...], str] = {}
        self._lock = threading.Lock()
        self.limit = limit

    def get(self, key: tuple[object, ...]) -> str | None:
        """Return a cached page (with the placeholder), if any."""
        return self._data.get(key)

    def put(self, key: tuple[object, ...], html: str) -> None:
        """Store a page."""
        with self._lock:
            if len(self._data) >= self.limit:
                self._data.clear()
            self._data[key] = html
