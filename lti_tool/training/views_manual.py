"""The manual reader: contents with chapter progress, chapter pages with previous/next, search, glossary."""

from __future__ import annotations

from flask import Response, current_app, redirect, request

from ..extensions import db
from ..lti.session import current_session, session_required
from . import progress as prog
from .catalog import chapter_of, content_lang, package_of, turl
from .constants import Item, ItemKind
from .documents import checklists
from .grading import send_completion
from .search import search
from .views_common import render


def _fragments():
    return current_app.extensions["r2com"]["training_fragments"]


@session_required
def manual() -> Response:
    """Show the contents with what the reader has read, and the search box."""
    session = current_session()
    package = package_of("manual", content_lang())
    rows = prog.chapter_rows(session)
    done, total = prog.manual_done(rows, package.body)  # type: ignore[arg-type]
    intro = _fragments().get(package, "manual-intro", package.body.introduction_html)  # type: ignore[union-attr]
    return render("training/manual.html", package=package, manual=package.body, rows=rows, done=done, total=total,
                  intro=intro)


@session_required
def chapter(chapter_id: str) -> Response:
    """Show a chapter (its content note first), related modules, previous/next and "Mark as read"."""
    session = current_session()
    package, chap = chapter_of(chapter_id, content_lang())
    if chap.content_note and request.args.get("note") != "seen":
        return render("training/content_note.html", package=package, module=None, page=chap,
                      go=turl("training.chapter", chapter_id=chapter_id, note="seen"),
                      skip=turl("training.manual"))
    rows = prog.chapter_rows(session)
    if chapter_id not in rows:
        prog.open_chapter(session, package, chapter_id, rows)
        db.session.commit()
    chapters = list(package.body.chapters)  # type: ignore[union-attr]
    index = next(i for i, c in enumerate(chapters) if c.id == chapter_id)
    done, total = prog.manual_done(rows, package.body)  # type: ignore[arg-type]
    body = _fragments().get(package, f"chapter/{chapter_id}", chap.html)
    related = []
    for ref in chap.related:
        try:
            from .catalog import library

            target = library().resolve_ref(ref, package.lang)
            related.append((getattr(target.item, "title", ref), library().url_for_ref(target.package_id,
                                                                                      target.item_id)))
        except Exception:  # a ref to content that is not installed: leave it out
            continue
    return render("training/chapter.html", package=package, chapter=chap, body=body, read=bool(
        rows[chapter_id].completed_at), done=done, total=total, index=index, count=len(chapters),
        prev=chapters[index - 1] if index else None, next=chapters[index + 1] if index + 1 < len(chapters) else None,
        related=related, just_read=request.args.get("read") == "1", has_checklist=bool(checklists(chap)))


@session_required
def chapter_read(chapter_id: str) -> Response:
    """Mark a chapter as read (or unread); report completion to the gradebook where the trainer asked for it."""
    session = current_session()
    package, chap = chapter_of(chapter_id, content_lang())
    read = request.form.get("read", "1") == "1"
    row, newly = prog.mark_chapter(session, package, chapter_id, read)
    if newly:
        send_completion(session, Item(ItemKind.CHAPTER, chapter_id), chap.title,
                        f"{session.context_id}:{session.user_id}:chapter:{chapter_id}")
        done, total = prog.manual_done(prog.chapter_rows(session), package.body)  # type: ignore[arg-type]
        if done == total:
            send_completion(session, Item(ItemKind.MANUAL), package.body.title,  # type: ignore[union-attr]
                            f"{session.context_id}:{session.user_id}:manual")
    db.session.commit()
    return redirect(turl("training.chapter", chapter_id=chapter_id, note="seen", read="1" if read else "0"),
                    code=303)


@session_required
def manual_search() -> Response:
    """Search the chapters of the manual."""
    package = package_of("manual", content_lang())
    query = (request.args.get("q") or "").strip()[:200]
    hits = search(package, query) if query else []
    return render("training/search.html", package=package, manual=package.body, query=query, hits=hits)


@session_required
def glossary() -> Response:
    """Show the glossary of the manual."""
    package = package_of("manual", content_lang())
    return render("training/glossary.html", package=package, manual=package.body)
