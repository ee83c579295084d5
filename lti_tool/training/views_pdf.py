"""PDF downloads: the whole guide, a chapter, a chapter's checklists, a module's pages, one's own quiz result."""

from __future__ import annotations

import datetime as dt

from flask import Response
from flask_babel import gettext as _

from ..errors import NotFound
from ..lti.session import current_session, session_required
from . import documents as docs
from . import quiz as ops
from .catalog import chapter_of, content_lang, module_of, package_of
from .models import AttemptState
from .review import review


#: The guide PDF is the same for every reader of one package version and language, and takes seconds to make.
_GUIDE_CACHE: dict[tuple[str, ...], Response] = {}
_GUIDE_CACHE_LIMIT = 8


@session_required
def guide_pdf() -> Response:
    """The whole guide: title page, contents with page numbers, every chapter, the glossary."""
    package = package_of("manual", content_lang())
    key = (package.id, package.version, package.content_hash, package.lang, str(_("Contents")),
           dt.date.today().isoformat())
    cached = _GUIDE_CACHE.get(key)
    if cached is None:
        cached = _guide(package)
        if len(_GUIDE_CACHE) >= _GUIDE_CACHE_LIMIT:
            _GUIDE_CACHE.clear()
        _GUIDE_CACHE[key] = cached
    resp = Response(cached.get_data(), mimetype="application/pdf")
    resp.headers.update({k: v for k, v in cached.headers.items() if k in ("Content-Disposition", "Cache-Control")})
    return resp


def _guide(package) -> Response:
    manual = package.body
    ids = [c.id for c in manual.chapters]  # type: ignore[union-attr]
    chapters = [(c, docs.paper_html(c.html, ids)) for c in manual.chapters]  # type: ignore[union-attr]
    intro = docs.paper_html(manual.introduction_html, ids)  # type: ignore[union-attr]
    return docs.pdf_response("training/pdf/guide.html", filename=manual.title, lang=package.lang,  # type: ignore
                             direction=package.direction, title=manual.title, manual=manual,  # type: ignore
                             package=package, chapters=chapters, intro=intro, credit=docs.package_credit(package))


@session_required
def chapter_pdf(chapter_id: str) -> Response:
    """One chapter of the guide."""
    package, chap = chapter_of(chapter_id, content_lang())
    title = _("Chapter %(n)s: %(title)s", n=chap.number, title=chap.title)
    return docs.pdf_response("training/pdf/chapter.html", filename=f"chapter-{chap.number}-{chap.id}",
                             lang=package.lang, direction=package.direction, title=title, chapter=chap,
                             manual=package.body, body=docs.paper_html(chap.html),
                             credit=docs.package_credit(package))


@session_required
def checklist_pdf(chapter_id: str) -> Response:
    """A chapter's checklists on one page, to take into a meeting.

    Raises:
        NotFound: The chapter has no checklist.
    """
    package, chap = chapter_of(chapter_id, content_lang())
    lists = docs.checklists(chap)
    if not lists:
        raise NotFound(f"Chapter {chapter_id} has no checklist.", code="no_checklist")
    title = _("Checklist: %(title)s", title=chap.title)
    return docs.pdf_response("training/pdf/checklist.html", filename=f"checklist-{chap.number}-{chap.id}",
                             lang=package.lang, direction=package.direction, title=title, lists=lists,
                             manual=package.body, credit=docs.package_credit(package))


@session_required
def module_pdf(module_id: str) -> Response:
    """A module's learning pages and its activity, with the objectives and a contents list."""
    package, mod = module_of(module_id, content_lang())
    pages = [(p, docs.paper_html(p.html)) for p in (*mod.pages, mod.activity)]
    title = _("Module %(n)s: %(title)s", n=mod.number, title=mod.title)
    return docs.pdf_response("training/pdf/module.html", filename=f"module-{mod.number}-{mod.id}",
                             lang=package.lang, direction=package.direction, title=title, module=mod,
                             course=package.body, pages=pages, credit=docs.package_credit(package))


@session_required
def result_pdf(attempt_id: int) -> Response:
    """The learner's own submitted attempt: score, and each question with their answer and the feedback.

    Raises:
        NotFound: No such submitted attempt of this learner in this course.
    """
    session = current_session()
    att = ops.get_attempt(session, attempt_id)
    if att.state != AttemptState.SUBMITTED:
        raise NotFound("This attempt has not been submitted yet.", code="attempt_not_submitted")
    package, mod, the_quiz = ops.quiz_of(att)
    questions = list(ops.shown_questions(the_quiz, att))
    reviews = review(questions, att.layout or {}, att.answers or {}, att.results or {})
    title = _("Your result: %(quiz)s", quiz=the_quiz.title)
    return docs.pdf_response("training/pdf/result.html", filename=f"result-{mod.id}-attempt-{att.number}",
                             lang=package.lang, direction=package.direction, title=title, attempt=att,
                             module=mod, course=package.body, reviews=reviews)
