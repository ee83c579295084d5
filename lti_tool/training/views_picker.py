"""The Deep Linking picker, and setting up a link that was placed without an item."""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..lti.session import current_session, instructor_required
from . import deeplink
from .catalog import assessment_installed, cases, content_lang, describe, package_of
from .constants import Completion, Item, ItemKind, Presentation, Report
from .errors import NotPlaced
from .placements import record_deep_link, set_up_link
from .routing import route_launch
from .views_common import render

#: What reading a chapter or the guide sends when the trainer does not choose otherwise: 1 of 1, FullyGraded,
#: which Moodle stores as a grade (firing "receive a grade" completion) and Canvas as a graded submission.
#: "Completion only" (NotReady, no score) is null in Moodle and "needs grading" in Canvas, so it is opt-in.
DEFAULT_REPORT = Report.SCORE


def choices(lang: str | None) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Return the groups of items a trainer can pick: (group heading, [(key, title, text)]), content marked."""
    course = package_of("course", lang).body
    manual = package_of("manual", lang).body
    groups = [
        (_("Course modules (graded by their quiz)"),
         [(f"module:{m.id}", *describe(Item(ItemKind.MODULE, m.id), lang, marked=True)) for m in course.modules]),  # type: ignore
        (_("The guide"),
         [("manual", *describe(Item(ItemKind.MANUAL), lang, marked=True))] +
         [(f"chapter:{c.id}", *describe(Item(ItemKind.CHAPTER, c.id), lang, marked=True)) for c in manual.chapters]),  # type: ignore
    ]
    if assessment_installed():
        found = cases(lang)
        if found:
            groups.append((_("Fictional case exercises (graded)"),
                           [(f"case-exercise:{c.id}", *describe(Item(ItemKind.CASE_EXERCISE, c.id), lang, marked=True))
                            for c in found]))
        groups.append((_("Casework (never graded; nothing is sent to the course)"),
                       [("casework", *describe(Item(ItemKind.CASEWORK), lang, marked=True))]))
    return groups


def _completion() -> Completion:
    try:
        return Completion(request.form.get("completion") or Completion.PASS)
    except ValueError:
        return Completion.PASS


def _items_from(keys: list[str], report: Report, completion: Completion = Completion.PASS) -> list[Item]:
    items = []
    for key in keys:
        item = Item.parse_key(key, str(report), str(completion))
        if item is None:
            raise NotPlaced(_l("“%(key)s” is not something the tool can place.", key=key))
        if item.kind in (ItemKind.CASEWORK, ItemKind.CASE_EXERCISE) and not assessment_installed():
            raise NotPlaced(_l("“%(key)s” is not available in this installation.", key=key))
        describe(item)  # raises NotPlaced for unknown ids
        items.append(item)
    return items


@instructor_required
def picker() -> Response:
    """Let a trainer choose modules, the manual or chapters, case exercises or casework, and send them back."""
    session = current_session()
    settings = deeplink.settings_of(session)
    lang = content_lang()
    multiple = settings.get("accept_multiple", True) is not False
    targets = deeplink.presentations(settings)
    error = None
    if request.method == "POST":
        if request.form.get("action") == "cancel" or not deeplink.accepts_links(settings):
            token, url = deeplink.response_jwt(session, [], msg=_("Nothing was added."))
            return _autosubmit(token, url)
        keys = [k for k in request.form.getlist("item") if k]
        try:
            report = Report(request.form.get("report") or DEFAULT_REPORT)
            presentation = Presentation(request.form.get("presentation", str(targets[0])))
        except ValueError:
            report, presentation = DEFAULT_REPORT, targets[0]
        if presentation not in targets:
            presentation = targets[0]
        if not keys:
            error = _("Choose at least one item to add.")
        elif not multiple and len(keys) > 1:
            error = _("Your course accepts one item at a time here. Choose one item.")
        else:
            items = _items_from(keys, report, _completion())
            base = current_app.config["R2COM"]["BASE_URL"]
            picked = []
            content = []
            for item in items:
                title, text = describe(item, lang)
                picked.append((item, title, presentation))
                content.append(deeplink.content_item(item, title, text, presentation, base_url=base))
            record_deep_link(session, picked)
            db.session.commit()
            token, url = deeplink.response_jwt(session, content)
            return _autosubmit(token, url)
    return render("training/picker.html", groups=choices(lang), multiple=multiple, targets=targets,
                  accepts=deeplink.accepts_links(settings), error=error, chosen=request.form.getlist("item"),
                  status=400 if error else 200)


def _autosubmit(token: str, url: str) -> Response:
    """Return the page that posts the signed response back to the platform (form id ``lti-autosubmit``)."""
    resp = Response(render_template("training/autosubmit.html", action=url, jwt=token))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@instructor_required
def setup_link() -> Response:
    """Set up a link that was placed without an item: choose what it opens for everyone in the course."""
    session = current_session()
    lang = content_lang()
    error = None
    if request.method == "POST":
        key = request.form.get("item", "")
        try:
            report = Report(request.form.get("report") or DEFAULT_REPORT)
        except ValueError:
            report = DEFAULT_REPORT
        if not key:
            error = _("Choose what this link should open.")
        elif not session.resource_link_id:
            error = _("This launch did not come from a course link, so there is nothing to set up.")
        else:
            (item,) = _items_from([key], report, _completion())
            set_up_link(session, item, describe(item, lang)[0])
            db.session.commit()
            return route_launch(session) or redirect(request.url)
    return render("training/setup_link.html", groups=choices(lang), error=error,
                  has_link=bool(session.resource_link_id), status=400 if error else 200)
