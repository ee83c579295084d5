"""The course overview and the module player: pages in order, a progress bar, resume, the activity."""

from __future__ import annotations

from flask import Response, current_app, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..content.errors import ContentNotFound
from ..extensions import db
from ..lti.session import current_session, session_required
from . import progress as prog
from .catalog import content_lang, module_of, package_of, turl
from .errors import NotPlaced
from .views_common import render, render_cached


def _fragments():
    return current_app.extensions["r2com"]["training_fragments"]


@session_required
def course() -> Response:
    """List the modules with the learner's progress in each."""
    session = current_session()
    package = package_of("course", content_lang())
    rows = prog.all_module_progress(session)
    modules = [(mod, *prog.counts(rows.get(mod.id), mod)) for mod in package.body.modules]  # type: ignore[union-attr]
    intro = _fragments().get(package, "course-intro", package.body.introduction_html)  # type: ignore[union-attr]
    return render("training/course.html", package=package, course=package.body, modules=modules, intro=intro)


@session_required
def module(module_id: str) -> Response:
    """Show a module's start page: objectives, content notes, progress, Start or Resume, the quiz."""
    session = current_session()
    package, mod = module_of(module_id, content_lang())
    state = prog.seen_state(session, module_id)  # with the kept percent, read with the session: one round trip
    done, total = prog.count_seen(state[0] if state else None, mod)
    resume = prog.resume_at(state[1] if state else None, mod)
    percent = prog.kept_percent(session, module_id)
    kept = None if percent is None else int(round(percent))
    key = (package.id, package.version, package.content_hash, package.lang, module_id, done, total, resume,
           state is not None, kept)
    return render_cached("training/module.html", key, package=package, context=lambda: {
        "module": mod, "done": done, "total": total, "resume": resume, "started": state is not None, "kept": kept})


def _neighbours(mod, page_id: str) -> tuple[str | None, str | None, int]:
    pages = prog.reading_pages(mod)
    index = pages.index(page_id)
    return (pages[index - 1] if index else None, pages[index + 1] if index + 1 < len(pages) else None, index)


def _page_url(module_id: str, page_id: str, activity_id: str) -> str:
    if page_id == activity_id:
        return turl("training.activity", module_id=module_id)
    return turl("training.page", module_id=module_id, page_id=page_id)


@session_required
def page(module_id: str, page_id: str) -> Response:
    """Show one learning page with the progress bar and previous/next; a content note comes first."""
    session = current_session()
    package, mod = module_of(module_id, content_lang())
    if page_id == mod.activity.id:
        return redirect(turl("training.activity", module_id=module_id), code=303)
    try:
        the_page = next(p for p in mod.pages if p.id == page_id)
    except StopIteration:
        raise NotPlaced(_l("Module %(module)s has no page %(page)s.", module=module_id, page=page_id)) from None
    if the_page.content_note and request.args.get("note") != "seen":
        return render("training/content_note.html", package=package, module=mod, page=the_page,
                      go=turl("training.page", module_id=module_id, page_id=page_id, note="seen"),
                      skip=_skip_url(mod, page_id))
    state = prog.seen_state(session, module_id)
    if state is None or page_id not in state[0] or state[1] != page_id:
        row = prog.mark_page(session, package, mod, page_id, prog.module_progress(session, module_id))
        db.session.commit()
        state = (list(row.pages_seen or []), row.last_page_id) if row is not None else state
    done, total = prog.count_seen(state[0] if state else None, mod)
    before, after, index = _neighbours(mod, page_id)
    key = (package.id, package.version, package.content_hash, package.lang, module_id, page_id, done, total,
           session.is_instructor)
    return render_cached("training/page.html", key, package=package, context=lambda: dict(
        module=mod, page=the_page, body=_fragments().get(package, f"{module_id}/{page_id}", the_page.html), done=done, total=total, index=index, count=len(mod.pages) + 1,
        prev_url=_page_url(module_id, before, mod.activity.id) if before else None,
        next_url=_page_url(module_id, after, mod.activity.id) if after else None))


def _skip_url(mod, page_id: str) -> str:
    _before, after, _index = _neighbours(mod, page_id)
    return _page_url(mod.id, after, mod.activity.id) if after else turl("training.module", module_id=mod.id)


@session_required
def activity(module_id: str) -> Response:
    """Show the module's case-based activity; reflections are saved privately (never sent to the LMS)."""
    session = current_session()
    package, mod = module_of(module_id, content_lang())
    act = mod.activity
    if act.content_note and request.method == "GET" and request.args.get("note") != "seen":
        return render("training/content_note.html", package=package, module=mod, page=act,
                      go=turl("training.activity", module_id=module_id, note="seen"),
                      skip=turl("training.quiz", module_id=module_id))
    saved = False
    if request.method == "POST":
        texts = [request.form.get(f"reflection-{i}", "") for i in range(len(act.reflection_prompts))]
        prog.save_reflection(session, package, mod, texts)
        saved = True
    row = prog.mark_page(session, package, mod, act.id, prog.module_progress(session, module_id))
    db.session.commit()
    reflection = prog.reflection_of(session, module_id)
    answered = bool(reflection and any(str(t).strip() for t in reflection.texts or []))
    done, total = prog.counts(row, mod)
    before, _after, index = _neighbours(mod, act.id)
    body = _fragments().get(package, f"{module_id}/activity", act.html)
    case_url = None
    if act.case and "assessment" in current_app.blueprints:
        try:
            case_url = turl("assessment.training_case", case_id=act.case.split("/", 1)[-1])
        except ContentNotFound:  # pragma: no cover
            case_url = None
    return render("training/activity.html", package=package, module=mod, page=act, body=body, done=done,
                  total=total, index=index, count=len(mod.pages) + 1, saved=saved,
                  texts=(reflection.texts if reflection else []),
                  prev_url=_page_url(module_id, before, act.id) if before else None,
                  quiz_url=turl("training.quiz", module_id=module_id), case_url=case_url,
                  saved_message=_("Your reflection is saved. Only you can see it."),
                  debrief=act.debrief_html if answered else None, has_debrief=bool(act.debrief_html))
